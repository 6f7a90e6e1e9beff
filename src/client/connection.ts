import { EventEmitter } from 'node:events';
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import { describeClientRefusal } from './http2-refusals.js';
import { rootCertificates } from 'node:tls';
import { ConnectionError, TimeoutError, type ClovaError } from '../protocol/errors.js';
import { multipartBoundary } from '../protocol/content-type.js';
import type { DirectiveIntake, DirectiveOrigin } from './dispatch.js';
import { connectError, handshakeFailure, oneLine, type HandshakeTarget } from './handshake.js';
import { readExceptionDescription, statusError } from './http-errors.js';
import { KeepAlive, type KeepAliveOptions } from './keepalive.js';
import { pipeToReader, type ResponseReader } from './response-reader.js';
import type { Timers, TimerHandle } from './timers.js';
import type { WireStream } from './wire-observer.js';
import { ConnectionTimer } from './timings.js';

/** Who this client is to CIC and how patient a connection is: what every connection is opened with. */
export interface EndpointOptions {
  token: string;
  userAgent: string;
  /** Extra trusted CA certificate(s) in PEM, added to Node's defaults. */
  extraCa?: string;
  /** Do not verify the server certificate (testing only). */
  insecure?: boolean;
  deviceTags?: string;
  /** How long to wait for HTTP/2 SETTINGS and for Clova.Hello (default 10000 ms, spec U-11). */
  helloTimeoutMs?: number;
  keepAlive?: KeepAliveOptions;
}

/** Everything one connection needs to know. */
export interface ConnectionOptions {
  /** The connection's number in its client (1 for the first): the `conn#N` of traces, EventResult.connectionId. */
  id: number;
  url: URL;
  endpoint: EndpointOptions;
  timers: Timers;
  /** Where the downchannel's directives go (the first Clova.Hello included: it is taken aside there). */
  intake: DirectiveIntake;
  trace(line: string): void;
}

/** The wait for SETTINGS and for Clova.Hello when none is given (spec U-11). */
export const DEFAULT_HELLO_TIMEOUT_MS = 10000;

/**
 * One HTTP/2 connection to CIC with its downchannel and keep-alive (spec 1.3, 2). Emits:
 * `goaway` (no new streams may start), `dead` (PING unanswered), `downchannel-ended`, `closed`.
 */
export class CicConnection extends EventEmitter {
  readonly id: number;
  private session: ClientHttp2Session | undefined;
  private keepAlive: KeepAlive | undefined;
  private downchannel: ClientHttp2Stream | undefined;
  private downchannelReader: ResponseReader | undefined;
  /** True after GOAWAY: streams in flight finish, new work goes elsewhere. */
  draining = false;
  closed = false;
  /** Why the connection was declared dead, if it was. */
  deadReason: string | undefined;
  goawayLastStreamId = Number.POSITIVE_INFINITY;
  /** When the phases of opening this connection happened (--timings): told with the first turn on it. */
  readonly timer: ConnectionTimer;

  private readonly helloTimeoutMs: number;

  constructor(private readonly opts: ConnectionOptions) {
    super();
    this.id = opts.id;
    this.timer = new ConnectionTimer(opts.id);
    this.helloTimeoutMs = opts.endpoint.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
  }

  private baseHeaders(): OutgoingHttpHeaders {
    const { token, userAgent, deviceTags } = this.opts.endpoint;
    const h: OutgoingHttpHeaders = { authorization: `Bearer ${token}`, 'user-agent': userAgent };
    if (deviceTags) h['x-clova-device-tags'] = deviceTags;
    return h;
  }

  private handshakeTarget(): HandshakeTarget {
    const { url, timers, trace } = this.opts;
    return { url, timers, helloTimeoutMs: this.helloTimeoutMs, trace: (l) => trace(`conn#${this.id}: ${l}`) };
  }

  /**
   * Opens the TCP/TLS connection and the HTTP/2 session; resolves once the server's SETTINGS
   * arrived, so a peer that does not speak HTTP/2 is found here, reported at once (E_NOT_HTTP2,
   * never retried) and described, rather than retried as a broken downchannel.
   */
  connect(): Promise<void> {
    const { url, timers } = this.opts;
    const { extraCa, insecure } = this.opts.endpoint;
    const options: http2.SecureClientSessionOptions = {};
    if (url.protocol === 'https:' && extraCa) options.ca = [...rootCertificates, extraCa];
    if (url.protocol === 'https:' && insecure) options.rejectUnauthorized = false;
    this.opts.trace(`conn#${this.id}: connecting to ${url.origin} (${url.protocol === 'https:' ? 'TLS, ALPN h2' : 'h2c prior knowledge'})`);
    return new Promise((resolve, reject) => {
      let settled = false;
      let socketUp = false;
      let session: ClientHttp2Session;
      try {
        session = http2.connect(url.origin, options);
      } catch (err) {
        // e.g. a CA option that is not PEM: a one-line ConnectionError, not a raw exception.
        reject(connectError(url, err as NodeJS.ErrnoException));
        return;
      }
      this.session = session;
      // The socket exists from the start (http2.connect makes it): TCP and TLS are timed on it.
      session.socket.once('connect', () => this.timer.mark('tcp'));
      if (url.protocol === 'https:') session.socket.once('secureConnect', () => this.timer.mark('tls'));
      const fail = (err: NodeJS.ErrnoException | undefined) => {
        if (settled) return;
        settled = true;
        timers.clearTimeout(timer);
        const alpn = session.alpnProtocol;
        session.destroy();
        void handshakeFailure(this.handshakeTarget(), err, socketUp, alpn).then(reject, (probeErr: NodeJS.ErrnoException) =>
          reject(err ? connectError(url, err) : connectError(url, probeErr)),
        );
      };
      const timer: TimerHandle = timers.setTimeout(() => {
        if (settled) return;
        settled = true;
        session.destroy();
        reject(
          socketUp
            ? new ConnectionError(
                `the server at ${url.origin} accepted the connection but sent no HTTP/2 SETTINGS within ${this.helloTimeoutMs} ms; is it an HTTP/2 server? check --server`,
                'E_NOT_HTTP2',
              )
            : new ConnectionError(`connecting to ${url.origin} timed out after ${this.helloTimeoutMs} ms`, 'E_CONNECT'),
        );
      }, this.helloTimeoutMs);
      session.once('connect', () => {
        socketUp = true;
        this.opts.trace(`conn#${this.id}: connected${session.alpnProtocol ? ` (ALPN ${session.alpnProtocol})` : ''}`);
      });
      session.once('remoteSettings', () => {
        if (settled) return;
        settled = true;
        timers.clearTimeout(timer);
        this.timer.mark('settings');
        this.opts.trace(`conn#${this.id}: HTTP/2 settings received`);
        resolve();
      });
      session.on('error', (err: NodeJS.ErrnoException) => {
        this.opts.trace(`conn#${this.id}: session error ${err.code ?? ''} ${oneLine(err.message)}`);
        const refusal = describeClientRefusal(err);
        fail(refusal ? new ConnectionError(refusal, 'E_CONNECTION') : err);
      });
      session.on('goaway', (code: number, lastStreamId: number) => {
        this.opts.trace(`conn#${this.id}: GOAWAY code=${code} lastStreamId=${lastStreamId}`);
        if (this.draining) return; // servers may repeat GOAWAY; the first one decides
        this.draining = true;
        this.goawayLastStreamId = lastStreamId;
        this.emit('goaway', code);
      });
      session.on('close', () => {
        this.closed = true;
        this.keepAlive?.stop();
        this.opts.trace(`conn#${this.id}: closed`);
        fail(undefined);
        this.emit('closed');
      });
    });
  }


  /** What TLS agreed through ALPN ('h2'; 'h2c' for cleartext), once connected. */
  get alpnProtocol(): string | undefined {
    return this.session?.alpnProtocol || undefined;
  }

  /**
   * One HTTP/2 PING and its round trip in milliseconds (sub-millisecond, as Node measures it);
   * rejects with a TimeoutError when no ACK comes within `timeoutMs`.
   */
  ping(timeoutMs: number): Promise<number> {
    const session = this.session;
    if (!session || this.closed) return Promise.reject(new ConnectionError('connection is closed', 'E_CLOSED'));
    return new Promise((resolve, reject) => {
      const timer = this.opts.timers.setTimeout(() => reject(new TimeoutError(`no PING acknowledgement within ${timeoutMs} ms`)), timeoutMs);
      try {
        session.ping((err, duration) => {
          this.opts.timers.clearTimeout(timer);
          if (err) reject(new ConnectionError(`PING failed: ${oneLine(err.message)}`, 'E_CONNECTION'));
          else resolve(duration);
        });
      } catch (err) {
        this.opts.timers.clearTimeout(timer);
        reject(new ConnectionError(`PING failed: ${oneLine((err as Error).message)}`, 'E_CONNECTION'));
      }
    });
  }

  /** Starts PINGs; an unanswered PING emits `dead`. */
  startKeepAlive(): void {
    const session = this.session;
    if (!session) return;
    this.keepAlive = new KeepAlive(
      { ping: (cb) => session.ping((err) => cb(err)) },
      this.opts.timers,
      (reason) => {
        this.deadReason = reason;
        this.opts.trace(`conn#${this.id}: dead: ${reason}`);
        this.emit('dead', reason);
      },
      this.opts.endpoint.keepAlive ?? {},
    );
    this.keepAlive.start();
  }

  /** Opens `GET /v1/directives` and resolves once `Clova.Hello` has arrived (spec 2.1-2.2). */
  openDownchannel(): Promise<void> {
    const session = this.session;
    if (!session || this.closed || this.draining) {
      return Promise.reject(new ConnectionError('connection is not usable for a downchannel', 'E_GOAWAY'));
    }
    const { timers, trace } = this.opts;
    return new Promise((resolve, reject) => {
      let hello = false;
      let failed = false;
      let errorStatus = false;
      const fail = (err: ClovaError) => {
        if (hello || failed) return;
        failed = true;
        timers.clearTimeout(timer);
        reject(err);
      };
      let stream: ClientHttp2Stream;
      try {
        stream = session.request({ ':method': 'GET', ':path': '/v1/directives', ...this.baseHeaders() }, { endStream: true });
      } catch (err) {
        reject(new ConnectionError(`cannot open the downchannel: ${(err as Error).message}`, 'E_GOAWAY'));
        return;
      }
      this.downchannel = stream;
      const wire = this.opts.intake.wire;
      const ws: WireStream = { connectionId: this.id, streamId: stream.id ?? 0, kind: 'downchannel' };
      wire?.requestSent?.(ws, stream.sentHeaders);
      wire?.requestEnded?.(ws);
      const timer = timers.setTimeout(() => {
        fail(
          new ConnectionError(
            `no Clova.Hello on the downchannel within ${this.helloTimeoutMs} ms; the server accepted it but never greeted: check the server or raise --hello-timeout`,
            'E_NO_HELLO',
          ),
        );
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }, this.helloTimeoutMs);
      stream.on('response', (headers) => {
        const status = Number(headers[':status']);
        const ct = headers['content-type'] as string | undefined;
        trace(`conn#${this.id} stream ${stream.id}: downchannel status ${status} ${ct ?? ''}`);
        ws.streamId = stream.id ?? ws.streamId;
        wire?.responseStarted?.(ws, status, headers);
        if (status !== 200) {
          errorStatus = true;
          void readExceptionDescription(stream, ct).then((d) => {
            wire?.responseEnded?.(ws, d !== undefined ? { description: d } : {});
            fail(statusError('the downchannel request', status, d));
          });
          return;
        }
        const boundary = multipartBoundary(ct);
        if (!boundary) {
          fail(new ConnectionError(`downchannel answered with unexpected content-type "${ct ?? ''}"`, 'E_PROTOCOL'));
          stream.close(http2.constants.NGHTTP2_CANCEL);
          return;
        }
        const origin: DirectiveOrigin = {
          source: 'downchannel',
          connectionId: this.id,
          streamId: ws.streamId,
          label: `conn#${this.id} downchannel`,
          delivered: 0,
          hello: () => {
            hello = true;
            this.greeted = true;
            this.timer.mark('hello');
            timers.clearTimeout(timer);
            if (!failed) resolve();
          },
        };
        const reader = this.opts.intake.reader(boundary, origin);
        this.downchannelReader = reader;
        pipeToReader(stream, reader).then(
          () => {
            wire?.responseEnded?.(ws, {});
            this.downchannelEnded(stream, 'ended');
          },
          (err: Error) => {
            wire?.responseEnded?.(ws, { error: err.message });
            this.downchannelEnded(stream, err.message);
          },
        );
      });
      stream.on('error', (err: NodeJS.ErrnoException) => {
        trace(`conn#${this.id} stream ${stream.id ?? '?'}: downchannel error ${err.message}`);
        const refusal = describeClientRefusal(err, stream.rstCode);
        fail(new ConnectionError(`downchannel failed: ${refusal ?? err.message}`, 'E_DOWNCHANNEL'));
      });
      stream.on('close', () => {
        if (!hello && !errorStatus) {
          const goaway = this.draining ? ' (server sent GOAWAY)' : '';
          fail(new ConnectionError(`downchannel closed before Clova.Hello${goaway}`, this.draining ? 'E_GOAWAY' : 'E_DOWNCHANNEL'));
        }
      });
    });
  }

  private downchannelEnded(stream: ClientHttp2Stream, reason: string): void {
    if (this.downchannel !== stream) return;
    this.downchannel = undefined;
    this.greeted = false;
    this.downchannelReader = undefined;
    this.opts.trace(`conn#${this.id}: downchannel ${this.closingLocally ? 'closed by the client' : reason}`);
    this.emit('downchannel-ended', reason);
  }

  /** True while this connection has an open downchannel. */
  get hasDownchannel(): boolean {
    return this.downchannel !== undefined && !this.downchannel.closed;
  }

  private greeted = false;

  /** True when events may be sent: not draining, and the downchannel is open and has said Hello. */
  get usable(): boolean {
    return !this.closed && !this.draining && this.greeted && this.hasDownchannel;
  }

  /** Starts a request on this connection; throws when it is draining or closed. */
  request(headers: OutgoingHttpHeaders): ClientHttp2Stream {
    if (!this.session || this.closed || this.draining) {
      throw new ConnectionError('connection is draining (GOAWAY) or closed', 'E_GOAWAY');
    }
    return this.session.request({ ...this.baseHeaders(), ...headers });
  }

  private closingLocally = false;

  /** Lets streams in flight finish, then closes (after GOAWAY or when done). */
  closeGracefully(): void {
    this.closingLocally = true;
    this.keepAlive?.stop();
    if (this.downchannel && !this.downchannel.closed) this.downchannel.close(http2.constants.NGHTTP2_CANCEL);
    if (this.session && !this.session.closed) this.session.close();
  }

  /** Closes at once (from the next turn of the event loop), failing streams in flight. */
  destroy(): void {
    this.closingLocally = true;
    this.keepAlive?.stop();
    void this.downchannelReader?.abort();
    // Not in the same tick: destroying a session synchronously after the server reset a stream
    // that still had request data queued (an upload) makes Node 20 spin forever in its RST_STREAM
    // submission; one setImmediate later it is fine (measured with a minimal repro).
    const session = this.session;
    if (session && !session.destroyed) setImmediate(() => session.destroy());
  }
}

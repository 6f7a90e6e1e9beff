import { EventEmitter } from 'node:events';
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import { addAbortSignal } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { ConnectionError, type ClovaError } from '../protocol/errors.js';
import { multipartBoundary } from '../protocol/content-type.js';
import type { DirectiveMessage } from '../protocol/messages.js';
import type { AttachmentSink } from './attachments.js';
import { readExceptionDescription, statusError } from './http-errors.js';
import { KeepAlive, type KeepAliveOptions } from './keepalive.js';
import { probeCleartext, probeTls, type PeerKind } from './peer-probe.js';
import { ResponseReader, type AudioInfo } from './response-reader.js';
import type { Timers, TimerHandle } from './timers.js';

/** Everything one connection needs to know. */
export interface ConnectionOptions {
  url: URL;
  token: string;
  userAgent: string;
  /** Extra trusted CA certificates (PEM), added to Node's defaults. */
  extraCa?: string;
  /** Skip certificate verification (testing only). */
  insecure?: boolean;
  deviceTags?: string;
  timers: Timers;
  helloTimeoutMs: number;
  keepAlive: KeepAliveOptions;
  sink: AttachmentSink | undefined;
  trace(line: string): void;
  /** A one-line notice for the user (an oversized directive dropped). */
  notice(line: string): void;
  /** A downchannel directive other than the first Hello; returns whether it is wanted. */
  downchannelDirective(message: DirectiveMessage, connectionId: number): 'deliver' | 'discard';
  audio(info: AudioInfo): void;
}

let nextConnectionId = 1;

/** The longest a diagnosis of a peer that does not speak HTTP/2 may take. */
const PROBE_TIMEOUT_MS = 3000;

/** The first line of a message; OpenSSL's are `<hex>:error:<code>:SSL routines:<function>:<reason>:<file>:<line>:`. */
function oneLine(message: string): string {
  const ssl = /SSL routines:[^:]*:([^:\n]+)/.exec(message);
  return ssl ? ssl[1]!.trim() : (message.split('\n')[0] ?? '').trim();
}

/** A TLS client error that means the peer did not answer with TLS at all. */
function isNotTls(err: NodeJS.ErrnoException): boolean {
  return (
    /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|HTTP_REQUEST|RECORD_LAYER_FAILURE)$/.test(err.code ?? '') ||
    /wrong version number|packet length too long|unknown protocol/i.test(err.message) ||
    err.code === 'ECONNRESET'
  );
}

/** The server's TLS stack refused ALPN h2. */
function isAlpnRefusal(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' || /no application protocol/i.test(err.message);
}

function describeKind(k: PeerKind): string {
  switch (k.kind) {
    case 'http1':
      return `${k.version} ${k.status}`;
    case 'other':
      return `bytes "${k.sample}"`;
    default:
      return k.kind;
  }
}

/** Turns a socket/TLS error into a one-line ConnectionError that says what to do. */
export function connectError(url: URL, err: NodeJS.ErrnoException): ConnectionError {
  const where = url.origin;
  const code = err.code ?? '';
  const detail = oneLine(err.message);
  let msg: string;
  if (code === 'ECONNREFUSED') msg = `cannot connect to ${where}: connection refused; is the server (or \`clova-cli emulator\`) running?`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') msg = `cannot resolve ${url.hostname}; check --server / CLOVA_CIC_URL`;
  else if (code === 'ETIMEDOUT') msg = `connecting to ${where} timed out`;
  else if (code === 'ECONNRESET' || code === 'EPIPE') msg = `connection to ${where} was reset`;
  else if (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ALTNAME/.test(code) ||
    /certificate/i.test(err.message)
  )
    msg = `TLS handshake with ${where} failed (${code || detail}); trust the server's CA with --ca-file <pem> or NODE_EXTRA_CA_CERTS (or, for testing, --insecure)`;
  else if (/EPROTO|wrong version|ALPN/i.test(code + err.message))
    msg = `TLS/HTTP2 negotiation with ${where} failed (${detail}); is it an https:// HTTP/2 server?`;
  else msg = `connection to ${where} failed: ${detail}${code ? ` (${code})` : ''}`;
  return new ConnectionError(msg, 'E_CONNECT', { cause: err });
}

/**
 * One HTTP/2 connection to CIC with its downchannel and keep-alive (spec 1.3, 2). Emits:
 * `goaway` (no new streams may start), `dead` (PING unanswered), `downchannel-ended`, `closed`.
 */
export class CicConnection extends EventEmitter {
  readonly id = nextConnectionId++;
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

  constructor(private readonly opts: ConnectionOptions) {
    super();
  }

  private baseHeaders(): OutgoingHttpHeaders {
    const h: OutgoingHttpHeaders = {
      authorization: `Bearer ${this.opts.token}`,
      'user-agent': this.opts.userAgent,
    };
    if (this.opts.deviceTags) h['x-clova-device-tags'] = this.opts.deviceTags;
    return h;
  }

  /**
   * Opens the TCP/TLS connection and the HTTP/2 session; resolves once the server's SETTINGS
   * arrived, so a peer that does not speak HTTP/2 is found here, reported at once (E_NOT_HTTP2,
   * never retried) and described, rather than retried as a broken downchannel.
   */
  connect(): Promise<void> {
    const { url, timers } = this.opts;
    const options: http2.SecureClientSessionOptions = {};
    if (url.protocol === 'https:' && this.opts.extraCa) options.ca = [...rootCertificates, this.opts.extraCa];
    if (url.protocol === 'https:' && this.opts.insecure) options.rejectUnauthorized = false;
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
      const fail = (err: NodeJS.ErrnoException | undefined) => {
        if (settled) return;
        settled = true;
        timers.clearTimeout(timer);
        const alpn = session.alpnProtocol;
        session.destroy();
        void this.handshakeFailure(err, socketUp, alpn).then(reject, (probeErr: NodeJS.ErrnoException) =>
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
                `the server at ${url.origin} accepted the connection but sent no HTTP/2 SETTINGS within ${this.opts.helloTimeoutMs} ms; is it an HTTP/2 server? check --server`,
                'E_NOT_HTTP2',
              )
            : new ConnectionError(`connecting to ${url.origin} timed out after ${this.opts.helloTimeoutMs} ms`, 'E_CONNECT'),
        );
      }, this.opts.helloTimeoutMs);
      session.once('connect', () => {
        socketUp = true;
        this.opts.trace(`conn#${this.id}: connected${session.alpnProtocol ? ` (ALPN ${session.alpnProtocol})` : ''}`);
      });
      session.once('remoteSettings', () => {
        if (settled) return;
        settled = true;
        timers.clearTimeout(timer);
        this.opts.trace(`conn#${this.id}: HTTP/2 settings received`);
        resolve();
      });
      session.on('error', (err: NodeJS.ErrnoException) => {
        this.opts.trace(`conn#${this.id}: session error ${err.code ?? ''} ${oneLine(err.message)}`);
        fail(err);
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

  /** Why the HTTP/2 handshake failed, in one line; probes the peer when it does not speak HTTP/2 (or TLS). */
  private async handshakeFailure(
    err: NodeJS.ErrnoException | undefined,
    socketUp: boolean,
    alpn: string | false | undefined,
  ): Promise<ConnectionError> {
    const { url, timers } = this.opts;
    const where = `the server at ${url.origin}`;
    const probeMs = Math.min(this.opts.helloTimeoutMs, PROBE_TIMEOUT_MS);
    const notH2 = (message: string) => new ConnectionError(message, 'E_NOT_HTTP2', err ? { cause: err } : undefined);
    const setupFailed = () =>
      err ? connectError(url, err) : new ConnectionError(`connection to ${url.origin} closed during setup`, 'E_CONNECT');
    if (url.protocol === 'https:') {
      if (!socketUp && err && isAlpnRefusal(err)) {
        return notH2(`${where} speaks TLS but not HTTP/2 (it refused ALPN h2); is it an HTTP/1.1 server? check --server`);
      }
      if (!socketUp && err && isNotTls(err)) {
        const found = await probeCleartext(url, timers, probeMs);
        this.opts.trace(`conn#${this.id}: cleartext probe: ${describeKind(found)}`);
        if (found.kind === 'h2') return notH2(`${where} does not speak TLS: it is a cleartext HTTP/2 server: use http://${url.host}`);
        if (found.kind === 'http1') return notH2(`${where} does not speak TLS: it answered ${found.version} ${found.status} in cleartext; check --server`);
        if (found.kind === 'other') return notH2(`${where} does not speak TLS (it sent "${found.sample}"); check --server`);
        return setupFailed();
      }
      if (!socketUp) return setupFailed();
      return alpn !== 'h2'
        ? notH2(`${where} speaks TLS but did not agree to HTTP/2 (no ALPN h2); is it an HTTP/1.1 server? check --server`)
        : notH2(`${where} agreed to HTTP/2 but did not speak it${err ? ` (${oneLine(err.message)})` : ' (it closed the connection)'}; check --server`);
    }
    if (!socketUp) return setupFailed();
    // Cleartext: the socket was up but no HTTP/2 SETTINGS came. See what the peer says to the preface.
    let found = await probeCleartext(url, timers, probeMs);
    if (found.kind === 'silent' && (await probeTls(url, timers, probeMs))) found = { kind: 'tls' };
    this.opts.trace(`conn#${this.id}: probe: ${describeKind(found)}`);
    switch (found.kind) {
      case 'http1':
        return notH2(`${where} answered ${found.version} ${found.status}, not HTTP/2; check --server`);
      case 'tls':
        return notH2(`${where} speaks TLS: use https://${url.host}`);
      case 'other':
        return notH2(`${where} does not speak HTTP/2 (it sent "${found.sample}"); check --server`);
      case 'silent':
        return notH2(`${where} closed the connection without speaking HTTP/2; check --server`);
      case 'h2':
        return new ConnectionError(
          `HTTP/2 with ${where} failed during setup${err ? ` (${oneLine(err.message)})` : ''}; try again`,
          'E_CONNECT',
          err ? { cause: err } : undefined,
        );
    }
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
      this.opts.keepAlive,
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
      const timer = timers.setTimeout(() => {
        fail(
          new ConnectionError(
            `no Clova.Hello on the downchannel within ${this.opts.helloTimeoutMs} ms; the server accepted it but never greeted: check the server or raise --hello-timeout`,
            'E_NO_HELLO',
          ),
        );
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }, this.opts.helloTimeoutMs);
      stream.on('response', (headers) => {
        const status = Number(headers[':status']);
        const ct = headers['content-type'] as string | undefined;
        trace(`conn#${this.id} stream ${stream.id}: downchannel status ${status} ${ct ?? ''}`);
        if (status !== 200) {
          errorStatus = true;
          void readExceptionDescription(stream, ct).then((d) => fail(statusError('the downchannel request', status, d)));
          return;
        }
        const boundary = multipartBoundary(ct);
        if (!boundary) {
          fail(new ConnectionError(`downchannel answered with unexpected content-type "${ct ?? ''}"`, 'E_PROTOCOL'));
          stream.close(http2.constants.NGHTTP2_CANCEL);
          return;
        }
        const reader = new ResponseReader(
          boundary,
          {
            directive: (m) => {
              trace(`conn#${this.id} downchannel: ${m.directive.header.namespace}.${m.directive.header.name}`);
              if (!hello && m.directive.header.namespace === 'Clova' && m.directive.header.name === 'Hello') {
                hello = true;
                this.greeted = true;
                timers.clearTimeout(timer);
                if (!failed) resolve();
                return 'discard';
              }
              return this.opts.downchannelDirective(m, this.id);
            },
            audio: (a) => this.opts.audio(a),
            trace: (l) => trace(`conn#${this.id} downchannel: ${l}`),
            notice: (l) => this.opts.notice(l),
          },
          this.opts.sink,
          true,
        );
        this.downchannelReader = reader;
        pipeToReader(stream, reader).then(
          () => this.downchannelEnded(stream, 'ended'),
          (err: Error) => this.downchannelEnded(stream, err.message),
        );
      });
      stream.on('error', (err: NodeJS.ErrnoException) => {
        trace(`conn#${this.id} stream ${stream.id ?? '?'}: downchannel error ${err.message}`);
        fail(new ConnectionError(`downchannel failed: ${err.message}`, 'E_DOWNCHANNEL'));
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

/**
 * Cancels a request stream: RST_STREAM CANCEL and nothing else. `Http2Stream.close(CANCEL)` would
 * first end the request body (END_STREAM), so that a cut-off upload looks complete to the server
 * for a moment; destroying it through an abort signal sends the reset alone (measured).
 */
export function cancelStream(stream: ClientHttp2Stream): void {
  if (stream.closed || stream.destroyed) return;
  const abort = new AbortController();
  addAbortSignal(abort.signal, stream);
  abort.abort();
}

/**
 * Pipes a response stream into a reader with backpressure (the stream pauses while the
 * attachment file catches up). Resolves when the body ended cleanly.
 */
export function pipeToReader(stream: ClientHttp2Stream, reader: ResponseReader): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      void reader.abort().finally(() => reject(err));
    };
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        const wait = reader.write(chunk);
        if (wait) {
          stream.pause();
          void wait.then(() => stream.resume());
        }
      } catch (err) {
        fail(err as Error);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
    stream.on('end', () => {
      if (failed) return;
      reader.end().then(resolve, (err: Error) => fail(err));
    });
    stream.on('error', (err) => fail(err));
    stream.on('close', () => {
      if (!stream.readableEnded) fail(new Error(`stream closed before its body ended (code ${stream.rstCode})`));
    });
  });
}

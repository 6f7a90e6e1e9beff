import http2, { type ClientHttp2Stream } from 'node:http2';
import { describeClientRefusal } from './http2-refusals.js';
import { ClovaError, ConnectionError, InterruptedError, MultipartError, ServerError, TimeoutError } from '../protocol/errors.js';
import { multipartBoundary } from '../protocol/content-type.js';
import { qualifiedName, type EventMessage } from '../protocol/messages.js';
import { MultipartEncoder, METADATA_PART_HEADERS } from '../protocol/multipart-encoder.js';
import type { AudioUpload } from './audio-upload.js';
import type { CicConnection } from './connection.js';
import type { DirectiveDispatch, DirectiveOrigin } from './dispatch.js';
import { readExceptionDescription, statusError } from './http-errors.js';
import type { CicLink } from './link.js';
import type { EventResult } from './results.js';
import { pipeToReader } from './response-reader.js';
import { cancelStream } from './streams.js';
import type { TimerHandle, Timers } from './timers.js';
import type { WireStream } from './wire-observer.js';
import type { TurnTimer } from './timings.js';

/** How often one event is sent when the server refuses it unprocessed (GOAWAY race) before giving up. */
const MAX_REFUSED_ATTEMPTS = 4;
const REFUSED_STREAM = http2.constants.NGHTTP2_REFUSED_STREAM;

/** What the exchange needs besides the link and the dispatch. */
export interface ExchangeHooks {
  timers: Timers;
  trace(line: string): void;
  /** An event's answer has ended (or failed): speech waiting for it may be played. */
  responseEnded(): void;
}

/** The voice half of a request: its upload, and how the voice turn bounds and cancels it. */
export interface VoiceRequest {
  upload: AudioUpload;
  /** Bounds the wait for a usable connection (the voice turn bounds the rest itself). */
  readyTimeoutMs: number;
  /** Receives the function that cancels the request on the wire (RST_STREAM CANCEL). */
  registerAbort(abort: () => void): void;
}

/**
 * Posting events (spec 3): one request on the link's current connection, the metadata part and
 * (for a voice turn) the audio parts, the answer read through the dispatch, the deadline of a
 * text request, and sending again on a new connection what the server refused unprocessed.
 */
export class EventExchange {
  constructor(
    private readonly link: CicLink,
    private readonly dispatch: DirectiveDispatch,
    private readonly hooks: ExchangeHooks,
  ) {}

  /**
   * Sends `event` and reads its answer. `timeoutMs` bounds the whole request (undefined: no bound,
   * for a voice turn, which bounds its own waits); a System.Exception in the answer is left in the
   * result for the caller to decide on. Aborting `signal` resets the request (RST_STREAM CANCEL) and
   * rejects with an InterruptedError: a cancelled turn is never answered. `turnTimer` (a turn's, for
   * --timings) is given the marks of the request on the wire.
   */
  async send(
    event: EventMessage,
    timeoutMs: number | undefined,
    voice?: VoiceRequest,
    signal?: AbortSignal,
    turnTimer?: TurnTimer,
  ): Promise<EventResult> {
    const { timers } = this.hooks;
    const deadline = timeoutMs !== undefined ? timers.now() + timeoutMs : undefined;
    const name = qualifiedName(event.event.header);
    let cancel: (() => void) | undefined;
    let unflushed: (() => boolean) | undefined;
    const work = (async () => {
      for (let attempt = 0; ; attempt++) {
        // A text turn's deadline covers this wait too; a voice turn bounds it on its own.
        const conn = voice ? await this.link.readyWithin(voice.readyTimeoutMs, name) : await this.link.ready();
        try {
          return await this.postOnce(
            conn,
            event,
            (abort, pendingBody) => {
              cancel = abort;
              unflushed = pendingBody;
              voice?.registerAbort(abort);
            },
            voice?.upload,
            turnTimer,
          );
        } catch (err) {
          if (!(err instanceof RetryOnNewConnection)) throw err;
          // Audio already taken from the source cannot be sent again.
          if (voice !== undefined && voice.upload.parts > 0) {
            throw new ConnectionError(
              `the server refused ${name} after audio had been sent (${err.message}); audio cannot be read twice: try again`,
              'E_REFUSED',
            );
          }
          if (attempt >= MAX_REFUSED_ATTEMPTS - 1) {
            throw new ConnectionError(
              `the server refused ${name} ${attempt + 1} times (GOAWAY or REFUSED_STREAM before processing it; last: ${err.message}); try again later`,
              'E_REFUSED',
            );
          }
          this.hooks.trace(`event not processed by the server (${err.message}): sending it on a new connection`);
        }
      }
    })();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      if (!signal) return;
      onAbort = () => {
        cancel?.();
        reject(new InterruptedError(`${name} cancelled (${String(signal.reason ?? 'cancelled')}); its answer is not awaited`));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    const racers: Promise<EventResult>[] = signal ? [work, aborted] : [work];
    const cleanup = () => {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    };
    if (deadline === undefined) {
      try {
        return await Promise.race(racers);
      } finally {
        cleanup();
        work.catch(() => undefined);
      }
    }
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = timers.setTimeout(() => {
        const sent = cancel !== undefined;
        const stalled = unflushed?.() === true;
        cancel?.();
        let err: TimeoutError;
        if (!sent) {
          err = new TimeoutError(`could not send ${name}: no usable connection to the server within ${timeoutMs} ms; check the server, or raise --timeout`);
        } else if (stalled) {
          err = new TimeoutError(
            `the server stopped reading the ${name} request: its body was not taken within ${timeoutMs} ms; the request was cancelled: check the server, or raise --timeout`,
            'E_UPLOAD_STALLED',
          );
        } else err = new TimeoutError(`no answer within ${timeoutMs} ms; raise --timeout or check the server`);
        reject(err);
      }, Math.max(0, deadline - timers.now()));
    });
    try {
      return await Promise.race([...racers, timeout]);
    } finally {
      cleanup();
      timers.clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  private postOnce(
    conn: CicConnection,
    event: EventMessage,
    registerAbort: (abort: () => void, unflushed: () => boolean) => void,
    upload?: AudioUpload,
    timer?: TurnTimer,
  ): Promise<EventResult> {
    const { trace } = this.hooks;
    const encoder = new MultipartEncoder();
    const dialogRequestId = event.event.header.dialogRequestId;
    const name = qualifiedName(event.event.header);
    let stream: ClientHttp2Stream;
    try {
      stream = conn.request({ ':method': 'POST', ':path': '/v1/events', 'content-type': encoder.contentType() });
    } catch (err) {
      return Promise.reject(new RetryOnNewConnection((err as Error).message));
    }
    const wire = this.dispatch.wire;
    const ws: WireStream = { connectionId: conn.id, streamId: stream.id ?? 0, kind: 'event' };
    wire?.requestSent?.(ws, stream.sentHeaders, event);
    if (timer) {
      timer.attempt(conn.id, conn.timer);
      // On a connected session the HEADERS are submitted within request() (the id is known then).
      const headersSent = () => {
        timer.stream(stream.id);
        timer.mark('headersSent');
      };
      if (stream.id !== undefined) headersSent();
      else stream.once('ready', headersSent);
      stream.once('end', () => timer.mark('lastByte'));
    }
    const metadata = encoder.part(METADATA_PART_HEADERS, JSON.stringify(event));
    const body = upload ? metadata : Buffer.concat([metadata, encoder.end()]);
    trace(
      `conn#${conn.id} stream ${stream.id ?? '?'}: POST /v1/events ${name} (${upload ? 'metadata ' : ''}${body.length} B, ${encoder.contentType()}; ` +
        `part "metadata" application/json; dialogRequestId=${dialogRequestId ?? '-'}${upload ? '; audio parts follow' : ''})`,
    );
    return new Promise<EventResult>((resolve, reject) => {
      let gotResponse = false;
      let settled = false;
      let wireEnded = false;
      const endWire = (outcome: { error?: string; description?: string }) => {
        if (wireEnded || !gotResponse) return;
        wireEnded = true;
        wire?.responseEnded?.(ws, outcome);
      };
      const done = (err: Error | undefined, result?: EventResult) => {
        if (settled) return;
        settled = true;
        upload?.stop('answered');
        endWire(err ? { error: err.message } : {});
        this.hooks.responseEnded();
        if (err) reject(err);
        else resolve(result!);
      };
      registerAbort(
        () => cancelStream(stream),
        () => stream.writableEnded && !stream.writableFinished && !stream.destroyed,
      );
      // Spec 4.2: the id becomes the current dialog only once the event was sent successfully.
      // For a voice turn that is once the metadata is out: StopCapture comes while audio flows.
      const sent = (err?: Error | null) => {
        if (!err && dialogRequestId !== undefined) this.dispatch.router.begin(dialogRequestId);
      };
      if (upload) {
        stream.write(body, sent);
        const onPart = wire?.audioSent ? (chunk: Buffer) => wire.audioSent!(ws, chunk) : undefined;
        upload.run(stream, encoder, onPart).then(
          () => wire?.requestEnded?.(ws, upload.ended),
          (err: Error) => {
            wire?.requestEnded?.(ws, upload.ended ?? 'stopped');
            done(err);
          },
        );
      } else {
        stream.end(body, (err?: Error | null) => {
          if (!err) timer?.mark('bodyClosed');
          sent(err);
        });
        wire?.requestEnded?.(ws);
      }
      stream.on('response', (headers) => {
        gotResponse = true;
        timer?.mark('responseHeaders');
        const status = Number(headers[':status']);
        const ct = headers['content-type'] as string | undefined;
        trace(`conn#${conn.id} stream ${stream.id}: ${name} -> ${status} ${ct ?? ''}`);
        ws.streamId = stream.id ?? ws.streamId;
        wire?.responseStarted?.(ws, status, headers);
        const origin: DirectiveOrigin = {
          source: 'event',
          connectionId: conn.id,
          streamId: ws.streamId,
          label: `conn#${conn.id} stream ${stream.id}`,
          answersEventWithoutDialog: dialogRequestId === undefined,
          delivered: 0,
          timer,
        };
        const result = (): EventResult => {
          const r: EventResult = { status, streamId: stream.id ?? 0, connectionId: conn.id, directives: origin.delivered };
          if (dialogRequestId !== undefined) r.dialogRequestId = dialogRequestId;
          if (origin.exception) r.exception = origin.exception;
          return r;
        };
        if (status === 204) {
          stream.resume();
          stream.on('end', () => done(undefined, result()));
          stream.on('close', () => done(undefined, result())); // a 204 with a reset body is still an answer
          return;
        }
        if (status < 200 || status >= 300) {
          void readExceptionDescription(stream, ct).then((d) => {
            endWire(d !== undefined ? { description: d } : {});
            done(statusError(`${name}`, status, d));
          });
          return;
        }
        const boundary = multipartBoundary(ct);
        if (!boundary) {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          done(new ServerError(`${name} answered ${status} with unexpected content-type "${ct ?? ''}"`, status));
          return;
        }
        pipeToReader(stream, this.dispatch.reader(boundary, origin)).then(
          () => done(undefined, result()),
          (err: Error) =>
            done(
              err instanceof MultipartError
                ? new ServerError(`${name} response could not be read: ${err.message}`, status)
                : err instanceof ClovaError
                  ? err // e.g. the --save-audio file could not be written
                  : new ConnectionError(`${name} response broke off: ${err.message}; the request was abandoned`, 'E_ABANDONED'),
            ),
        );
      });
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (gotResponse) return; // pipeToReader reports it
        if (refusedByServer(conn, stream)) done(new RetryOnNewConnection(err.message));
        else done(streamLost(conn, stream, name, err.message));
      });
      stream.on('close', () => {
        if (gotResponse || settled) return;
        if (refusedByServer(conn, stream)) done(new RetryOnNewConnection(`stream closed with code ${stream.rstCode}`));
        else done(streamLost(conn, stream, name, `stream closed with code ${stream.rstCode}`));
      });
    });
  }
}

/** Why a request ended without an answer: its stream was reset while the connection lived, or the connection died. */
function streamLost(conn: CicConnection, stream: ClientHttp2Stream, name: string, detail: string): ConnectionError {
  const code = stream.rstCode;
  const refusal = describeClientRefusal({ message: detail }, code);
  if (refusal) return new ConnectionError(`${name} got no usable answer: ${refusal}`, 'E_ABANDONED');
  if (!conn.closed && conn.deadReason === undefined && code !== undefined && code !== 0 && code !== http2.constants.NGHTTP2_CANCEL) {
    return new ConnectionError(`the server reset the ${name} request (RST_STREAM code ${code}) before answering; try again`, 'E_ABANDONED');
  }
  const why = conn.deadReason ?? detail;
  return new ConnectionError(`connection lost before ${name} was answered (${why}); the request was abandoned: try again`, 'E_ABANDONED');
}

/** The server never processed the stream: REFUSED_STREAM, or above GOAWAY's last stream id. */
function refusedByServer(conn: CicConnection, stream: ClientHttp2Stream): boolean {
  if (stream.rstCode === REFUSED_STREAM) return true;
  return conn.draining && stream.id !== undefined && stream.id > conn.goawayLastStreamId;
}

/** Internal: the server did not process the request; it is safe to send it again. */
class RetryOnNewConnection extends Error {}

import type { ClientHttp2Stream } from 'node:http2';
import { TimeoutError } from '../protocol/errors.js';
import { AUDIO_PART_HEADERS, type MultipartEncoder } from '../protocol/multipart-encoder.js';
import { cancelStream } from './streams.js';
import type { TimerHandle, Timers } from './timers.js';

/** Why the upload of a Recognize stopped. */
export type UploadEnd = 'stop-capture' | 'end-of-input' | 'stopped' | 'answered';

/** Progress of one upload, for displays. */
export interface UploadProgress {
  bytes: number;
  parts: number;
}

/** What an upload needs from its client. */
export interface UploadHooks {
  now(): number;
  progress?(p: UploadProgress): void;
  trace(line: string): void;
  /** Timers for the stall watchdog (default: the real ones). */
  timers?: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  /** How long HTTP/2 flow control may accept nothing before the upload counts as stalled (default 30000 ms). */
  stallTimeoutMs?: number;
  /** HTTP/2 took an audio part (--timings). */
  partSent?(): void;
  /** HTTP/2 took the end of the body (--timings). */
  bodySent?(): void;
}

/** The default bound on an upload that makes no progress, and on the answer after it (README: --timeout). */
export const DEFAULT_UPLOAD_STALL_MS = 30000;

const STOP = Symbol('stop');
const DRAINED = Symbol('drained');
const STALLED = Symbol('stalled');

/** The one-line error of an upload the server stopped reading. */
export function uploadStalledError(ms: number): TimeoutError {
  return new TimeoutError(
    `the server stopped reading the audio upload: no progress for ${ms} ms; the request was cancelled: check the server, or raise --timeout`,
    'E_UPLOAD_STALLED',
  );
}

/**
 * The audio half of one SpeechRecognizer.Recognize request (spec 3.5.2): writes each PCM buffer of
 * the source as one `audio` part, as fast as HTTP/2 flow control allows (the source paces itself
 * when it should), and closes the body at once when told to stop (StopCapture, spec 3.5.4): a
 * pending read of the source or a wait for flow control is abandoned, not awaited.
 *
 * Waiting for the source (a microphone, --realtime pacing) is never a stall; waiting for flow
 * control is: when no part is accepted for `stallTimeoutMs`, the stream is cancelled
 * (RST_STREAM CANCEL) and the upload fails with a TimeoutError.
 *
 * Memory stays flat however long the upload: every wait is a promise of its own, settled and
 * released before the next one, woken through the single `wake` slot. (Racing each read against a
 * promise that stays pending for the whole upload left one reaction per chunk on it, each holding
 * its chunk: 217 MB RSS for an hour of audio, audit 2026-11-29.)
 */
export class AudioUpload {
  bytes = 0;
  parts = 0;
  ended: UploadEnd | undefined;
  /** When stop() was first called, and when the body was closed (ms, the client's clock). */
  stopRequestedAt: number | undefined;
  closedAt: number | undefined;
  private stopWhy: UploadEnd | undefined;
  /** Ends the wait in progress (a read of the source or a wait for flow control), if any. */
  private wake: (() => void) | undefined;
  /** Parts HTTP/2 has taken (their write callback ran): the measure of progress. */
  private accepted = 0;
  private readonly closedWaiters: (() => void)[] = [];
  private readonly timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  /** How long flow control may accept nothing. */
  readonly stallTimeoutMs: number;
  private stream: ClientHttp2Stream | undefined;

  constructor(
    private readonly source: AsyncIterable<Buffer>,
    private readonly hooks: UploadHooks,
  ) {
    this.timers = hooks.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    this.stallTimeoutMs = hooks.stallTimeoutMs ?? DEFAULT_UPLOAD_STALL_MS;
  }

  /** Stops sending: the body is closed as soon as the part being written (if any) is out. */
  stop(why: UploadEnd): void {
    if (this.stopWhy !== undefined || this.closedAt !== undefined) return;
    this.stopWhy = why;
    this.stopRequestedAt = this.hooks.now();
    this.wake?.();
  }

  /** Resolves once the request body has been closed (or the upload failed). */
  whenClosed(): Promise<void> {
    if (this.closedAt !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  /** True when the body was closed but HTTP/2 has not taken all of it yet (the server is not reading). */
  get unflushed(): boolean {
    const s = this.stream;
    return s !== undefined && s.writableEnded && !s.writableFinished && !s.destroyed;
  }

  /**
   * Writes the audio parts and the close delimiter (`onPart` sees each part's audio as it is
   * written: a wire observer). A failing source (bad input discovered late)
   * or a stalled server cancels the stream (RST_STREAM CANCEL alone: nothing half-sent is
   * processed) and rethrows.
   */
  async run(stream: ClientHttp2Stream, encoder: MultipartEncoder, onPart?: (chunk: Buffer) => void): Promise<void> {
    this.stream = stream;
    const it = this.source[Symbol.asyncIterator]();
    const onGone = () => this.wake?.();
    const onAccepted = (err?: Error | null) => {
      if (err) return;
      this.accepted++;
      this.hooks.partSent?.();
    };
    stream.once('close', onGone);
    try {
      for (;;) {
        if (this.stopWhy !== undefined || stream.closed || stream.destroyed) break;
        const next = await this.read(it);
        if (next === STOP) break;
        if (next.done) {
          this.stop('end-of-input');
          break;
        }
        const chunk = next.value;
        if (chunk.length === 0) continue;
        if (stream.closed || stream.destroyed) break;
        const ok = stream.write(encoder.part(AUDIO_PART_HEADERS, chunk), onAccepted);
        onPart?.(chunk);
        this.bytes += chunk.length;
        this.parts++;
        this.hooks.progress?.({ bytes: this.bytes, parts: this.parts });
        if (!ok) {
          const waited = await this.drain(stream);
          if (waited === STALLED) throw uploadStalledError(this.stallTimeoutMs);
          if (waited === STOP) break;
        }
      }
      this.ended = this.stopWhy ?? 'answered';
      if (!stream.closed && !stream.destroyed) {
        stream.end(encoder.end(), (err?: Error | null) => {
          if (!err) this.hooks.bodySent?.();
        });
      }
      this.trace();
    } catch (err) {
      this.ended = 'stopped';
      cancelStream(stream);
      throw err;
    } finally {
      stream.off('close', onGone);
      this.wake = undefined;
      this.closedAt = this.hooks.now();
      for (const w of this.closedWaiters.splice(0)) w();
      // Release the source without waiting: a generator busy in next() would make return() wait.
      void Promise.resolve()
        .then(() => it.return?.())
        .catch(() => undefined);
    }
  }

  /** The next buffer of the source, or STOP when stopped (or the stream went) first. */
  private read(it: AsyncIterator<Buffer>): Promise<IteratorResult<Buffer> | typeof STOP> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (this.wake === wake) this.wake = undefined;
        resolve(STOP);
      };
      this.wake = wake;
      // After a STOP this reaction stays on the abandoned read until it settles: one per upload.
      it.next().then(
        (r) => {
          if (this.wake === wake) this.wake = undefined;
          resolve(r);
        },
        (err: unknown) => {
          if (this.wake === wake) this.wake = undefined;
          reject(err);
        },
      );
    });
  }

  /** Waits for flow control to take the buffered parts: DRAINED, STOP, or STALLED when it took nothing for the stall time. */
  private drain(stream: ClientHttp2Stream): Promise<typeof DRAINED | typeof STOP | typeof STALLED> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      let seen = this.accepted;
      const finish = (v: typeof DRAINED | typeof STOP | typeof STALLED) => {
        stream.off('drain', onDrain);
        this.timers.clearTimeout(timer);
        this.wake = undefined;
        resolve(v);
      };
      const onDrain = () => finish(DRAINED);
      // A slow but moving server (a part now and then) is not stalled; only one that takes nothing.
      const check = () => {
        if (this.accepted === seen) {
          finish(STALLED);
          return;
        }
        seen = this.accepted;
        timer = this.timers.setTimeout(check, this.stallTimeoutMs);
      };
      this.wake = () => finish(STOP);
      stream.on('drain', onDrain);
      timer = this.timers.setTimeout(check, this.stallTimeoutMs);
    });
  }

  private trace(): void {
    const after =
      this.stopRequestedAt !== undefined && this.closedAt === undefined
        ? ` ${Math.max(0, this.hooks.now() - this.stopRequestedAt)} ms after the stop`
        : '';
    this.hooks.trace(`audio upload closed (${this.ended}): ${this.parts} parts, ${this.bytes} B${after}`);
  }
}

import type { ClientHttp2Stream } from 'node:http2';
import { AUDIO_PART_HEADERS, type MultipartEncoder } from '../protocol/multipart-encoder.js';
import { cancelStream } from './connection.js';

/** Why the upload of a Recognize stopped. */
export type UploadEnd = 'stop-capture' | 'end-of-input' | 'stopped' | 'answered';

/** Progress of one upload, for displays. */
export interface UploadProgress {
  bytes: number;
  parts: number;
}

const STOP = Symbol('stop');

/**
 * The audio half of one SpeechRecognizer.Recognize request (spec 3.5.2): writes each PCM buffer of
 * the source as one `audio` part, as fast as HTTP/2 flow control allows (the source paces itself
 * when it should), and closes the body at once when told to stop (StopCapture, spec 3.5.4): a
 * pending read of the source or a wait for flow control is abandoned, not awaited.
 */
export class AudioUpload {
  bytes = 0;
  parts = 0;
  ended: UploadEnd | undefined;
  /** When stop() was first called, and when the body was closed (ms, the client's clock). */
  stopRequestedAt: number | undefined;
  closedAt: number | undefined;
  private stopWhy: UploadEnd | undefined;
  private wakeStop: (() => void) | undefined;
  private readonly stopped: Promise<typeof STOP>;
  private readonly closedWaiters: (() => void)[] = [];

  constructor(
    private readonly source: AsyncIterable<Buffer>,
    private readonly hooks: { now(): number; progress?(p: UploadProgress): void; trace(line: string): void },
  ) {
    this.stopped = new Promise((resolve) => {
      this.wakeStop = () => resolve(STOP);
    });
  }

  /** Stops sending: the body is closed as soon as the part being written (if any) is out. */
  stop(why: UploadEnd): void {
    if (this.stopWhy !== undefined || this.closedAt !== undefined) return;
    this.stopWhy = why;
    this.stopRequestedAt = this.hooks.now();
    this.wakeStop?.();
  }

  /** Resolves once the request body has been closed (or the upload failed). */
  whenClosed(): Promise<void> {
    if (this.closedAt !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  /**
   * Writes the audio parts and the close delimiter. A failing source (bad input discovered late)
   * cancels the stream (RST_STREAM CANCEL alone: nothing half-sent is processed) and rethrows.
   */
  async run(stream: ClientHttp2Stream, encoder: MultipartEncoder): Promise<void> {
    const it = this.source[Symbol.asyncIterator]();
    const streamGone = new Promise<typeof STOP>((resolve) => stream.once('close', () => resolve(STOP)));
    try {
      for (;;) {
        const pending = it.next();
        pending.catch(() => undefined); // a read abandoned at a stop may still fail later
        const next = await Promise.race([pending, this.stopped, streamGone]);
        if (next === STOP) break;
        if (next.done) {
          this.stop('end-of-input');
          break;
        }
        const chunk = next.value;
        if (chunk.length === 0) continue;
        if (stream.closed || stream.destroyed) break;
        const ok = stream.write(encoder.part(AUDIO_PART_HEADERS, chunk));
        this.bytes += chunk.length;
        this.parts++;
        this.hooks.progress?.({ bytes: this.bytes, parts: this.parts });
        if (!ok) {
          const drained = new Promise<void>((resolve) => stream.once('drain', resolve));
          if ((await Promise.race([drained, this.stopped, streamGone])) === STOP) break;
        }
      }
      this.ended = this.stopWhy ?? 'answered';
      if (!stream.closed && !stream.destroyed) stream.end(encoder.end());
      this.trace();
    } catch (err) {
      this.ended = 'stopped';
      cancelStream(stream);
      throw err;
    } finally {
      this.closedAt = this.hooks.now();
      for (const w of this.closedWaiters.splice(0)) w();
      // Release the source without waiting: a generator busy in next() would make return() wait.
      void Promise.resolve()
        .then(() => it.return?.())
        .catch(() => undefined);
    }
  }

  private trace(): void {
    const after =
      this.stopRequestedAt !== undefined && this.closedAt === undefined
        ? ` ${Math.max(0, this.hooks.now() - this.stopRequestedAt)} ms after the stop`
        : '';
    this.hooks.trace(`audio upload closed (${this.ended}): ${this.parts} parts, ${this.bytes} B${after}`);
  }
}

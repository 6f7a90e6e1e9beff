import type { EventResult, ReceivedDirective, RecognizeResult } from '../client/client.js';
import type { AudioInfo } from '../client/response-reader.js';
import type { SpeechProgress } from '../client/speech-queue.js';
import type { Level } from '../audio/level.js';
import type { CaptureInfo, Renderer, RequestInfo } from './output/renderer.js';

/**
 * A renderer that draws nothing once closed. Work cut short by Ctrl-C still settles after the
 * session has ended (an upload cancelled mid-part reports "uploaded", a recorder reports its stop),
 * and its output would land below the error line: measured, a "waiting for CLOVA…" spinner started
 * that way kept the process alive until main's 500 ms exit timer (≈590 ms from Ctrl-C to exit).
 */
export class ClosingRenderer implements Renderer {
  private closed = false;

  constructor(private readonly inner: Renderer) {}

  request(info: RequestInfo): void {
    if (!this.closed) this.inner.request(info);
  }
  directive(d: ReceivedDirective): void {
    if (!this.closed) this.inner.directive(d);
  }
  audio(a: AudioInfo): void {
    if (!this.closed) this.inner.audio(a);
  }
  response(r: EventResult | RecognizeResult): void {
    if (!this.closed) this.inner.response(r);
  }
  notice(message: string): void {
    if (!this.closed) this.inner.notice(message);
  }
  uploadProgress(seconds: number): void {
    if (!this.closed) this.inner.uploadProgress(seconds);
  }
  level(level: Level, seconds: number): void {
    if (!this.closed) this.inner.level(level, seconds);
  }
  capture(info: CaptureInfo): void {
    if (!this.closed) this.inner.capture(info);
  }
  uploaded(): void {
    if (!this.closed) this.inner.uploaded();
  }
  speech(p: SpeechProgress): void {
    if (!this.closed) this.inner.speech(p);
  }
  hint(message: string): void {
    if (!this.closed) this.inner.hint(message);
  }
  /** Stops the live lines; after this every call is ignored. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inner.close();
  }
}

import type { Activity, AlertChange, EventResult, MediaProgress, ReceivedDirective, RecognizeResult, TurnTiming } from '../../client/client.js';
import type { TimingSummary } from '../timing-stats.js';
import type { AudioInfo } from '../../client/response-reader.js';
import type { SpeechProgress } from '../../client/speech-queue.js';
import { safeJson, terminalLine } from '../../protocol/sanitize.js';
import type { CaptureInfo, Renderer, RequestInfo, SessionInfo, StatusInfo, TurnError } from './renderer.js';

type Write = (line: string) => void;

/** NDJSON on stdout, one object per line (line types are documented in the README). */
export class JsonRenderer implements Renderer {
  /** After close(): no more lines (a late event must not follow the final error line). */
  private closed = false;

  constructor(
    private readonly out: Write,
    private readonly err: Write,
  ) {}

  private line(value: unknown): void {
    if (this.closed) return;
    this.out(safeJson(value) + '\n');
  }

  request(info: RequestInfo): void {
    if (info.kind === 'voice') {
      this.line({ type: 'request', kind: 'voice', input: info.input, format: info.text, dialogRequestId: info.dialogRequestId, followUp: info.followUp });
    } else this.line({ type: 'request', text: info.text, dialogRequestId: info.dialogRequestId, followUp: info.followUp });
  }

  directive(d: ReceivedDirective): void {
    this.line({ type: 'directive', source: d.source, directive: d.message.directive });
  }

  audio(a: AudioInfo): void {
    const h = a.directive.directive.header;
    this.line({
      type: 'audio',
      contentId: a.contentId,
      bytes: a.bytes,
      ...(a.path !== undefined ? { path: a.path } : {}),
      messageId: h.messageId,
      ...(h.dialogRequestId !== undefined ? { dialogRequestId: h.dialogRequestId } : {}),
    });
  }

  response(r: EventResult | RecognizeResult): void {
    const voice =
      'audioBytes' in r
        ? {
            audioBytes: r.audioBytes,
            audioParts: r.audioParts,
            uploadEnded: r.uploadEnded,
            ...(r.stopCaptureReactionMs !== undefined ? { stopCaptureReactionMs: r.stopCaptureReactionMs } : {}),
          }
        : {};
    this.line({ type: 'response', status: r.status, dialogRequestId: r.dialogRequestId, directives: r.directives, ...voice });
  }

  uploadProgress(): void {}

  level(): void {}

  capture(info: CaptureInfo): void {
    this.line({ type: 'capture', phase: info.phase, detail: info.detail, ...(info.seconds !== undefined ? { seconds: info.seconds } : {}) });
  }

  speech(p: SpeechProgress): void {
    this.line({ type: 'speech', ...p });
  }

  media(p: MediaProgress): void {
    this.line({ type: 'media', ...p });
  }

  hint(): void {}

  state(activity: Activity): void {
    this.line({ type: 'state', state: activity });
  }

  session(info: SessionInfo): void {
    this.line({ type: 'session', ...info });
  }

  status(info: StatusInfo): void {
    this.line({ type: 'status', ...info });
  }

  volume(info: { volume: number; muted: boolean }): void {
    this.line({ type: 'volume', volume: info.volume, muted: info.muted });
  }

  help(lines: string[]): void {
    if (!this.closed) for (const l of lines) this.err(`${l}\n`);
  }

  turnError(error: TurnError): void {
    // The same shape as the final error line, and the session goes on.
    this.line({ type: 'error', code: error.code, exitCode: error.exitCode, message: error.message, fatal: false });
    if (!this.closed) this.err(`clova-cli: error: ${terminalLine(error.message)}\n`);
  }

  uploaded(): void {}

  alert(change: AlertChange): void {
    const { phase, token, alertType, scheduledTime, label, reason } = change;
    this.line({ type: 'alert', phase, token, alertType, scheduledTime, ...(label !== undefined ? { label } : {}), ...(reason !== undefined ? { reason } : {}) });
  }

  timing(t: TurnTiming): void {
    this.line({ type: 'timing', ...t });
  }

  timingSummary(s: TimingSummary): void {
    this.line({ type: 'timing-summary', ...s });
  }

  notice(message: string): void {
    // stderr is for people even with --json: the server's words in it are made terminal-safe.
    if (!this.closed) this.err(`clova-cli: ${terminalLine(message)}\n`);
  }

  close(): void {
    this.closed = true;
  }
}

import type { Activity, AlertChange, AlertInfo, EventResult, IndicatorState, MediaProgress, MediaStatus, ReceivedDirective, RecognizeResult, TurnTiming } from '../../client/client.js';
import type { TimingSummary } from '../timing-stats.js';
import type { AudioInfo } from '../../client/response-reader.js';
import type { SpeechProgress } from '../../client/speech-queue.js';
import type { Level } from '../../audio/level.js';

/** What a request is about to be sent. */
export interface RequestInfo {
  /** The typed text, or for voice a description of the input. */
  text: string;
  kind?: 'text' | 'voice';
  /** Voice: the input's name (file, "-", "microphone"). */
  input?: string;
  dialogRequestId?: string;
  followUp: boolean;
}

/** The microphone opened or closed. */
export interface CaptureInfo {
  phase: 'start' | 'stop';
  /** start: the recorder; stop: why (stop-capture, enter, max-seconds, end-of-input, no-speech). */
  detail: string;
  seconds?: number;
}

/** A session's link changed (chat): connecting, greeted (ready), lost (reconnecting). */
export interface SessionInfo {
  event: 'connecting' | 'ready' | 'reconnecting';
  /** connecting: the server's origin. */
  server?: string;
  /** reconnecting: what was lost. */
  reason?: string;
  /** ready: the connection's number (1 for the first). */
  connection?: number;
  /** How many times the link was lost and found again so far. */
  reconnects?: number;
}

/** What `/status` shows. */
export interface StatusInfo {
  connection: 'connected' | 'reconnecting' | 'connecting';
  server: string;
  reconnects: number;
  /** ISO 8601; undefined when the token's expiry is not known (CLOVA_ACCESS_TOKEN, the emulator). */
  tokenExpiresAt?: string;
  volume: number;
  muted: boolean;
  activity: Activity;
  /** A follow-up is expected (ExpectSpeech). */
  expecting: boolean;
  /** The last Speak and what became of it. */
  speech?: { token: string; playerActivity: string };
  /** Alerts CLOVA set on this device (scheduled ones first). */
  alerts: number;
  /** chat: alerts waiting for their time, the one due first, the one ringing. */
  alertsPending?: number;
  nextAlert?: AlertInfo;
  ringingAlert?: AlertInfo;
  /** The music (chat): what plays or played last, where, what is queued. */
  media?: MediaStatus;
  /** The notification indicator (chat): unread notifications, the light. */
  notifications?: IndicatorState;
}

/** A failed turn of a session that goes on. */
export interface TurnError {
  code: string;
  exitCode: number;
  message: string;
}

/** Turns client events into output; human and NDJSON variants. */
export interface Renderer {
  request(info: RequestInfo): void;
  directive(d: ReceivedDirective): void;
  audio(a: AudioInfo): void;
  response(r: EventResult | RecognizeResult): void;
  notice(message: string): void;
  /** Seconds of audio sent so far in a voice turn (a progress display; TTY only). */
  uploadProgress(seconds: number): void;
  /** The microphone's level (a live meter; TTY only). */
  level(level: Level, seconds: number): void;
  capture(info: CaptureInfo): void;
  /** A voice turn's audio has been sent; the answer is awaited. */
  uploaded(): void;
  speech(p: SpeechProgress): void;
  /** Music started, paused, resumed, stopped or finished (chat). */
  media(p: MediaProgress): void;
  /** A line that tells the user what they can do next (human output only). */
  hint(message: string): void;
  /** What the session does now (chat): idle, listening, thinking, speaking, playing. */
  state(activity: Activity): void;
  /** The session's link changed (chat). */
  session(info: SessionInfo): void;
  /** `/status` (chat). */
  status(info: StatusInfo): void;
  /** The volume or mute changed, or was asked for (chat). */
  volume(info: { volume: number; muted: boolean }): void;
  /** Lines of help for the session's commands (chat; human: stdout, NDJSON: stderr). */
  help(lines: string[]): void;
  /** A turn failed and the session goes on (chat). */
  turnError(error: TurnError): void;
  /** An alert began or stopped ringing (chat): a banner, an `alert` line. */
  alert(change: AlertChange): void;
  /** --timings: where a turn's time went (human: stderr; NDJSON: a `timing` line). */
  timing(t: TurnTiming): void;
  /** --repeat: the percentiles of every stage (human: a table on stderr; NDJSON: a `timing-summary` line). */
  timingSummary(s: TimingSummary): void;
  /** Stops spinners etc. */
  close(): void;
}

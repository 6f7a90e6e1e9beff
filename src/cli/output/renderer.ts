import type { EventResult, ReceivedDirective, RecognizeResult } from '../../client/client.js';
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
  /** A line that tells the user what they can do next (human output only). */
  hint(message: string): void;
  /** Stops spinners etc. */
  close(): void;
}

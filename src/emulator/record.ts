import type { EventMessage } from '../protocol/messages.js';

/** One HTTP/2 request as it arrived. `headers` include the bearer token: never print them. */
export interface RecordedRequest {
  connectionId: number;
  streamId: number;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  at: number;
  status?: number;
}

/** One part of an event request. */
export interface RecordedPart {
  name?: string;
  contentType: string;
  /** Body bytes received so far. */
  bytes: number;
  /**
   * When the last byte of its body arrived (ms since the epoch), set once the part is known to be
   * complete: when the next delimiter arrives, since a part's end is only known from it.
   */
  at?: number;
}

/** What the emulator heard in a `SpeechRecognizer.Recognize` (all times ms since the epoch). */
export interface RecordedAudio {
  /** Bytes of all `audio` parts, including any that arrived after StopCapture. */
  bytes: number;
  /** SHA-256 (hex) of the concatenated bodies of all `audio` parts, hashed as they arrive. */
  sha256: string;
  /** When StopCapture was written to the downchannel (absent when none was delivered). */
  stopCaptureAt?: number;
  /** When the client's END_STREAM arrived. */
  bodyEndedAt?: number;
  /** What the recogniser heard ('' when it ran and heard nothing; absent when it did not run). */
  recognizedText?: string;
  /** What ended the utterance: the VAD, the 10 s cap, the no-speech timeout, the client's end of body, or a fault. */
  endOfSpeech?: 'vad' | 'cap' | 'no-speech' | 'client' | 'fault';
  /** Speech the VAD found, in bytes from the start of the audio. */
  speech?: { startByte: number; endByte: number };
  /** The texts pushed as `SpeechRecognizer.ShowRecognizedText`, in order. */
  shownTexts: string[];
  /** When the `reset-recognize` fault reset the stream. */
  resetAt?: number;
}

/** One `POST /v1/events` whose metadata part parsed; `parts` lists every part, metadata first. */
export interface RecordedEvent {
  connectionId: number;
  streamId: number;
  message: EventMessage;
  parts: RecordedPart[];
  at: number;
  status?: number;
  rawContentType: string;
  /** Present for events with `audio` parts and for every SpeechRecognizer.Recognize. */
  audio?: RecordedAudio;
}

/** One client connection (TCP or TLS) to the emulator. */
export interface RecordedConnection {
  id: number;
  openedAt: number;
  closedAt?: number;
  pingsReceived: number;
}

/** One authenticated `GET /v1/directives`, whatever its status (401s appear only in `requests`). */
export interface RecordedDownchannel {
  connectionId: number;
  streamId: number;
  at: number;
  status: number;
  helloAt?: number;
  endedAt?: number;
}

/** One attachment part the emulator sent in an event response, with a digest to compare saved files. */
export interface RecordedAttachment {
  connectionId: number;
  streamId: number;
  contentId: string;
  bytes: number;
  sha256: string;
  at: number;
}

/** Everything the emulator saw (and, for attachments, sent) on the wire, for tests. */
export interface EmulatorRecord {
  connections: RecordedConnection[];
  requests: RecordedRequest[];
  downchannels: RecordedDownchannel[];
  events: RecordedEvent[];
  attachments: RecordedAttachment[];
}

interface Waiter {
  predicate: (r: EmulatorRecord) => boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Holds the record and wakes `waitFor` callers whenever it changes. */
export class Recorder {
  readonly record: EmulatorRecord = { connections: [], requests: [], downchannels: [], events: [], attachments: [] };
  private waiters = new Set<Waiter>();

  /** Call after every mutation of `record`. */
  changed(): void {
    for (const w of [...this.waiters]) this.check(w);
  }

  /** Resolves once the predicate holds; rejects after `timeoutMs` or when the predicate throws. */
  waitFor(predicate: (r: EmulatorRecord) => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new Error(`emulator waitFor timed out after ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(w);
      this.check(w);
    });
  }

  private check(w: Waiter): void {
    let ok: boolean;
    try {
      ok = w.predicate(this.record);
    } catch (err) {
      this.waiters.delete(w);
      clearTimeout(w.timer);
      w.reject(err);
      return;
    }
    if (!ok) return;
    this.waiters.delete(w);
    clearTimeout(w.timer);
    w.resolve();
  }
}

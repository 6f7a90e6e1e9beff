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
  /** The texts pushed as `SpeechRecognizer.ShowRecognizedText`, in order (the last 100). */
  shownTexts: string[];
  /** When the `reset-recognize` fault reset the stream. */
  resetAt?: number;
}

/** One `POST /v1/events` whose metadata part parsed; `parts` lists its first parts (up to the part limit), metadata first. */
export interface RecordedEvent {
  connectionId: number;
  streamId: number;
  message: EventMessage;
  /** The first `recordPartLimit` parts (a 2 h upload has 36,000); `partCount` counts them all. */
  parts: RecordedPart[];
  /** Parts received so far, metadata included, whether or not `parts` still lists them. */
  partCount: number;
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
  /** What the client spoke, known from its first bytes: HTTP/2 (CIC, Auth API) or HTTP/1.1 (Auth API only). */
  protocol?: 'h2' | 'http/1.1';
}

/**
 * One Client Auth API request (`/authorize`, `/token`, `/terms`). Only the NAMES of its parameters
 * are kept, never their values: they carry codes, tokens and the client secret.
 */
export interface RecordedAuthRequest {
  method: string;
  /** The path without its query string. */
  path: string;
  protocol: 'h2' | 'http/1.1';
  /** The grant_type asked for at `/token`, when it is one of the three the API knows. */
  grantType?: 'authorization_code' | 'refresh_token' | 'delete';
  /** Names of the query and form parameters, in the order they came (query first). */
  params: string[];
  /** Whether an Authorization header came with it (a NAVER token at `/authorize`; none in guest mode). */
  authorization: boolean;
  status: number;
  at: number;
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

/**
 * One request for a media file the emulator serves (`/media/<id>.mp3`, the AudioPlayer streams),
 * over HTTP/2 or HTTP/1.1. `bytes` grows as the body is handed to the connection, which a slow
 * reader holds back: it tells how far a client has read.
 */
export interface RecordedMediaRequest {
  protocol: 'h2' | 'http/1.1';
  method: string;
  /** The path without its query string. */
  path: string;
  /** The Range header as the client sent it. */
  range?: string;
  status: number;
  /** Body bytes handed to the connection so far. */
  bytes: number;
  at: number;
  /** When the whole body was handed over, or the client went away. */
  endedAt?: number;
  /** True when the client went away before the whole body was sent. */
  aborted?: boolean;
}

/**
 * What the emulator saw (and, for attachments, sent) on the wire, for tests: the last
 * `recordLimit` entries of each list, oldest first; `dropped` counts the entries let go.
 */
export interface EmulatorRecord {
  connections: RecordedConnection[];
  requests: RecordedRequest[];
  downchannels: RecordedDownchannel[];
  events: RecordedEvent[];
  attachments: RecordedAttachment[];
  /** Client Auth API requests (spec 6), answered or refused. */
  auth: RecordedAuthRequest[];
  /** Requests for the media files it serves. */
  media: RecordedMediaRequest[];
  dropped: Record<RecordList, number>;
}

/** The lists of the record. */
export type RecordList = 'connections' | 'requests' | 'downchannels' | 'events' | 'attachments' | 'auth' | 'media';

/** How much the record keeps. */
export interface RecordLimits {
  /** Entries kept per list (Infinity: all). */
  entries: number;
  /** Part entries kept per event (Infinity: all). */
  partsPerEvent: number;
}

/**
 * The defaults: 1,000 entries per list and 250 parts per event (50 s of 200 ms audio parts; CIC
 * caps an utterance at 10 s). Measured after GC: over 30,000 text requests the heap stays at
 * 9.5 MB (everything kept: 51 MB, about 1.5 KB per request); a 2 h upload (36,000 parts) leaves it
 * at 6.6 MB (everything kept: 16.5 MB).
 */
export const DEFAULT_RECORD_LIMITS: Readonly<RecordLimits> = { entries: 1000, partsPerEvent: 250 };

/** Checks the limits; throws Error with a one-line message. */
export function recordLimits(entries: number = DEFAULT_RECORD_LIMITS.entries, partsPerEvent: number = DEFAULT_RECORD_LIMITS.partsPerEvent): RecordLimits {
  const ok = (n: number) => n === Infinity || (Number.isInteger(n) && n >= 1);
  if (!ok(entries)) throw new Error(`recordLimit must be a whole number of 1 or more, or Infinity (got ${entries})`);
  if (!ok(partsPerEvent)) throw new Error(`recordPartLimit must be a whole number of 1 or more, or Infinity (got ${partsPerEvent})`);
  return { entries, partsPerEvent };
}

interface Waiter {
  predicate: (r: EmulatorRecord) => boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Holds the record, keeps it within its limits, and wakes `waitFor` callers whenever it changes. */
export class Recorder {
  readonly record: EmulatorRecord = {
    connections: [],
    requests: [],
    downchannels: [],
    events: [],
    attachments: [],
    auth: [],
    media: [],
    dropped: { connections: 0, requests: 0, downchannels: 0, events: 0, attachments: 0, auth: 0, media: 0 },
  };
  private waiters = new Set<Waiter>();

  constructor(private readonly limits: RecordLimits = DEFAULT_RECORD_LIMITS) {}

  /** Appends an entry to a list, letting the oldest go beyond the limit. Call `changed()` after. */
  add<L extends RecordList>(list: L, entry: EmulatorRecord[L][number]): void {
    const entries = this.record[list] as Array<EmulatorRecord[L][number]>;
    entries.push(entry);
    // A list of a thousand entries shifts in well under a microsecond: no ring buffer needed,
    // and the lists stay plain arrays for the tests that read them.
    while (entries.length > this.limits.entries) {
      entries.shift();
      this.record.dropped[list]++;
    }
  }

  /** Counts a part of an event and lists it while the event has room for it. */
  addPart(event: RecordedEvent, part: RecordedPart): void {
    event.partCount++;
    if (event.parts.length < this.limits.partsPerEvent) event.parts.push(part);
  }

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

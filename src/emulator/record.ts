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

/** One `POST /v1/events` whose metadata part parsed; `parts` lists every part, metadata first. */
export interface RecordedEvent {
  connectionId: number;
  streamId: number;
  message: EventMessage;
  parts: { name?: string; contentType: string; bytes: number }[];
  at: number;
  status?: number;
  rawContentType: string;
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

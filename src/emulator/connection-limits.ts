/**
 * The emulator's connection limits (README "Connection limits"): how long a connection may take to
 * send its preface, how long an HTTP/2 session may stay without an open stream, and how many
 * connections may be open at once. A session holding a stream (the downchannel) is never idle.
 */
import type { Http2Session } from 'node:http2';
import { MAX_TIMER_MS } from '../protocol/timer-range.js';

export const DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 10;
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
export const DEFAULT_MAX_CONNECTIONS = 256;

export interface ConnectionLimits {
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
}

function seconds(value: number | undefined, fallback: number, name: string): number {
  const s = value ?? fallback;
  if (!(s > 0 && s * 1000 <= MAX_TIMER_MS)) throw new Error(`${name} must be a positive number of at most ${Math.floor(MAX_TIMER_MS / 1000)}`);
  return s * 1000;
}

/** The limits from the emulator's options; throws on a value out of range. */
export function connectionLimits(options: {
  handshakeTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  maxConnections?: number;
}): ConnectionLimits {
  const max = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!(Number.isInteger(max) && max >= 1)) throw new Error('maxConnections must be a whole number of 1 or more');
  return {
    handshakeTimeoutMs: seconds(options.handshakeTimeoutSeconds, DEFAULT_HANDSHAKE_TIMEOUT_SECONDS, 'handshakeTimeoutSeconds'),
    idleTimeoutMs: seconds(options.idleTimeoutSeconds, DEFAULT_IDLE_TIMEOUT_SECONDS, 'idleTimeoutSeconds'),
    maxConnections: max,
  };
}

/** Closes HTTP/2 sessions that stay without an open stream for `idleMs`. */
export class IdleSessions {
  private readonly timers = new Map<Http2Session, NodeJS.Timeout>();

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: (session: Http2Session) => void,
  ) {}

  /** The session has no open stream (new, or its last stream closed): start its clock. */
  quiet(session: Http2Session): void {
    this.busy(session);
    if (session.closed || session.destroyed) return;
    const t = setTimeout(() => {
      this.timers.delete(session);
      this.onIdle(session);
    }, this.idleMs);
    t.unref();
    this.timers.set(session, t);
  }

  /** The session opened a stream, or went away: stop its clock. */
  busy(session: Http2Session): void {
    const t = this.timers.get(session);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(session);
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

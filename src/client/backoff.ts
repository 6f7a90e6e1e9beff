import type { Timers } from './timers.js';

/** Reconnect timing (spec 2.4-2.6, U-10). */
export interface BackoffOptions {
  /** First backoff step after the immediate retry (default 1000 ms). */
  baseMs?: number;
  /** Largest step (default 60000 ms). */
  maxMs?: number;
  /** Relative jitter, 0.2 = +-20 % (default). */
  jitter?: number;
  /** Least wait after a 429 (default 1000 ms). */
  min429Ms?: number;
  /** Least time between two downchannel requests (default 1000 ms). */
  debounceMs?: number;
}

const DEBOUNCE_MARGIN_MS = 20;

/** Why a reconnect is needed; decides the delay. */
export type ReconnectReason = 'ended' | 'error' | 'status-429' | 'goaway';

/**
 * Computes reconnect delays: the first retry is immediate, then 1, 2, 4 ... 60 s with jitter;
 * after a 429 at least 1 s; and never two downchannel requests within the debounce window.
 */
export class ReconnectBackoff {
  private readonly base: number;
  private readonly max: number;
  private readonly jitter: number;
  private readonly min429: number;
  private readonly debounce: number;
  private readonly timers: Timers;
  private failures = 0;
  private lastRequestAt = Number.NEGATIVE_INFINITY;

  constructor(timers: Timers, options: BackoffOptions = {}) {
    this.timers = timers;
    this.base = options.baseMs ?? 1000;
    this.max = options.maxMs ?? 60000;
    this.jitter = options.jitter ?? 0.2;
    this.min429 = options.min429Ms ?? 1000;
    this.debounce = options.debounceMs ?? 1000;
  }

  /** Call when a downchannel request is sent. */
  noteRequest(): void {
    this.lastRequestAt = this.timers.now();
  }

  /** Call when a downchannel got its Hello: the next failure starts the sequence again. */
  noteSuccess(): void {
    this.failures = 0;
  }

  /** The longest delay the next nextDelay could give (largest jitter), without advancing the sequence. */
  peekDelay(reason: ReconnectReason): number {
    return this.delayFor(this.failures, reason, 1);
  }

  /** Milliseconds to wait before the next downchannel request. */
  nextDelay(reason: ReconnectReason): number {
    return this.delayFor(this.failures++, reason, this.timers.random());
  }

  private delayFor(attempt: number, reason: ReconnectReason, random: number): number {
    let delay: number;
    if (attempt === 0) delay = 0;
    else {
      const step = Math.min(this.max, this.base * 2 ** Math.min(attempt - 1, 30));
      const factor = 1 + this.jitter * (2 * random - 1);
      delay = Math.min(this.max * (1 + this.jitter), step * factor);
    }
    if (reason === 'status-429') delay = Math.max(delay, this.min429);
    const sinceLast = this.timers.now() - this.lastRequestAt;
    // The margin absorbs timer granularity, so the server never sees two requests < 1 s apart.
    if (sinceLast < this.debounce) delay = Math.max(delay, this.debounce - sinceLast + DEBOUNCE_MARGIN_MS);
    return Math.round(delay);
  }
}

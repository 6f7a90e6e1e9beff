import type { TimerHandle, Timers } from '../timers.js';

/** The wall clock and the timers the scheduler uses (the client's Timers; a fake one in tests). */
export type AlertClock = Pick<Timers, 'now' | 'setTimeout' | 'clearTimeout'>;

/** What the scheduler tells its owner. */
export interface AlertSchedulerHooks {
  /** The alert's time has come; `lateMs` is how far past it the clock already is (0 when on time). */
  due(token: string, lateMs: number): void;
  /** The wall clock moved by `deltaMs` more (or, negative, less) than the timers did: a sleep, or the clock was set. */
  jumped?(deltaMs: number): void;
}

/**
 * The longest wait between two looks at the clock while anything is scheduled. Timers run on a
 * monotonic clock that stops while the machine sleeps, and the wall clock can be set at any time:
 * a long setTimeout would ring late after a sleep, and early or late after the clock is set. One
 * look a second bounds both errors to a second.
 */
export const TICK_MS = 1000;
/** A difference between the wall clock and the timers larger than this is reported as a jump. */
const JUMP_MS = 2000;

/**
 * When each alert is due, kept by wall-clock time (ms since the epoch): one timer at a time, which
 * wakes at the next due time or after TICK_MS, whichever is first, and then compares the wall clock
 * with every due time again. An alert becomes due when the wall clock reaches its time, however
 * the clock got there (waiting, a sleep, a jump forward); after a jump back it waits for the wall
 * clock to come back to its time. No timer runs when nothing is scheduled.
 */
export class AlertScheduler {
  private readonly due = new Map<string, number>();
  private timer: TimerHandle | undefined;
  /** When the current timer was armed (wall clock) and for how long. */
  private armed: { at: number; ms: number } | undefined;
  private closed = false;

  constructor(
    private readonly clock: AlertClock,
    private readonly hooks: AlertSchedulerHooks,
  ) {}

  /** How many alerts wait for their time. */
  get size(): number {
    return this.due.size;
  }

  /** The due time of `token`, if it is scheduled. */
  dueAt(token: string): number | undefined {
    return this.due.get(token);
  }

  /** Schedules `token` at `dueAt` (wall clock, ms), replacing its earlier time; one already due fires at once. */
  schedule(token: string, dueAt: number): void {
    if (this.closed) return;
    this.due.set(token, dueAt);
    this.check();
  }

  /** Forgets `token`; true if it was scheduled. */
  cancel(token: string): boolean {
    const had = this.due.delete(token);
    if (had) this.arm(this.clock.now());
    return had;
  }

  /** Forgets everything. */
  clear(): void {
    this.due.clear();
    this.arm(this.clock.now());
  }

  /** Looks at the clock now: fires what is due (in order of due time) and arms the next look. */
  check(): void {
    if (this.closed) return;
    const now = this.clock.now();
    const fired = [...this.due].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [token] of fired) this.due.delete(token);
    this.arm(now);
    for (const [token, at] of fired) this.hooks.due(token, now - at);
  }

  /** Stops the timer for good. */
  close(): void {
    this.closed = true;
    this.due.clear();
    this.arm(0);
  }

  private arm(now: number): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armed = undefined;
    if (this.closed || this.due.size === 0) return;
    let next = Infinity;
    for (const at of this.due.values()) next = Math.min(next, at);
    const ms = Math.max(0, Math.min(next - now, TICK_MS));
    this.armed = { at: now, ms };
    this.timer = this.clock.setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    const armed = this.armed;
    if (armed && this.hooks.jumped) {
      const delta = this.clock.now() - (armed.at + armed.ms);
      if (Math.abs(delta) > JUMP_MS) this.hooks.jumped(delta);
    }
    this.check();
  }
}

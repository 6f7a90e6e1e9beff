import { FakeTimers } from './fake-timers.js';

/**
 * A manual clock whose wall time (`now()`) can move apart from its timers, as a real machine's:
 * timers run on a monotonic clock that stops while the machine sleeps, and the wall clock can be
 * set. `advance` moves both; `sleep` moves only the wall clock (no timer fires); `setClock`
 * jumps the wall clock forward or back.
 */
export class WallClock extends FakeTimers {
  private offset: number;
  /** Every delay a timer was armed with, in order. */
  readonly delays: number[] = [];

  constructor(start = Date.UTC(2026, 10, 29, 10, 0, 0)) {
    super();
    this.offset = start;
  }

  override now(): number {
    return super.now() + this.offset;
  }

  override setTimeout(fn: () => void, ms: number) {
    this.delays.push(ms);
    return super.setTimeout(fn, ms);
  }

  /** The machine sleeps for `ms`: the wall clock moves, timers do not. */
  sleep(ms: number): void {
    this.offset += ms;
  }

  /** The wall clock is set by `deltaMs` (negative: back). */
  setClock(deltaMs: number): void {
    this.offset += deltaMs;
  }
}

/** Lets promise callbacks and async loops run (a few turns of the microtask queue and one of the event loop). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

import { clampTimerMs } from '../protocol/timer-range.js';

/** An opaque timer handle. */
export type TimerHandle = { readonly __timer: unique symbol } | ReturnType<typeof setTimeout>;

/** Clock and timers, injectable so tests can run the spec's minute-long intervals fast. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  now(): number;
  /** A random number in [0, 1), for backoff jitter. */
  random(): number;
}

/** The real clock. Timers keep the process alive: a client waiting to reconnect is still working. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    // Every delay, many derived from server values (durations, report intervals, due times), is
    // kept in Node's range: past it Node warns (TimeoutOverflowWarning) and fires at once.
    return setTimeout(fn, clampTimerMs(ms));
  },
  clearTimeout(handle) {
    if (handle !== undefined) clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  now: () => Date.now(),
  random: () => Math.random(),
};

/** Resolves after `ms` on the given timers. */
export function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0) resolve();
    else timers.setTimeout(resolve, ms);
  });
}

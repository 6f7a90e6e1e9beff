import type { Timers, TimerHandle } from '../../src/client/timers.js';

/** A manual clock: timers fire only when the test advances time. */
export class FakeTimers implements Timers {
  private t = 0;
  private seq = 0;
  private readonly queue = new Map<number, { at: number; fn: () => void }>();
  randomValue = 0.5;

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.queue.set(id, { at: this.t + Math.max(0, ms), fn });
    return id as unknown as TimerHandle;
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.queue.delete(handle as unknown as number);
  }
  now(): number {
    return this.t;
  }
  random(): number {
    return this.randomValue;
  }
  get pending(): number {
    return this.queue.size;
  }
  /** Moves the clock forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.queue) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.queue.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

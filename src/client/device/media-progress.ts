import type { TimerHandle, Timers } from '../timers.js';
import type { ProgressSettings } from './media-stream.js';

/** The progress reports of spec 5.6. */
export type ProgressEventName = 'ProgressReportDelayPassed' | 'ProgressReportIntervalPassed' | 'ProgressReportPositionPassed';

/**
 * The position of what plays: the offset it started from plus the time the player has been playing
 * since (paused or stopped time is not counted, and neither is the time spent fetching before the
 * first bytes reached the player). Read from the injected clock, so tests can move it.
 */
export class PlaybackClock {
  private base = 0;
  private since: number | undefined;

  constructor(private readonly timers: Pick<Timers, 'now'>) {}

  /** Playback runs from `offsetMs` as of now. */
  start(offsetMs: number): void {
    this.base = offsetMs;
    this.since = this.timers.now();
  }

  /** Playback stopped: the position stays where it is; returns it. */
  stop(): number {
    this.base = this.position();
    this.since = undefined;
    return this.base;
  }

  /** Sets the position without playing (a seek while paused). */
  set(offsetMs: number): void {
    this.base = offsetMs;
    if (this.since !== undefined) this.since = this.timers.now();
  }

  get running(): boolean {
    return this.since !== undefined;
  }

  /** The position in whole milliseconds. */
  position(): number {
    return Math.max(0, Math.floor(this.base + (this.since !== undefined ? this.timers.now() - this.since : 0)));
  }
}

/**
 * Sends the progress reports of one play of an item (spec 5.6) at the positions they ask for, all
 * measured on the playback clock: `ProgressReportDelayPassed` once when the position passes the
 * delay (not when playback began beyond it), `ProgressReportIntervalPassed` each time it passes a
 * multiple of the interval, `ProgressReportPositionPassed` once when it passes the report position.
 * Playback that starts (or resumes after a seek) beyond the report position sends that report at
 * once, with the report position as its offset; a seek back before it re-arms it. Each report
 * carries the position measured when it is sent. One timer at a time, to the next report due.
 */
export class ProgressReporter {
  private delayDone = false;
  private positionDone = false;
  private nextInterval: number | undefined;
  private timer: TimerHandle | undefined;

  constructor(
    private settings: ProgressSettings,
    private readonly clock: PlaybackClock,
    private readonly timers: Timers,
    private readonly emit: (name: ProgressEventName, offsetMs: number) => void,
  ) {}

  /** Playback (re)started at the clock's position. */
  resume(): void {
    this.arm(this.clock.position());
    this.schedule();
  }

  /** Playback paused or stopped: no report until it resumes. */
  pause(): void {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** New report values (a StreamDeliver changed them): they apply from now on. */
  update(settings: ProgressSettings): void {
    this.settings = settings;
    this.arm(this.clock.position());
    if (this.clock.running) this.schedule();
  }

  private arm(p: number): void {
    const { delayMs, intervalMs, positionMs } = this.settings;
    if (delayMs !== undefined && !this.delayDone && p > delayMs) this.delayDone = true; // began beyond it
    if (positionMs !== undefined) {
      if (p < positionMs) this.positionDone = false; // before it (again): armed
      else if (!this.positionDone && p > positionMs) {
        this.positionDone = true;
        this.emit('ProgressReportPositionPassed', positionMs);
      }
    }
    this.nextInterval = intervalMs !== undefined ? (Math.floor(p / intervalMs) + 1) * intervalMs : undefined;
  }

  private schedule(): void {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.clock.running) return;
    const p = this.clock.position();
    const { delayMs, positionMs } = this.settings;
    const due: number[] = [];
    if (delayMs !== undefined && !this.delayDone) due.push(delayMs);
    if (positionMs !== undefined && !this.positionDone) due.push(positionMs);
    if (this.nextInterval !== undefined) due.push(this.nextInterval);
    if (due.length === 0) return;
    this.timer = this.timers.setTimeout(() => this.tick(), Math.max(0, Math.min(...due) - p));
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.clock.running) return;
    const p = this.clock.position();
    const { delayMs, intervalMs, positionMs } = this.settings;
    if (delayMs !== undefined && !this.delayDone && p >= delayMs) {
      this.delayDone = true;
      this.emit('ProgressReportDelayPassed', p);
    }
    if (intervalMs !== undefined && this.nextInterval !== undefined && p >= this.nextInterval) {
      this.emit('ProgressReportIntervalPassed', p);
      this.nextInterval = (Math.floor(p / intervalMs) + 1) * intervalMs;
    }
    if (positionMs !== undefined && !this.positionDone && p >= positionMs) {
      this.positionDone = true;
      this.emit('ProgressReportPositionPassed', p);
    }
    this.schedule();
  }
}

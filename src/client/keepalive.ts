import type { Timers, TimerHandle } from './timers.js';

/** Something that can send an HTTP/2 PING and report the ACK. */
export interface Pingable {
  ping(callback: (err: Error | null) => void): boolean;
}

/** Keep-alive timing (spec 2.5, U-09). */
export interface KeepAliveOptions {
  /** Interval between PINGs (default 60000 ms). */
  intervalMs?: number;
  /** How long to wait for the ACK (default 10000 ms). */
  ackTimeoutMs?: number;
}

/**
 * Sends a PING every interval and calls `onDead` once when an ACK does not arrive in time
 * (the connection is then to be replaced).
 */
export class KeepAlive {
  private readonly interval: number;
  private readonly ackTimeout: number;
  private timer: TimerHandle | undefined;
  private ackTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly target: Pingable,
    private readonly timers: Timers,
    private readonly onDead: (reason: string) => void,
    options: KeepAliveOptions = {},
  ) {
    this.interval = options.intervalMs ?? 60000;
    this.ackTimeout = options.ackTimeoutMs ?? 10000;
  }

  /** Starts the PING cycle. */
  start(): void {
    this.schedule();
  }

  /** Stops all timers; `onDead` is never called afterwards. */
  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
    this.timers.clearTimeout(this.ackTimer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => this.pingOnce(), this.interval);
  }

  private pingOnce(): void {
    if (this.stopped) return;
    let settled = false;
    this.ackTimer = this.timers.setTimeout(() => {
      if (settled || this.stopped) return;
      settled = true;
      this.stop();
      this.onDead(`no PING ACK within ${this.ackTimeout} ms`);
    }, this.ackTimeout);
    let sent: boolean;
    try {
      sent = this.target.ping((err) => {
        if (settled || this.stopped) return;
        settled = true;
        this.timers.clearTimeout(this.ackTimer);
        if (err) {
          this.stop();
          this.onDead(`PING failed: ${err.message}`);
        } else this.schedule();
      });
    } catch (err) {
      sent = false;
    }
    if (!sent && !settled) {
      settled = true;
      this.stop();
      this.onDead('PING could not be sent');
    }
  }
}

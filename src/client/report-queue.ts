/**
 * Report events in flight are bounded: a server that answers one request with thousands of
 * directives (each asking for a report: SetAlertSucceeded, ActionExecuted, ...) must not make the
 * client open thousands of streams, and build thousands of events, at once. At most `maxInFlight`
 * reports are on the wire; the rest wait, up to `maxQueued`; a report past that is dropped, and
 * the drops are told in one line per flood (not one per report).
 */
export const MAX_REPORTS_IN_FLIGHT = 8;
export const MAX_REPORTS_QUEUED = 200;

export interface ReportQueueOptions {
  maxInFlight?: number;
  maxQueued?: number;
  /** Told once per flood, when the queue has drained: how many reports were dropped, by name. */
  dropped(summary: string): void;
}

interface Pending {
  name: string;
  send: () => Promise<void>;
}

export class ReportQueue {
  readonly maxInFlight: number;
  readonly maxQueued: number;
  private readonly waiting: Pending[] = [];
  private running = 0;
  private highWater = 0;
  private readonly drops = new Map<string, number>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: ReportQueueOptions) {
    this.maxInFlight = opts.maxInFlight ?? MAX_REPORTS_IN_FLIGHT;
    this.maxQueued = opts.maxQueued ?? MAX_REPORTS_QUEUED;
  }

  /** Reports on the wire now. */
  get inFlight(): number {
    return this.running;
  }

  /** The most reports that were on the wire at once. */
  get peakInFlight(): number {
    return this.highWater;
  }

  /** Reports waiting for a free slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Queues a report; `send` is called (and the event built) only when a slot is free. */
  add(name: string, send: () => Promise<void>): void {
    if (this.running < this.maxInFlight) this.start({ name, send });
    else if (this.waiting.length < this.maxQueued) this.waiting.push({ name, send });
    else this.drops.set(name, (this.drops.get(name) ?? 0) + 1);
  }

  /** Resolves once nothing is on the wire or waiting. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(p: Pending): void {
    this.running++;
    this.highWater = Math.max(this.highWater, this.running);
    let sent: Promise<void>;
    try {
      sent = p.send();
    } catch (err) {
      sent = Promise.reject(err);
    }
    void sent.catch(() => undefined).finally(() => this.finished());
  }

  private finished(): void {
    this.running--;
    const next = this.waiting.shift();
    if (next) return this.start(next);
    if (this.running > 0) return;
    this.tellDrops();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private tellDrops(): void {
    if (this.drops.size === 0) return;
    const parts = [...this.drops].map(([name, n]) => `${n.toLocaleString('en-US')} ${name}`);
    this.drops.clear();
    this.opts.dropped(`too many report events at once: ${parts.join(', ')} not sent (at most ${this.maxInFlight} in flight and ${this.maxQueued} waiting)`);
  }
}

/** Pause the recorder's pipe when this much audio (~32 s) waits unread; resume below the low mark. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

/** An async iterator over pushed chunks that can end early (stop) or fail after the queued chunks. */
export class PcmQueue implements AsyncIterator<Buffer> {
  private readonly chunks: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private ended = false;
  private failure: Error | undefined;
  private waiter: { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly setPaused: (paused: boolean) => void,
    private readonly onReturn: () => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.ended) return;
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: chunk, done: false });
      return;
    }
    this.chunks.push(chunk);
    this.queued += chunk.length;
    if (!this.paused && this.queued > HIGH_WATER) {
      this.paused = true;
      this.setPaused(true);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake();
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err;
    this.wake();
  }

  private wake(): void {
    if (this.waiter === undefined || this.chunks.length > 0) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      w.reject(err);
    } else w.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.length;
      if (this.paused && this.queued < LOW_WATER) {
        this.paused = false;
        this.setPaused(false);
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      return Promise.reject(err);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** A consumer leaving the loop early stops the recorder rather than leave it running. */
  return(): Promise<IteratorResult<Buffer>> {
    this.onReturn();
    this.chunks.length = 0;
    this.queued = 0;
    return Promise.resolve({ value: undefined, done: true });
  }
}

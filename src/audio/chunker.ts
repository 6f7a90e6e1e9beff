import { PART_BYTES } from '../protocol/audio-format.js';

// Re-exported: the package index has offered PART_BYTES from here.
export { PART_BYTES };

/**
 * The clock `pace` needs. It is the structural subset of client/timers.ts's `Timers` (which that
 * interface satisfies as is): audio sits below client and does not import from it.
 */
export interface PaceTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** The real clock; monotonic, so a wall-clock jump cannot bunch up or stall the parts. */
export const systemPaceTimers: PaceTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

/** Re-cuts PCM into parts of exactly `size` bytes (the last may be shorter, never empty). */
export async function* chunkPcm(pcm: AsyncIterable<Buffer>, size = PART_BYTES): AsyncGenerator<Buffer> {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const buf of pcm) {
    let input = buf;
    if (pendingBytes > 0) {
      const need = size - pendingBytes;
      if (input.length < need) {
        pending.push(input);
        pendingBytes += input.length;
        continue;
      }
      pending.push(input.subarray(0, need));
      yield Buffer.concat(pending, size);
      pending = [];
      pendingBytes = 0;
      input = input.subarray(need);
    }
    // Whole parts straight from a large input buffer, without copying.
    while (input.length >= size) {
      yield input.subarray(0, size);
      input = input.subarray(size);
    }
    if (input.length > 0) {
      pending.push(input);
      pendingBytes = input.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/**
 * Yields each part no earlier than start + i*intervalMs (real-time pacing); start is when the
 * first part arrives. A part that arrives late is yielded at once, so a stalled source catches up.
 * When `signal` aborts, waiting (for the clock or for the next part) stops at once and the
 * generator throws `signal.reason`.
 */
export async function* pace<T>(
  parts: AsyncIterable<T>,
  intervalMs: number,
  options: { timers?: PaceTimers; signal?: AbortSignal } = {},
): AsyncGenerator<T> {
  const timers = options.timers ?? systemPaceTimers;
  const signal = options.signal;
  signal?.throwIfAborted();
  const iterator = parts[Symbol.asyncIterator]();
  let finished = false;
  let waitingForPart = false;
  try {
    let start = 0;
    for (let i = 0; ; i++) {
      waitingForPart = true;
      const next = await untilAborted(iterator.next(), signal);
      waitingForPart = false;
      if (next.done) {
        finished = true;
        return;
      }
      if (i === 0) start = timers.now();
      const due = start + i * intervalMs;
      const wait = due - timers.now();
      if (wait > 0) await sleep(timers, wait, signal);
      yield next.value;
    }
  } finally {
    if (!finished) {
      const closing = Promise.resolve(iterator.return?.());
      // After an abort the source may still be stuck in next(), and return() would queue behind it.
      if (waitingForPart) void closing.catch(() => undefined);
      else await closing;
    }
  }
}

/** Races a promise against `signal`: rejects with the abort reason as soon as it aborts. */
function untilAborted<V>(promise: Promise<V>, signal: AbortSignal | undefined): Promise<V> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<V>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Waits `ms` on `timers`; an abort clears the timer and rejects with the reason. */
function sleep(timers: PaceTimers, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      reject(signal!.reason);
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

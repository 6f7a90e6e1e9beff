import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PART_BYTES, chunkPcm, pace, type PaceTimers } from '../../../src/audio/chunker.js';
import { systemTimers, type Timers } from '../../../src/client/timers.js';
import { FakeTimers } from '../../helpers/fake-timers.js';
import { pieces, splitEvery } from '../../helpers/wav.js';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

describe('chunkPcm', () => {
  it('cuts 200 ms parts of 6400 bytes, the last shorter', async () => {
    expect(PART_BYTES).toBe(6400);
    const input = bytes(6400 * 3 + 100);
    const parts = await all(chunkPcm(pieces(splitEvery(input, [1000, 333, 7000]))));
    expect(parts.map((p) => p.length)).toEqual([6400, 6400, 6400, 100]);
    expect(Buffer.concat(parts).equals(input)).toBe(true);
  });

  it('yields no empty part: exact multiples end on a full part, empty input yields nothing', async () => {
    expect((await all(chunkPcm(pieces(splitEvery(bytes(12800), [5000]))))).map((p) => p.length)).toEqual([6400, 6400]);
    expect(await all(chunkPcm(pieces([])))).toEqual([]);
  });

  it('keeps every byte in order for any split and size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 1000 }),
        async (n, sizes, size) => {
          const input = bytes(n);
          const parts = await all(chunkPcm(pieces(splitEvery(input, sizes)), size));
          expect(Buffer.concat(parts).equals(input)).toBe(true);
          parts.forEach((p, i) => {
            if (i < parts.length - 1) expect(p.length).toBe(size);
            else expect(p.length).toBeGreaterThan(0);
            expect(p.length).toBeLessThanOrEqual(size);
          });
        },
      ),
    );
  });

  it('rejects a size that is not a positive integer', async () => {
    await expect(all(chunkPcm(pieces([bytes(10)]), 0))).rejects.toThrow(RangeError);
    await expect(all(chunkPcm(pieces([bytes(10)]), 2.5))).rejects.toThrow(RangeError);
  });
});

/** Lets pending promise callbacks run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('pace', () => {
  it('accepts the client Timers as they are', () => {
    const fromClient: Timers = systemTimers;
    const t: PaceTimers = fromClient;
    expect(typeof t.now()).toBe('number');
  });

  it('yields part i no earlier than start + i × interval', async () => {
    const timers = new FakeTimers();
    const times: number[] = [];
    const done = (async () => {
      for await (const _ of pace(pieces([bytes(1), bytes(1), bytes(1), bytes(1)]), 200, { timers })) times.push(timers.now());
    })();
    await settle();
    expect(times).toEqual([0]);
    timers.advance(199);
    await settle();
    expect(times).toEqual([0]);
    timers.advance(1);
    await settle();
    expect(times).toEqual([0, 200]);
    for (let i = 0; i < 2; i++) {
      timers.advance(200);
      await settle();
    }
    await done;
    expect(times).toEqual([0, 200, 400, 600]);
  });

  it('yields late parts at once and catches up with the schedule from the first part', async () => {
    const timers = new FakeTimers();
    const times: number[] = [];
    let release!: () => void;
    async function* source(): AsyncGenerator<number> {
      yield 0;
      await new Promise<void>((r) => (release = r));
      yield 1;
      yield 2;
    }
    const done = (async () => {
      for await (const _ of pace(source(), 200, { timers })) times.push(timers.now());
    })();
    await settle();
    timers.advance(500); // parts 1 and 2 were due at 200 and 400 but arrive at 500
    release();
    await settle();
    await done;
    expect(times).toEqual([0, 500, 500]);
  });

  it('stops waiting for the clock as soon as the signal aborts, and clears its timer', async () => {
    const timers = new FakeTimers();
    const controller = new AbortController();
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const seen: number[] = [];
    const done = (async () => {
      for await (const x of pace(source(), 200, { timers, signal: controller.signal })) seen.push(x);
    })();
    await settle();
    expect(seen).toEqual([0]);
    expect(timers.pending).toBe(1);
    controller.abort(new Error('stop'));
    await expect(done).rejects.toThrow('stop');
    expect(timers.pending).toBe(0);
    expect(seen).toEqual([0]);
    expect(closed).toBe(true);
  });

  it('stops waiting for a stuck source when the signal aborts', async () => {
    const controller = new AbortController();
    async function* stuck(): AsyncGenerator<number> {
      yield 1;
      await new Promise(() => undefined);
    }
    const seen: number[] = [];
    const done = (async () => {
      for await (const x of pace(stuck(), 10, { timers: new FakeTimers(), signal: controller.signal })) seen.push(x);
    })();
    await settle();
    controller.abort();
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1]);
  });

  it('throws at once when the signal is already aborted', async () => {
    const gen = pace(pieces([bytes(1)]), 200, { timers: new FakeTimers(), signal: AbortSignal.abort() });
    await expect(gen.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        yield 1;
        yield 2;
      } finally {
        closed = true;
      }
    }
    for await (const _ of pace(source(), 200, { timers: new FakeTimers() })) break;
    expect(closed).toBe(true);
  });

  it('paces on the real clock by default', async () => {
    const start = performance.now();
    const parts = await all(pace(pieces([bytes(1), bytes(1), bytes(1)]), 20));
    expect(parts.length).toBe(3);
    expect(performance.now() - start).toBeGreaterThanOrEqual(38);
  });
});

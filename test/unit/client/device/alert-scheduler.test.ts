import { describe, expect, it } from 'vitest';
import { AlertScheduler, TICK_MS } from '../../../../src/client/device/alert-scheduler.js';
import { WallClock } from '../../../helpers/wall-clock.js';

/** A scheduler on a manual wall clock, and what it reported. */
function setup(clock = new WallClock()) {
  const fired: Array<{ token: string; lateMs: number; wall: number }> = [];
  const jumps: number[] = [];
  const scheduler = new AlertScheduler(clock, {
    due: (token, lateMs) => fired.push({ token, lateMs, wall: clock.now() }),
    jumped: (delta) => jumps.push(delta),
  });
  return { clock, scheduler, fired, jumps, t0: clock.now() };
}

describe('AlertScheduler (wall clock, injected)', () => {
  it('fires on time, to the millisecond, and never arms a timer longer than a second', () => {
    const { clock, scheduler, fired, t0 } = setup();
    scheduler.schedule('a', t0 + 5000);
    clock.advance(4999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([{ token: 'a', lateMs: 0, wall: t0 + 5000 }]);
    expect(clock.delays.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...clock.delays)).toBeLessThanOrEqual(TICK_MS);
    // Nothing left: no timer runs.
    expect(clock.pending).toBe(0);
    expect(scheduler.size).toBe(0);
  });

  it('a long alert is reached in steps of at most a second, one timer at a time', () => {
    const { clock, scheduler, fired, t0 } = setup();
    scheduler.schedule('alarm', t0 + 8 * 3600_000);
    for (let i = 0; i < 100; i++) {
      clock.advance(TICK_MS);
      expect(clock.pending).toBe(1);
    }
    clock.advance(8 * 3600_000 - 100 * TICK_MS);
    expect(fired).toEqual([{ token: 'alarm', lateMs: 0, wall: t0 + 8 * 3600_000 }]);
    expect(Math.max(...clock.delays)).toBeLessThanOrEqual(TICK_MS);
  });

  it('a sleep shorter than the wait: the alert still fires at its wall-clock time (a single setTimeout would be late by the sleep)', () => {
    const { clock, scheduler, fired, jumps, t0 } = setup();
    scheduler.schedule('timer', t0 + 10 * 60_000);
    clock.advance(60_000);
    clock.sleep(5 * 60_000); // the lid is closed for 5 minutes: no timer runs
    clock.advance(TICK_MS); // the first tick after waking sees the jump
    expect(jumps).toHaveLength(1);
    expect(jumps[0]).toBeCloseTo(5 * 60_000, -3);
    expect(fired).toEqual([]);
    // 4 minutes of waking time later (10 minutes of wall time in all) it fires, on time.
    clock.advance(4 * 60_000 - TICK_MS);
    expect(fired).toEqual([{ token: 'timer', lateMs: 0, wall: t0 + 10 * 60_000 }]);
  });

  it('a sleep past the time (clock jump forward): fires within a second of waking, saying how late', () => {
    const { clock, scheduler, fired, jumps, t0 } = setup();
    scheduler.schedule('timer', t0 + 10 * 60_000);
    clock.advance(30_000);
    clock.sleep(20 * 60_000);
    clock.advance(TICK_MS);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.token).toBe('timer');
    // Due at +10 min, found at +20.5 min + up to a second.
    expect(fired[0]!.lateMs).toBeGreaterThanOrEqual(10.5 * 60_000);
    expect(fired[0]!.lateMs).toBeLessThanOrEqual(10.5 * 60_000 + TICK_MS);
    expect(jumps[0]).toBeGreaterThan(19 * 60_000);
  });

  it('the clock set forward past several alerts fires them all at the next tick, in order of their time', () => {
    const { clock, scheduler, fired, t0 } = setup();
    scheduler.schedule('c', t0 + 3 * 3600_000);
    scheduler.schedule('a', t0 + 3600_000);
    scheduler.schedule('b', t0 + 2 * 3600_000);
    scheduler.schedule('later', t0 + 10 * 3600_000);
    clock.advance(200);
    clock.setClock(5 * 3600_000);
    clock.advance(TICK_MS);
    expect(fired.map((f) => f.token)).toEqual(['a', 'b', 'c']);
    expect(scheduler.size).toBe(1);
  });

  it('the clock set back: the alert waits until the wall clock reaches its time again (and does not fire early)', () => {
    const { clock, scheduler, fired, jumps, t0 } = setup();
    scheduler.schedule('alarm', t0 + 60_000);
    clock.advance(30_000);
    clock.setClock(-3600_000); // NTP corrects a clock that was an hour ahead
    clock.advance(60_000);
    expect(jumps).toHaveLength(1);
    expect(jumps[0]).toBeCloseTo(-3600_000, -3);
    expect(fired).toEqual([]);
    clock.advance(3600_000 - 60_000 + 30_000 - 1);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([{ token: 'alarm', lateMs: 0, wall: t0 + 60_000 }]);
  });

  it('many alerts: each fires at its own time, in order, with one timer at a time', () => {
    const { clock, scheduler, fired, t0 } = setup();
    const times = Array.from({ length: 60 }, (_, i) => ({ token: `t${i}`, at: t0 + ((i * 7919) % 600) * 1000 + 1 + (i % 3) * 250 }));
    for (const { token, at } of times) scheduler.schedule(token, at);
    for (let s = 0; s < 700; s++) {
      clock.advance(1000);
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    expect(fired).toHaveLength(60);
    const expected = [...times].sort((a, b) => a.at - b.at);
    expect(fired.map((f) => f.token)).toEqual(expected.map((e) => e.token));
    for (const f of fired) {
      expect(f.lateMs).toBe(0);
      expect(f.wall).toBe(times.find((t) => t.token === f.token)!.at);
    }
  });

  it('editing: a new time replaces the old one, later or earlier', () => {
    const { clock, scheduler, fired, t0 } = setup();
    scheduler.schedule('x', t0 + 5000);
    scheduler.schedule('x', t0 + 20_000);
    clock.advance(10_000);
    expect(fired).toEqual([]);
    expect(scheduler.dueAt('x')).toBe(t0 + 20_000);
    scheduler.schedule('x', t0 + 12_000);
    clock.advance(2000);
    expect(fired).toEqual([{ token: 'x', lateMs: 0, wall: t0 + 12_000 }]);
    clock.advance(20_000);
    expect(fired).toHaveLength(1);
  });

  it('deleting: a cancelled alert never fires; with nothing left no timer runs', () => {
    const { clock, scheduler, fired, t0 } = setup();
    scheduler.schedule('x', t0 + 5000);
    scheduler.schedule('y', t0 + 6000);
    expect(scheduler.cancel('x')).toBe(true);
    expect(scheduler.cancel('nope')).toBe(false);
    clock.advance(10_000);
    expect(fired.map((f) => f.token)).toEqual(['y']);
    scheduler.schedule('z', t0 + 60_000);
    scheduler.clear();
    expect(clock.pending).toBe(0);
    clock.advance(120_000);
    expect(fired.map((f) => f.token)).toEqual(['y']);
  });

  it('an alert already due fires at once; close stops everything', () => {
    const { clock, scheduler, fired, t0 } = setup();
    scheduler.schedule('late', t0 - 1500);
    expect(fired).toEqual([{ token: 'late', lateMs: 1500, wall: t0 }]);
    scheduler.schedule('later', t0 + 1000);
    scheduler.close();
    expect(clock.pending).toBe(0);
    clock.advance(5000);
    scheduler.schedule('after-close', t0);
    expect(fired).toHaveLength(1);
  });

  it('a timer that fires a little early looks again for the rest, without firing early', () => {
    // Node may run a timer a millisecond before Date.now() reaches the expected time.
    const { clock, scheduler, fired, t0 } = setup();
    scheduler.schedule('x', t0 + 500);
    clock.setClock(-3); // the wall clock is 3 ms behind what the timer expected
    clock.advance(500);
    expect(fired).toEqual([]);
    clock.advance(3);
    expect(fired).toEqual([{ token: 'x', lateMs: 0, wall: t0 + 500 }]);
  });
});

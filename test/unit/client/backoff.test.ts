import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from '../../../src/client/backoff.js';
import { FakeTimers } from '../../helpers/fake-timers.js';

describe('ReconnectBackoff', () => {
  it('retries at once, then 1, 2, 4 ... 60 s (no jitter at random=0.5)', () => {
    const t = new FakeTimers();
    const b = new ReconnectBackoff(t, { debounceMs: 0 });
    const delays = Array.from({ length: 10 }, () => b.nextDelay('error'));
    expect(delays).toEqual([0, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('keeps jitter within +-20 %', () => {
    const t = new FakeTimers();
    const b = new ReconnectBackoff(t, { debounceMs: 0 });
    b.nextDelay('error');
    t.randomValue = 0;
    expect(b.nextDelay('error')).toBe(800);
    t.randomValue = 0.999999;
    expect(b.nextDelay('error')).toBe(2400);
  });

  it('waits at least 1 s after a 429, even on the first retry', () => {
    const t = new FakeTimers();
    const b = new ReconnectBackoff(t, { debounceMs: 0 });
    expect(b.nextDelay('status-429')).toBe(1000);
  });

  it('never allows two downchannel requests within the debounce window', () => {
    const t = new FakeTimers();
    const b = new ReconnectBackoff(t);
    b.noteRequest();
    t.advance(300);
    expect(b.nextDelay('ended')).toBe(720);
    t.advance(2000);
    expect(b.nextDelay('ended')).toBeGreaterThanOrEqual(1000 * 0.8);
  });

  it('starts over after a success', () => {
    const t = new FakeTimers();
    const b = new ReconnectBackoff(t, { debounceMs: 0 });
    b.nextDelay('error');
    b.nextDelay('error');
    b.noteSuccess();
    expect(b.nextDelay('error')).toBe(0);
  });
});

describe('ReconnectBackoff.peekDelay', () => {
  it('gives the largest delay the next step can take and does not advance', () => {
    const t = new FakeTimers();
    const b = new ReconnectBackoff(t, { debounceMs: 0 });
    b.nextDelay('error');
    expect(b.peekDelay('error')).toBe(1200);
    expect(b.peekDelay('error')).toBe(1200);
    expect(b.nextDelay('error')).toBe(1000);
  });
});

import { describe, expect, it } from 'vitest';
import { systemTimers } from '../../../src/client/timers.js';
import { MAX_TIMER_MS } from '../../../src/protocol/timer-range.js';

/** The delay Node armed a timer with (it makes an overflowing one 1 ms, with a TimeoutOverflowWarning). */
const armedMs = (h: unknown) => (h as { _idleTimeout: number })._idleTimeout;

describe('systemTimers: a delay past the timer range (a server value) is clamped, not fired at once', () => {
  it('1e300 ms is armed as the longest delay; NaN and negatives as 0', () => {
    const handles = [1e300, Infinity, Number.NaN, -5, 1500].map((ms) => systemTimers.setTimeout(() => undefined, ms));
    try {
      expect(handles.map(armedMs)).toEqual([MAX_TIMER_MS, MAX_TIMER_MS, 1, 1, 1500]);
    } finally {
      for (const h of handles) systemTimers.clearTimeout(h);
    }
  });
});

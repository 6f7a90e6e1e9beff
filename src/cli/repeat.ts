import type { TurnTiming } from '../client/client.js';
import { UsageError } from '../protocol/errors.js';
import type { RequestSession } from './request-session.js';
import { TimingCollector } from './timing-stats.js';

/** The most turns `--repeat` sends: their timings are kept until the end (a number per stage and turn). */
export const MAX_REPEAT = 100_000;

/** `--repeat <n>`, checked: a whole number from 1 to MAX_REPEAT (undefined: not given). */
export function parseRepeat(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_REPEAT) {
    throw new UsageError(`--repeat must be a whole number from 1 to ${MAX_REPEAT} (got "${value}")`);
  }
  return n;
}

/**
 * Sends the same turn `times` times on the session's connection, one after the other, and prints
 * the percentiles of each stage at the end (the renderer's timing summary). A failed or interrupted
 * turn ends the run with its error, as it would without --repeat, after the summary of the turns
 * answered until then (if any): the final error line stays the last.
 */
export async function repeatTurns(session: RequestSession, times: number, turn: (index: number) => Promise<void>): Promise<void> {
  const collector = new TimingCollector();
  const onTiming = (t: TurnTiming) => collector.add(t);
  session.client.on('timing', onTiming);
  try {
    for (let i = 0; i < times; i++) {
      if (session.signal.aborted) break;
      await turn(i);
    }
  } finally {
    session.client.off('timing', onTiming);
    const summary = collector.summary();
    if (summary.turns > 0) session.renderer.timingSummary(summary);
  }
}

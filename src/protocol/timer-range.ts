/**
 * The longest delay Node's timers honour (2^31 - 1 ms, about 24.8 days): a larger one is clamped to
 * 1 ms and fires at once, so every duration option and setting is checked against it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** The same bound in whole seconds, for options given in seconds. */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/**
 * A duration in milliseconds that came from the server, made safe for a timer: a number that is not
 * finite or is negative is no duration (undefined), one past the timer range is clamped to it (Node
 * would warn with TimeoutOverflowWarning and fire at once).
 */
export function serverTimerMs(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(Math.round(value), MAX_TIMER_MS);
}

/** Any delay made safe for setTimeout: NaN and negatives are 0, past the range is the range's end. */
export function clampTimerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/**
 * When a session renews its token (issue 17): at 80 % of the lifetime left, or a minute before
 * expiry when that comes later, and never sooner than MIN_RENEWAL_MS after the last renewal, so a
 * short-lived token (30 s) does not make a refresh every second.
 */

/** Refresh this long before the expiry at the latest. */
export const RENEWAL_MARGIN_MS = 60000;
/** Never two renewals closer than this. */
export const MIN_RENEWAL_MS = 10000;

/** Milliseconds from `now` until the renewal of a token expiring at `expiresAt`. */
export function renewalDelay(expiresAt: number, now: number): number {
  const left = expiresAt - now;
  const margin = Math.min(RENEWAL_MARGIN_MS, left * 0.2);
  return Math.min(Math.max(left - margin, MIN_RENEWAL_MS), 2147483647);
}

/**
 * When a session renews its token (issue 17): at 80 % of the lifetime left, or a minute before
 * expiry when that comes later, and never sooner than MIN_RENEWAL_MS after the last renewal, so a
 * short-lived token (30 s) does not make a refresh every second. Only a token living less than
 * 12.5 s is renewed more often (at 80 % of its life, at least 1 s apart): it could not survive otherwise.
 */

/** Refresh this long before the expiry at the latest. */
export const RENEWAL_MARGIN_MS = 60000;
/** Never two renewals closer than this, unless the token lives less. */
export const MIN_RENEWAL_MS = 10000;
/** The absolute floor between two renewals. */
const FLOOR_MS = 1000;

/** Milliseconds from `now` until the renewal of a token expiring at `expiresAt`. */
export function renewalDelay(expiresAt: number, now: number): number {
  const left = expiresAt - now;
  const margin = Math.min(RENEWAL_MARGIN_MS, left * 0.2);
  const floor = Math.max(FLOOR_MS, Math.min(MIN_RENEWAL_MS, left * 0.8));
  return Math.min(Math.max(left - margin, floor), 2147483647);
}

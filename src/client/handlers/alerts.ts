import type { Directive } from '../../protocol/messages.js';
import { checkAlert } from '../device/alerts.js';
import { note, payloadText, type DescribeOptions, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/**
 * Alerts.* (spec 5.8). In a session (the client's `device` option) they are carried out and
 * reported: SetAlert (add or edit) → SetAlertSucceeded/Failed, DeleteAlert → DeleteAlertSucceeded/
 * Failed, StopAlert stops the ringing alert (AlertStopped), SynchronizeAlert replaces the set. A
 * one-shot command only shows them: it is gone long before any alert is due.
 */
export const alertsHandler: NamespaceHandler = {
  namespace: 'Alerts',
  directives: new Set(['SetAlert', 'DeleteAlert', 'StopAlert', 'SynchronizeAlert']),
  handle(directive, ctx) {
    const alerts = ctx.alerts;
    if (!alerts) return;
    const p = directive.payload ?? {};
    switch (directive.header.name) {
      case 'SetAlert':
        return alerts.setAlert(p);
      case 'DeleteAlert':
        return alerts.deleteAlert(p);
      case 'StopAlert':
        return alerts.stopAlert(p);
      case 'SynchronizeAlert':
        return alerts.synchronize(p);
    }
  },
};

/**
 * "Alerts.SetAlert: alarm set for 07:00 (Mon 30 Nov)", "Alerts.SynchronizeAlert: 2 alerts"; the
 * other Alerts directives are shown plainly.
 */
export function describeAlerts(d: Directive, options: DescribeOptions): DirectiveDescription | undefined {
  const p = d.payload ?? {};
  if (d.header.name === 'SynchronizeAlert' && Array.isArray(p.allAlerts)) {
    const n = p.allAlerts.length;
    return note(d, n === 0 ? 'no alerts' : `${n} alert${n === 1 ? '' : 's'}`);
  }
  if (d.header.name !== 'SetAlert') return undefined;
  const type = payloadText(p.type);
  const kind = (type !== undefined ? ALERT_KINDS[type] : undefined) ?? (type?.toLowerCase() ?? 'alert');
  const label = payloadText(p.label);
  const when = payloadText(p.scheduledTime);
  // Only a SetAlert that can be set is told as set (the device refuses the others with a notice).
  // (Its form only: whether it is too late is the device's to say, at the moment it is carried out.)
  const check = checkAlert(p, (options.now ?? new Date()).getTime(), Infinity);
  if (!check.ok) return note(d, `${kind}${label !== undefined ? ` "${label}"` : ''} could not be set: ${check.reason}`);
  return note(d, `${kind}${label !== undefined ? ` "${label}"` : ''} set for ${when !== undefined ? localTime(when, options.now) : 'an unknown time'}`);
}

/** What a person calls an alert of each type. */
export const ALERT_KINDS: Record<string, string> = { ALARM: 'alarm', TIMER: 'timer', REMINDER: 'reminder', ACTIONTIMER: 'action timer' };

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A server timestamp in the user's local time zone (the process's TZ): "07:00 (Mon 30 Nov)", with
 * seconds when they are not zero and the year when it is not this year. Unparsable text comes back
 * as it is, so nothing the server said is lost.
 */
export function localTime(stamp: string, now = new Date()): string {
  const at = new Date(stamp);
  if (!/^\d{4}-\d\d-\d\dT/.test(stamp) || Number.isNaN(at.getTime())) return stamp;
  const clock = `${two(at.getHours())}:${two(at.getMinutes())}${at.getSeconds() !== 0 ? `:${two(at.getSeconds())}` : ''}`;
  const day = new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(at.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}),
  }).format(at);
  return `${clock} (${day.replace(/,/g, '')})`;
}

/** A server timestamp as a local clock time ("10:31:05"), with the day only when it is not today (then as localTime). */
export function localClock(stamp: string, now = new Date()): string {
  const at = new Date(stamp);
  if (!/^\d{4}-\d\d-\d\dT/.test(stamp) || Number.isNaN(at.getTime())) return stamp;
  if (at.toDateString() !== now.toDateString()) return localTime(stamp, now);
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

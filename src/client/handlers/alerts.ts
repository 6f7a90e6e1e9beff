import type { Directive } from '../../protocol/messages.js';
import { note, payloadText, type DescribeOptions, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/** Alerts.* (spec 5.8): shown, not rung (a CLI has no alarm clock). */
export const alertsHandler: NamespaceHandler = {
  namespace: 'Alerts',
  directives: new Set(['SetAlert', 'DeleteAlert', 'StopAlert', 'SynchronizeAlert']),
};

/** "Alerts.SetAlert: alarm set for 07:00 (Mon 30 Nov)"; the other Alerts directives are shown plainly. */
export function describeAlerts(d: Directive, options: DescribeOptions): DirectiveDescription | undefined {
  if (d.header.name !== 'SetAlert') return undefined;
  const p = d.payload ?? {};
  const type = payloadText(p.type);
  const kind = (type !== undefined ? ALERT_KINDS[type] : undefined) ?? (type?.toLowerCase() ?? 'alert');
  const label = payloadText(p.label);
  const when = payloadText(p.scheduledTime);
  return note(d, `${kind}${label !== undefined ? ` "${label}"` : ''} set for ${when !== undefined ? localTime(when, options.now) : 'an unknown time'}`);
}

const ALERT_KINDS: Record<string, string> = { ALARM: 'alarm', TIMER: 'timer', REMINDER: 'reminder', ACTIONTIMER: 'action timer' };

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

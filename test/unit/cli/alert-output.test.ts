import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { HumanRenderer } from '../../../src/cli/output/human.js';
import { JsonRenderer } from '../../../src/cli/output/json.js';
import type { StatusInfo } from '../../../src/cli/output/renderer.js';
import type { AlertChange } from '../../../src/client/client.js';
import { describeDirective } from '../../../src/client/handlers/describe.js';
import { buildDirective } from '../../../src/protocol/messages.js';

// What a person and a script see when an alert rings and stops, and in /status. TZ is the
// process's: the times are built in local time here so the test holds in any zone.

function human() {
  let out = '';
  const r = new HumanRenderer((s) => (out += s), () => undefined, new Chalk({ level: 0 }), undefined, { out: false, err: false }, {});
  return { r, out: () => out };
}

/** An ISO 8601 time (UTC) that is `h:m:s` local time today. */
function todayAt(h: number, m: number, s: number): string {
  const d = new Date();
  d.setHours(h, m, s, 0);
  return d.toISOString();
}

const change = (more: Partial<AlertChange>): AlertChange => ({ phase: 'started', token: 't1', alertType: 'TIMER', scheduledTime: todayAt(10, 31, 5), ...more });

const status: StatusInfo = { connection: 'connected', server: 'http://127.0.0.1:1', reconnects: 0, volume: 7, muted: false, activity: 'idle', expecting: false, alerts: 0 };

describe('alert output', () => {
  it('human: a banner in local time when it rings, a line when it stops (with why)', () => {
    const { r, out } = human();
    r.alert(change({}));
    r.alert(change({ phase: 'stopped', reason: 'user' }));
    r.alert(change({ phase: 'started', alertType: 'ALARM', token: 'a' }));
    r.alert(change({ phase: 'stopped', alertType: 'ALARM', token: 'a', reason: 'timeout' }));
    r.alert(change({ phase: 'stopped', reason: 'stopped' }));
    expect(out().split('\n').slice(0, -1)).toEqual([
      '⏰ timer ringing (scheduled 10:31:05)… /stop stops it',
      '  ⏰ timer stopped (you stopped it)',
      '⏰ alarm ringing (scheduled 10:31:05)… /stop stops it',
      '  ⏰ alarm stopped (nobody stopped it)',
      '  ⏰ timer stopped (stopped by CLOVA)',
    ]);
  });

  it('human: a reminder’s label is made safe for the terminal; another day’s time names the day', () => {
    const { r, out } = human();
    const tomorrow = new Date();
    tomorrow.setDate(tomorrow.getDate() + 1);
    tomorrow.setHours(7, 0, 0, 0);
    r.alert(change({ alertType: 'REMINDER', label: 'bins\x1b[2J\nout', scheduledTime: tomorrow.toISOString() }));
    const line = out();
    expect(line).not.toContain('\x1b');
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toMatch(/^⏰ reminder "bins ?out" ringing \(scheduled 07:00 \(\w{3} \d{1,2} \w{3}\)\)… \/stop stops it\n$/);
  });

  it('human /status: the alarms row says how many wait, the next one in local time, the ringing one', () => {
    const { r, out } = human();
    r.status(status);
    r.status({
      ...status,
      alerts: 3,
      alertsPending: 2,
      nextAlert: { token: 'n', type: 'TIMER', scheduledTime: todayAt(10, 31, 5) },
      ringingAlert: { token: 'r', type: 'ALARM', scheduledTime: todayAt(7, 0, 0) },
    });
    const rows = out().split('\n').filter((l) => l.includes('alarms'));
    expect(rows[0]).toBe('  alarms     none');
    expect(rows[1]).toMatch(/^ {2}alarms {5}2 pending, next: timer at 10:31:05 \(\w{3} \d{1,2} \w{3}\), ringing: alarm at 07:00 \(/);
  });

  it('--json: one alert line each, reason only when stopped, label when there is one', () => {
    let out = '';
    const r = new JsonRenderer((s) => (out += s), () => undefined);
    r.alert({ phase: 'started', token: 't1', alertType: 'TIMER', scheduledTime: '2026-11-29T10:31:05Z' });
    r.alert({ phase: 'stopped', token: 't1', alertType: 'REMINDER', scheduledTime: '2026-11-29T19:31:05+09:00', label: 'tea', reason: 'timeout' });
    expect(out.split('\n').slice(0, -1).map((l) => JSON.parse(l))).toEqual([
      { type: 'alert', phase: 'started', token: 't1', alertType: 'TIMER', scheduledTime: '2026-11-29T10:31:05Z' },
      { type: 'alert', phase: 'stopped', token: 't1', alertType: 'REMINDER', scheduledTime: '2026-11-29T19:31:05+09:00', label: 'tea', reason: 'timeout' },
    ]);
  });

  it('SynchronizeAlert is told by how many alerts it lists', () => {
    const sync = (allAlerts: unknown) => describeDirective(buildDirective('Alerts', 'SynchronizeAlert', { allAlerts }).directive).text;
    expect(sync([])).toBe('Alerts.SynchronizeAlert: no alerts');
    expect(sync([{}])).toBe('Alerts.SynchronizeAlert: 1 alert');
    expect(sync([{}, {}])).toBe('Alerts.SynchronizeAlert: 2 alerts');
    expect(sync('x')).toBe('Alerts.SynchronizeAlert');
  });
});

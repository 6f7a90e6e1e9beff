import { describe, expect, it } from 'vitest';
import { AlertsDevice } from '../../../../src/client/device/alerts-device.js';
import type { AlertChange } from '../../../../src/client/device/ringer.js';
import { alertsHandler } from '../../../../src/client/handlers/alerts.js';
import type { HandlerContext } from '../../../../src/client/handlers/types.js';
import { buildContext, defaultClientState } from '../../../../src/protocol/context.js';
import { buildDirective } from '../../../../src/protocol/messages.js';
import { settle, WallClock } from '../../../helpers/wall-clock.js';

/** One event the handler reported, with the Alerts.AlertsState its context carried. */
interface Reported {
  name: string;
  payload: Record<string, unknown>;
  alertsState: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function setup(options: { device?: boolean; maxRingMs?: number } = {}) {
  const clock = new WallClock();
  const state = defaultClientState();
  const reported: Reported[] = [];
  const changes: AlertChange[] = [];
  const notices: string[] = [];
  const report = (namespace: string, name: string, payload: Record<string, unknown>) => {
    const alertsState = buildContext(state).find((c) => c.header.namespace === 'Alerts' && c.header.name === 'AlertsState')!.payload;
    reported.push({ name: `${namespace}.${name}`, payload, alertsState: structuredClone(alertsState) });
  };
  const alerts =
    options.device === false
      ? undefined
      : new AlertsDevice({
          state,
          report: (name, payload) => report('Alerts', name, payload),
          clock,
          maxRingMs: options.maxRingMs ?? 60_000,
          changed: (c) => changes.push(c),
          trace: () => undefined,
          notice: (l) => notices.push(l),
        });
  const ctx: HandlerContext = {
    state,
    expectSpeech: () => undefined,
    report,
    speak: () => false,
    stopCapture: () => undefined,
    keepRecording: () => undefined,
    alerts,
  };
  const apply = (name: string, payload: Record<string, unknown>) => alertsHandler.handle!(buildDirective('Alerts', name, payload).directive, ctx);
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await settle();
    }
  };
  return { clock, state, reported, changes, notices, apply, run, alerts: alerts!, now: clock.now() };
}

const names = (r: Reported[]) => r.map((e) => e.name);

describe('Alerts handler in a session (device)', () => {
  it('SetAlert with a new token: kept, SetAlertSucceeded carries it in allAlerts; it rings on time: AlertStarted (activeAlerts), AlertStopped after the longest time', async () => {
    const { reported, changes, apply, run, now, state } = setup({ maxRingMs: 3000 });
    const at = iso(now + 5000);
    apply('SetAlert', { token: 'tm', type: 'TIMER', scheduledTime: at });
    const info = { token: 'tm', type: 'TIMER', scheduledTime: at };
    expect(reported).toEqual([{ name: 'Alerts.SetAlertSucceeded', payload: { token: 'tm', type: 'TIMER' }, alertsState: { allAlerts: [info], activeAlerts: [] } }]);
    await run(4900);
    expect(reported).toHaveLength(1);
    await run(100);
    expect(reported[1]).toEqual({ name: 'Alerts.AlertStarted', payload: { token: 'tm', type: 'TIMER' }, alertsState: { allAlerts: [info], activeAlerts: [info] } });
    expect(changes).toEqual([{ phase: 'started', token: 'tm', alertType: 'TIMER', scheduledTime: at }]);
    await run(3000);
    // Rung: not active, still set until CIC deletes it (or sets its next time).
    expect(reported[2]).toEqual({ name: 'Alerts.AlertStopped', payload: { token: 'tm', type: 'TIMER' }, alertsState: { allAlerts: [info], activeAlerts: [] } });
    expect(changes[1]).toEqual({ phase: 'stopped', token: 'tm', alertType: 'TIMER', scheduledTime: at, reason: 'timeout' });
    apply('DeleteAlert', { token: 'tm', type: 'TIMER' });
    expect(reported[3]).toEqual({ name: 'Alerts.DeleteAlertSucceeded', payload: { token: 'tm', type: 'TIMER' }, alertsState: { allAlerts: [], activeAlerts: [] } });
    expect(state.alerts).toEqual({ allAlerts: [], activeAlerts: [] });
  });

  it('SetAlert with a known token edits it: the new time replaces the old one', async () => {
    const { reported, apply, run, now, state } = setup();
    apply('SetAlert', { token: 'a', type: 'ALARM', scheduledTime: iso(now + 3000) });
    apply('SetAlert', { token: 'a', type: 'ALARM', scheduledTime: iso(now + 8000), label: 'moved' });
    expect(names(reported)).toEqual(['Alerts.SetAlertSucceeded', 'Alerts.SetAlertSucceeded']);
    expect(state.alerts!.allAlerts).toEqual([{ token: 'a', type: 'ALARM', scheduledTime: iso(now + 8000) }]);
    await run(7900);
    expect(reported).toHaveLength(2);
    await run(100);
    expect(names(reported).at(-1)).toBe('Alerts.AlertStarted');
  });

  it('editing the ringing alert stops it first (AlertStopped), then SetAlertSucceeded', async () => {
    const { reported, changes, apply, run, now } = setup();
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) });
    await run(1000);
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now + 600_000) });
    expect(names(reported)).toEqual(['Alerts.SetAlertSucceeded', 'Alerts.AlertStarted', 'Alerts.AlertStopped', 'Alerts.SetAlertSucceeded']);
    expect(changes.at(-1)).toMatchObject({ phase: 'stopped', reason: 'edited' });
    expect(reported.at(-1)!.alertsState).toEqual({ allAlerts: [{ token: 'a', type: 'TIMER', scheduledTime: iso(now + 600_000) }], activeAlerts: [] });
  });

  it('SetAlertFailed for an unknown type, an unparseable time, a time past the grace period; the set is unchanged', () => {
    const { reported, notices, apply, now, state } = setup();
    apply('SetAlert', { token: 'ok', type: 'TIMER', scheduledTime: iso(now + 60_000) });
    apply('SetAlert', { token: 'x1', type: 'SNOOZE', scheduledTime: iso(now + 60_000) });
    apply('SetAlert', { token: 'x2', type: 'TIMER', scheduledTime: 'in five minutes' });
    apply('SetAlert', { token: 'x3', type: 'TIMER', scheduledTime: iso(now - 5 * 60_000) });
    apply('SetAlert', { token: 'ok', type: 'TIMER', scheduledTime: iso(now - 5 * 60_000) }); // a bad edit keeps the old alert
    apply('SetAlert', { type: 'TIMER', scheduledTime: iso(now + 60_000) });
    expect(reported.map((r) => [r.name, r.payload])).toEqual([
      ['Alerts.SetAlertSucceeded', { token: 'ok', type: 'TIMER' }],
      ['Alerts.SetAlertFailed', { token: 'x1', type: 'SNOOZE' }],
      ['Alerts.SetAlertFailed', { token: 'x2', type: 'TIMER' }],
      ['Alerts.SetAlertFailed', { token: 'x3', type: 'TIMER' }],
      ['Alerts.SetAlertFailed', { token: 'ok', type: 'TIMER' }],
      ['Alerts.SetAlertFailed', { token: '', type: 'TIMER' }],
    ]);
    expect(state.alerts!.allAlerts).toEqual([{ token: 'ok', type: 'TIMER', scheduledTime: iso(now + 60_000) }]);
    expect(notices[0]).toMatch(/^an alert could not be set: type "SNOOZE" is not one of/);
    expect(notices[2]).toMatch(/300 s in the past/);
  });

  it('a time just past (within the grace period) is kept and rings at once, after SetAlertSucceeded', async () => {
    const { reported, apply, now } = setup();
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now - 10_000) });
    await settle();
    expect(names(reported)).toEqual(['Alerts.SetAlertSucceeded', 'Alerts.AlertStarted']);
  });

  it('DeleteAlert: Succeeded for a known alert, Failed for an unknown one; deleting the ringing one stops it first', async () => {
    const { reported, changes, apply, run, now, state } = setup();
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) });
    apply('SetAlert', { token: 'b', type: 'ALARM', scheduledTime: iso(now + 3600_000) });
    apply('DeleteAlert', { token: 'nope', type: 'TIMER' });
    apply('DeleteAlert', { token: 'b', type: 'ALARM' });
    await run(1000);
    apply('DeleteAlert', { token: 'a', type: 'TIMER' });
    expect(reported.map((r) => [r.name, r.payload.token])).toEqual([
      ['Alerts.SetAlertSucceeded', 'a'],
      ['Alerts.SetAlertSucceeded', 'b'],
      ['Alerts.DeleteAlertFailed', 'nope'],
      ['Alerts.DeleteAlertSucceeded', 'b'],
      ['Alerts.AlertStarted', 'a'],
      ['Alerts.AlertStopped', 'a'],
      ['Alerts.DeleteAlertSucceeded', 'a'],
    ]);
    expect(changes.at(-1)).toMatchObject({ phase: 'stopped', token: 'a', reason: 'deleted' });
    expect(state.alerts).toEqual({ allAlerts: [], activeAlerts: [] });
  });

  it('StopAlert stops the ringing alert (AlertStopped); a StopAlert for one that is not ringing changes nothing', async () => {
    const { reported, changes, apply, run, now } = setup();
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) });
    apply('SetAlert', { token: 'b', type: 'TIMER', scheduledTime: iso(now + 60_000) });
    apply('StopAlert', { token: 'a', type: 'TIMER' });
    apply('StopAlert', { token: 'b', type: 'TIMER' });
    expect(reported).toHaveLength(2);
    await run(1000);
    apply('StopAlert', { token: 'a', type: 'TIMER' });
    expect(names(reported)).toEqual(['Alerts.SetAlertSucceeded', 'Alerts.SetAlertSucceeded', 'Alerts.AlertStarted', 'Alerts.AlertStopped']);
    expect(changes.at(-1)).toMatchObject({ phase: 'stopped', reason: 'stopped' });
    await run(60_000); // b rings in its turn
    expect(names(reported).at(-1)).toBe('Alerts.AlertStarted');
  });

  it('the user’s stop: RequestAlertStop (still active), then CIC’s StopAlert ends it with AlertStopped', async () => {
    const { reported, changes, apply, run, now, alerts } = setup();
    expect(alerts.requestStop()).toBeUndefined();
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) });
    await run(1000);
    expect(alerts.requestStop()).toEqual({ token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) });
    expect(reported.at(-1)).toMatchObject({ name: 'Alerts.RequestAlertStop', payload: { token: 'a', type: 'TIMER' } });
    expect((reported.at(-1)!.alertsState as { activeAlerts: unknown[] }).activeAlerts).toHaveLength(1);
    apply('StopAlert', { token: 'a', type: 'TIMER' });
    expect(names(reported).slice(-2)).toEqual(['Alerts.RequestAlertStop', 'Alerts.AlertStopped']);
    expect(changes.at(-1)).toMatchObject({ phase: 'stopped', reason: 'user' });
    expect((reported.at(-1)!.alertsState as { activeAlerts: unknown[] }).activeAlerts).toEqual([]);
  });

  it('SynchronizeAlert replaces the set: new ones kept, missing ones removed (a ringing one stops), bad or old entries left out; nothing reported', async () => {
    const { reported, changes, apply, run, now, state, alerts } = setup();
    apply('SetAlert', { token: 'ringing', type: 'TIMER', scheduledTime: iso(now + 1000) });
    apply('SetAlert', { token: 'kept', type: 'ALARM', scheduledTime: iso(now + 3600_000) });
    apply('SetAlert', { token: 'gone', type: 'ALARM', scheduledTime: iso(now + 7200_000) });
    await run(1000);
    reported.length = 0;
    apply('SynchronizeAlert', {
      allAlerts: [
        { token: 'kept', type: 'ALARM', scheduledTime: iso(now + 3600_000) },
        { token: 'new', type: 'REMINDER', scheduledTime: '2026-11-29T20:00:00+09:00', label: 'call' },
        { token: 'bad', type: 'NOPE', scheduledTime: iso(now + 1000) },
        { token: 'old', type: 'TIMER', scheduledTime: iso(now - 2 * 3600_000) },
      ],
    });
    expect(names(reported)).toEqual(['Alerts.AlertStopped']);
    expect(changes.at(-1)).toMatchObject({ phase: 'stopped', token: 'ringing', reason: 'deleted' });
    expect(state.alerts).toEqual({
      allAlerts: [
        { token: 'kept', type: 'ALARM', scheduledTime: iso(now + 3600_000) },
        { token: 'new', type: 'REMINDER', scheduledTime: '2026-11-29T20:00:00+09:00' },
      ],
      activeAlerts: [],
    });
    expect(alerts.summary()).toEqual({ pending: 2, next: { token: 'kept', type: 'ALARM', scheduledTime: iso(now + 3600_000) } });
    apply('SynchronizeAlert', { allAlerts: [] });
    expect(state.alerts).toEqual({ allAlerts: [], activeAlerts: [] });
  });

  it('a SynchronizeAlert listing the ringing alert with the same time leaves it ringing; a just-missed new entry rings at once', async () => {
    const { reported, apply, run, now } = setup();
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) });
    await run(1000);
    apply('SynchronizeAlert', {
      allAlerts: [
        { token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) },
        { token: 'b', type: 'TIMER', scheduledTime: iso(now - 5 * 60_000) }, // missed while offline, within the late limit
      ],
    });
    await settle();
    // b rings at once, which replaces a (spec 4.7).
    expect(reported.map((r) => `${r.name} ${String(r.payload.token ?? '')}`)).toEqual([
      'Alerts.SetAlertSucceeded a',
      'Alerts.AlertStarted a',
      'Alerts.AlertStopped a',
      'Alerts.AlertStarted b',
    ]);
  });

  it('a machine that slept far past an alert drops it with a notice instead of ringing', async () => {
    const { reported, notices, apply, clock, run, now, state } = setup();
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now + 60_000) });
    clock.sleep(3 * 3600_000);
    await run(1000);
    expect(names(reported)).toEqual(['Alerts.SetAlertSucceeded']);
    expect(notices.at(-1)).toMatch(/^a timer set for .* was missed by 179 min/);
    expect(state.alerts!.allAlerts).toEqual([]);
  });

  it('at most 100 alerts: a new one is refused when all wait, and makes room by dropping one that rang and was never deleted', async () => {
    const { reported, apply, run, now, state } = setup({ maxRingMs: 500 });
    apply('SetAlert', { token: 'rings', type: 'TIMER', scheduledTime: iso(now + 1000) });
    for (let i = 1; i < 100; i++) apply('SetAlert', { token: `t${i}`, type: 'ALARM', scheduledTime: iso(now + 3600_000 + i * 1000) });
    apply('SetAlert', { token: 'one-too-many', type: 'ALARM', scheduledTime: iso(now + 7200_000) });
    expect(reported.at(-1)).toMatchObject({ name: 'Alerts.SetAlertFailed', payload: { token: 'one-too-many' } });
    await run(1600); // "rings" rings out and is not deleted by CIC
    expect(names(reported).slice(-2)).toEqual(['Alerts.AlertStarted', 'Alerts.AlertStopped']);
    apply('SetAlert', { token: 'one-too-many', type: 'ALARM', scheduledTime: iso(now + 7200_000) });
    expect(reported.at(-1)).toMatchObject({ name: 'Alerts.SetAlertSucceeded', payload: { token: 'one-too-many' } });
    expect(state.alerts!.allAlerts).toHaveLength(100);
    expect(state.alerts!.allAlerts).not.toContainEqual(expect.objectContaining({ token: 'rings' }));
  });

  it('RequestSynchronizeAlert on every connection', () => {
    const { reported, alerts } = setup();
    alerts.connected();
    alerts.connected();
    expect(reported.map((r) => [r.name, r.payload])).toEqual([
      ['Alerts.RequestSynchronizeAlert', {}],
      ['Alerts.RequestSynchronizeAlert', {}],
    ]);
  });
});

describe('Alerts handler without a device (one-shot commands)', () => {
  it('shows, keeps nothing, reports nothing', () => {
    const { reported, apply, now, state } = setup({ device: false });
    apply('SetAlert', { token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) });
    apply('DeleteAlert', { token: 'a', type: 'TIMER' });
    apply('SynchronizeAlert', { allAlerts: [{ token: 'a', type: 'TIMER', scheduledTime: iso(now + 1000) }] });
    expect(reported).toEqual([]);
    expect(state.alerts).toBeUndefined();
    expect(buildContext(state)[0]).toEqual({ header: { namespace: 'Alerts', name: 'AlertsState' }, payload: { allAlerts: [], activeAlerts: [] } });
  });
});

import { describe, expect, it } from 'vitest';
import { AlertStore, checkAlert, DEFAULT_GRACE_MS, parseAlertTime, type Alert } from '../../../../src/client/device/alerts.js';

const NOW = Date.UTC(2026, 10, 29, 10, 0, 0);

describe('parseAlertTime: ISO 8601 with any UTC offset', () => {
  it('Z, ±hh:mm, ±hhmm and ±hh all give the same instant', () => {
    const utc = Date.UTC(2026, 10, 29, 22, 0, 0);
    for (const text of [
      '2026-11-29T22:00:00Z',
      '2026-11-29T22:00:00z',
      '2026-11-30T07:00:00+09:00',
      '2026-11-30T07:00:00+0900',
      '2026-11-30T07:00:00+09',
      '2026-11-29T17:00:00-05:00',
      '2026-11-29T22:00Z',
      '20261129T220000Z',
      '2026-11-29T21:30:00-00:30',
    ]) {
      expect(parseAlertTime(text), text).toBe(utc);
    }
  });

  it('fractions of a second, and the offset east of UTC moves the instant back', () => {
    expect(parseAlertTime('2026-11-29T10:00:00.250Z')).toBe(NOW + 250);
    expect(parseAlertTime('2026-11-29T10:00:00,5Z')).toBe(NOW + 500);
    expect(parseAlertTime('2026-11-29T10:00:00.123456789+00:00')).toBe(NOW + 123);
    expect(parseAlertTime('2026-11-29T11:00:00+01:00')).toBe(NOW);
    expect(parseAlertTime('2026-11-29T05:15:00-04:45')).toBe(NOW);
  });

  it('refuses what is not a date and time with an offset', () => {
    for (const text of [
      '',
      'tomorrow',
      '2026-11-29',
      '2026-11-29T10:00:00', // no offset: which zone the server meant cannot be told
      '2026-13-01T10:00:00Z',
      '2026-02-30T10:00:00Z',
      '2026-11-29T25:00:00Z',
      '2026-11-29T10:60:00Z',
      '2026-11-29T10:00:00+24:00',
      '2026-11-29T10:00:00 Z',
      '1732874400',
    ]) {
      expect(parseAlertTime(text), text).toBeUndefined();
    }
    expect(parseAlertTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseAlertTime('2026-11-29T24:00:00Z')).toBe(Date.UTC(2026, 10, 30));
  });
});

describe('checkAlert: what a SetAlert must hold to be kept', () => {
  const base = { token: 'tok-1', type: 'TIMER', scheduledTime: '2026-11-29T10:05:00Z' };

  it('keeps the fields as delivered, with the instant it is due', () => {
    const r = checkAlert({ ...base, scheduledTime: '2026-11-29T19:05:00+09:00', label: 'tea' }, NOW);
    expect(r).toEqual({
      ok: true,
      alert: { token: 'tok-1', type: 'TIMER', scheduledTime: '2026-11-29T19:05:00+09:00', dueAt: NOW + 5 * 60_000, label: 'tea', assets: [], assetPlayOrder: [] },
    });
  });

  it('every type of spec 5.8 is known; anything else is refused', () => {
    for (const type of ['ACTIONTIMER', 'ALARM', 'REMINDER', 'TIMER']) expect(checkAlert({ ...base, type }, NOW).ok, type).toBe(true);
    for (const type of ['alarm', 'COUNTDOWN', '', 7]) {
      const r = checkAlert({ ...base, type }, NOW);
      expect(r.ok, String(type)).toBe(false);
    }
    expect(checkAlert({ ...base, type: 'COUNTDOWN' }, NOW)).toEqual({ ok: false, reason: expect.stringMatching(/type "COUNTDOWN" is not one of ACTIONTIMER, ALARM, REMINDER, TIMER/) });
  });

  it('needs a token and a parseable time', () => {
    expect(checkAlert({ ...base, token: undefined }, NOW)).toEqual({ ok: false, reason: 'token is missing' });
    expect(checkAlert({ ...base, token: 'x'.repeat(2049) }, NOW)).toEqual({ ok: false, reason: 'token is longer than 2048 bytes' });
    expect(checkAlert({ ...base, scheduledTime: 'soon' }, NOW)).toEqual({ ok: false, reason: expect.stringMatching(/not an ISO 8601 date and time with an offset/) });
    expect(checkAlert({ ...base, scheduledTime: undefined }, NOW)).toEqual({ ok: false, reason: 'scheduledTime is missing' });
  });

  it('a time in the past is kept within the grace period (it rings at once) and refused beyond it', () => {
    expect(DEFAULT_GRACE_MS).toBe(60_000);
    expect(checkAlert({ ...base, scheduledTime: '2026-11-29T09:59:01Z' }, NOW).ok).toBe(true);
    expect(checkAlert({ ...base, scheduledTime: '2026-11-29T09:59:00Z' }, NOW).ok).toBe(true);
    expect(checkAlert({ ...base, scheduledTime: '2026-11-29T09:58:59Z' }, NOW)).toEqual({ ok: false, reason: 'scheduledTime 2026-11-29T09:58:59Z is 61 s in the past' });
    expect(checkAlert({ ...base, scheduledTime: '2026-11-29T09:00:00Z' }, NOW, 3600_000).ok).toBe(true);
  });

  it('assets: an unusable one is left out, the play order is kept as given', () => {
    const r = checkAlert(
      {
        ...base,
        type: 'REMINDER',
        assets: [
          { assetId: 'a1', url: 'clova://alert/bell/reminder' },
          { assetId: 'a2', url: 'https://example.test/tts.mp3' },
          { assetId: 'a3', url: 'file:///etc/passwd' },
          { url: 'https://example.test/no-id.mp3' },
          null,
        ],
        assetPlayOrder: ['a2', 'a1', 'a2', 7],
      },
      NOW,
    );
    expect(r.ok).toBe(true);
    const alert = (r as { alert: Alert }).alert;
    expect(alert.assets).toEqual([
      { assetId: 'a1', url: 'clova://alert/bell/reminder' },
      { assetId: 'a2', url: 'https://example.test/tts.mp3' },
    ]);
    expect(alert.assetPlayOrder).toEqual(['a2', 'a1', 'a2']);
    expect(checkAlert({ ...base, assets: 'x' }, NOW)).toEqual({ ok: false, reason: 'assets is not a list' });
  });
});

describe('AlertStore', () => {
  const alert = (token: string, minutes: number, type: Alert['type'] = 'TIMER'): Alert => ({
    token,
    type,
    scheduledTime: new Date(NOW + minutes * 60_000).toISOString(),
    dueAt: NOW + minutes * 60_000,
    assets: [],
    assetPlayOrder: [],
  });

  it('adds by token, edits in place (keeping the order), deletes; the state lists AlertInfoObjects only', () => {
    const store = new AlertStore();
    store.set({ ...alert('a', 5), label: 'tea', assets: [{ assetId: 'x', url: 'clova://alert/bell/timer' }] });
    store.set(alert('b', 2, 'ALARM'));
    store.set(alert('a', 9));
    expect(store.size).toBe(2);
    expect(store.state()).toEqual({
      allAlerts: [
        { token: 'a', type: 'TIMER', scheduledTime: alert('a', 9).scheduledTime },
        { token: 'b', type: 'ALARM', scheduledTime: alert('b', 2).scheduledTime },
      ],
      activeAlerts: [],
    });
    expect(store.next()?.token).toBe('b');
    store.get('b')!.phase = 'ringing';
    expect(store.state().activeAlerts).toEqual([{ token: 'b', type: 'ALARM', scheduledTime: alert('b', 2).scheduledTime }]);
    expect(store.next()?.token).toBe('a');
    expect(store.delete('b')).toBe(true);
    expect(store.delete('b')).toBe(false);
    expect(store.state().activeAlerts).toEqual([]);
  });

  it('is bounded', () => {
    const store = new AlertStore(3);
    for (const t of ['a', 'b', 'c']) store.set(alert(t, 1));
    expect(store.full).toBe(true);
  });
});

// What the emulator keeps per client: alerts following the directives it sent and the reports, the
// media player following the AudioPlayer reports and the event context, and the limits on all of it.
import { describe, expect, it } from 'vitest';
import { ClientDevice, ClientDevices, DEVICE_LIMITS } from '../../../src/emulator/device-state.js';
import { buildDirective, buildEvent, type ContextObject } from '../../../src/protocol/messages.js';

const NOW = new Date('2024-03-05T10:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString().replace('.000Z', 'Z');
const setAlert = (token: string, minutes: number, type = 'TIMER') =>
  buildDirective('Alerts', 'SetAlert', { token, type, scheduledTime: at(minutes) });
const ctx = (namespace: string, name: string, payload: Record<string, unknown>): ContextObject => ({ header: { namespace, name }, payload });

describe('alerts', () => {
  it('stores what SetAlert set, drops what DeleteAlert deleted or SetAlertFailed refused, soonest first', () => {
    const d = new ClientDevice();
    d.sent(setAlert('b', 10));
    d.sent(setAlert('a', 5, 'ALARM'));
    d.sent(setAlert('c', 20));
    expect(d.storedAlerts(NOW).map((a) => a.token)).toEqual(['a', 'b', 'c']);
    expect(d.storedAlerts(NOW)[0]).toEqual({ token: 'a', type: 'ALARM', scheduledTime: at(5) });
    d.sent(buildDirective('Alerts', 'DeleteAlert', { token: 'b', type: 'TIMER' }));
    d.alertFailed('c');
    expect(d.storedAlerts(NOW).map((a) => a.token)).toEqual(['a']);
    // A known token edits the alert.
    d.sent(setAlert('a', 30, 'ALARM'));
    expect(d.storedAlerts(NOW)).toEqual([{ token: 'a', type: 'ALARM', scheduledTime: at(30) }]);
  });

  it('marks an alert confirmed on SetAlertSucceeded, taking an unknown one from the AlertsState context', () => {
    const d = new ClientDevice();
    d.sent(setAlert('mine', 5));
    d.alertSet(buildEvent('Alerts', 'SetAlertSucceeded', { token: 'mine', type: 'TIMER' }));
    expect(d.confirmed('mine')).toBe(true);
    const foreign = { token: 'pushed', type: 'ALARM', scheduledTime: at(60) };
    const event = buildEvent('Alerts', 'SetAlertSucceeded', { token: 'pushed', type: 'ALARM' });
    event.context = [ctx('Alerts', 'AlertsState', { allAlerts: [foreign], activeAlerts: [] })];
    d.alertSet(event);
    expect(d.confirmed('pushed')).toBe(true);
    expect(d.storedAlerts(NOW).map((a) => a.token)).toEqual(['mine', 'pushed']);
    d.alertSet(buildEvent('Alerts', 'SetAlertSucceeded', { token: 'nowhere', type: 'ALARM' }));
    expect(d.storedAlerts(NOW)).toHaveLength(2);
  });

  it('replaces the set with what a SynchronizeAlert sent', () => {
    const d = new ClientDevice();
    d.sent(setAlert('old', 5));
    d.sent(buildDirective('Alerts', 'SynchronizeAlert', { allAlerts: [{ token: 'new', type: 'ALARM', scheduledTime: at(9) }, { bad: true }] }));
    expect(d.storedAlerts(NOW).map((a) => a.token)).toEqual(['new']);
  });

  it('knows what rings from AlertStarted/AlertStopped and from the AlertsState context', () => {
    const d = new ClientDevice();
    d.alertStarted({ token: 'x', type: 'TIMER' });
    expect(d.ringing()).toEqual([{ token: 'x', type: 'TIMER' }]);
    const event = buildEvent('TextRecognizer', 'Recognize', { text: 'stop' });
    event.context = [ctx('Alerts', 'AlertsState', { allAlerts: [], activeAlerts: [{ token: 'y', type: 'ALARM', scheduledTime: at(0) }] })];
    expect(d.ringing(event)).toEqual([{ token: 'x', type: 'TIMER' }, { token: 'y', type: 'ALARM' }]);
    d.alertStopped('x');
    expect(d.ringing()).toEqual([]);
  });

  it('drops an alert missed by more than an hour, unless it rings', () => {
    const d = new ClientDevice();
    d.sent(setAlert('missed', -61));
    d.sent(setAlert('ringing', -90));
    d.sent(setAlert('recent', -30));
    d.alertStarted({ token: 'ringing', type: 'TIMER' });
    expect(d.storedAlerts(NOW).map((a) => a.token)).toEqual(['ringing', 'recent']);
  });
});

describe('media', () => {
  const play = (token: string) =>
    buildDirective('AudioPlayer', 'Play', {
      audioItem: { audioItemId: `item-${token}`, stream: { url: 'clova:TR-CIC-blue-loop', urlPlayable: false, token, customData: 'c' } },
      playBehavior: 'REPLACE_ALL',
      source: { name: 's' },
    });

  it('follows the reports, ignoring late ones about an earlier stream', () => {
    const d = new ClientDevice();
    expect(d.playbackNow()).toEqual({ activity: 'IDLE' });
    d.sent(play('t1'));
    expect(d.playbackNow().activity).toBe('IDLE'); // sent is not playing
    d.playbackReport('PlayStarted', { token: 't1', offsetInMilliseconds: 0 });
    expect(d.playbackNow()).toMatchObject({ activity: 'PLAYING', token: 't1', offsetInMilliseconds: 0, stream: { customData: 'c' } });
    d.playbackReport('ProgressReportIntervalPassed', { token: 't1', offsetInMilliseconds: 5000 });
    d.playbackReport('PlayPaused', { token: 't1', offsetInMilliseconds: 6100 });
    expect(d.playbackNow()).toMatchObject({ activity: 'PAUSED', offsetInMilliseconds: 6100 });
    d.playbackReport('PlayResumed', { token: 't1', offsetInMilliseconds: 6100 });
    d.sent(play('t2'));
    d.playbackReport('PlayStarted', { token: 't2', offsetInMilliseconds: 0 });
    d.playbackReport('PlayStopped', { token: 't1', offsetInMilliseconds: 9000 });
    expect(d.playbackNow()).toMatchObject({ activity: 'PLAYING', token: 't2' });
    d.playbackReport('PlayFinished', { token: 't2', offsetInMilliseconds: 30000 });
    expect(d.playbackNow().activity).toBe('FINISHED');
    d.playbackReport('ReportPlaybackState', { playerActivity: 'STOPPED', repeatMode: 'NONE', token: 't2', offsetInMilliseconds: 30000 });
    expect(d.playbackNow().activity).toBe('STOPPED');
    d.playbackReport('ReportPlaybackState', { playerActivity: 'DANCING' });
    expect(d.playbackNow().activity).toBe('STOPPED');
  });

  it('merges StreamDeliver into the stream a Play sent', () => {
    const d = new ClientDevice();
    d.sent(play('t1'));
    d.sent(buildDirective('AudioPlayer', 'StreamDeliver', { audioItemId: 'item-t1', audioStream: { token: 't1', url: 'http://x/media/blue-loop.mp3', urlPlayable: true } }));
    expect(d.stream('t1')).toEqual({ token: 't1', url: 'http://x/media/blue-loop.mp3', urlPlayable: true, customData: 'c' });
  });

  it('prefers the PlaybackState context of the event to the reports', () => {
    const d = new ClientDevice();
    d.playbackReport('PlayStarted', { token: 't1', offsetInMilliseconds: 0 });
    const event = buildEvent('TextRecognizer', 'Recognize', { text: 'pause' });
    event.context = [ctx('AudioPlayer', 'PlaybackState', { playerActivity: 'PAUSED', repeatMode: 'NONE', stream: { token: 't9', customData: 'cic-emulator;track=evening-tide' } })];
    expect(d.playbackNow(event)).toEqual({ activity: 'PAUSED', token: 't9', stream: { token: 't9', customData: 'cic-emulator;track=evening-tide' } });
    event.context = [ctx('AudioPlayer', 'PlaybackState', { playerActivity: 42 })];
    expect(d.playbackNow(event).activity).toBe('PLAYING');
  });
});

describe('limits', () => {
  it('keeps at most DEVICE_LIMITS.alerts alerts per client, the oldest set going first, and says when there is no room', () => {
    const d = new ClientDevice();
    for (let i = 0; i < DEVICE_LIMITS.alerts + 5; i++) d.sent(setAlert(`t${i}`, 10 + i));
    const kept = d.storedAlerts(NOW);
    expect(kept).toHaveLength(DEVICE_LIMITS.alerts);
    expect(kept[0]!.token).toBe('t5');
    expect(d.alertRoom()).toBe(0);
    for (let i = 0; i < DEVICE_LIMITS.alerts + 5; i++) d.alertStarted({ token: `r${i}`, type: 'TIMER' });
    expect(d.ringing()).toHaveLength(DEVICE_LIMITS.alerts);
  });

  it('remembers the streams of the last plays only', () => {
    const d = new ClientDevice({ clients: 2, alerts: 2, streams: 3 });
    for (const t of ['a', 'b', 'c', 'd']) {
      d.sent(buildDirective('AudioPlayer', 'Play', { audioItem: { audioItemId: t, stream: { token: t, url: 'u' } }, playBehavior: 'ENQUEUE', source: { name: 's' } }));
    }
    expect(d.stream('a')).toBeUndefined();
    expect(d.stream('d')).toEqual({ token: 'd', url: 'u' });
  });

  it('remembers the clients seen last, each with its own device', () => {
    const devices = new ClientDevices({ clients: 3, alerts: 2, streams: 2 });
    const first = devices.of('one');
    first.sent(setAlert('x', 5));
    expect(devices.of('one')).toBe(first);
    for (const c of ['two', 'three', 'four']) devices.of(c);
    expect(devices.size).toBe(3);
    expect(devices.of('one')).not.toBe(first);
    expect(devices.of('one').storedAlerts(NOW)).toEqual([]);
  });
});

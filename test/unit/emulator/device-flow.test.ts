// The emulator keeping per-client state like CIC, over real HTTP/2: alerts it set and their
// reports (sync, cancel, stop, AlertStopped → DeleteAlert on the downchannel), media following the
// AudioPlayer reports and the context, StreamRequested → StreamDeliver, and the button reports.
import { describe, expect, it } from 'vitest';
import { trackById, trackMp3 } from '../../../src/emulator/media-library.js';
import { buildDirective, buildEvent, type ContextObject, type DirectiveMessage, type EventMessage } from '../../../src/protocol/messages.js';
import { openEvent, readyDownchannel, sendEvent, shape, textEvent, useEmulator, type Response } from './h2-client.js';

const { start, session } = useEmulator();

// A fixed clock, so that alert times are known exactly.
const T0 = new Date('2030-06-01T12:00:00Z');
const stamp = (ms: number) => new Date(T0.getTime() + ms).toISOString().replace('.000Z', 'Z');

async function setup() {
  const emu = await start({ now: () => new Date(T0.getTime()), recognizer: 'off' });
  const s = await session();
  const dc = await readyDownchannel(s);
  return { emu, s, dc };
}

function event(namespace: string, name: string, payload: Record<string, unknown>, context: ContextObject[] = []): EventMessage {
  const e = buildEvent(namespace, name, payload);
  e.context = context;
  return e;
}

function directives(r: Response): DirectiveMessage[] {
  return r.parts.filter((p) => p.json).map((p) => p.json!);
}

function one(r: Response, qualified: string): DirectiveMessage['directive'] {
  const d = directives(r).find((m) => `${m.directive.header.namespace}.${m.directive.header.name}` === qualified);
  if (!d) throw new Error(`${qualified} missing in ${shape(r.parts).join(', ')}`);
  return d.directive;
}

function text(r: Response): string | undefined {
  return directives(r).find((m) => m.directive.header.name === 'RenderText')?.directive.payload.text as string | undefined;
}

const playing = (stream: Record<string, unknown>, activity = 'PLAYING'): ContextObject => ({
  header: { namespace: 'AudioPlayer', name: 'PlaybackState' },
  payload: { playerActivity: activity, repeatMode: 'NONE', offsetInMilliseconds: 1000, stream },
});

describe('alerts stored per client', () => {
  it('stores the timers and alarms it set, syncs them back, cancels them and drops refused ones', async () => {
    const { s } = await setup();
    const timerAnswer = await sendEvent(s, textEvent('set a timer for five seconds'));
    const timer = one(timerAnswer, 'Alerts.SetAlert').payload;
    expect(timer).toMatchObject({ type: 'TIMER', scheduledTime: stamp(5000) });
    const refused = one(await sendEvent(s, textEvent('set an alarm for six pm')), 'Alerts.SetAlert').payload;
    const alarm = one(await sendEvent(s, textEvent('7시 30분에 알람 맞춰줘')), 'Alerts.SetAlert').payload;

    const ok = await sendEvent(s, event('Alerts', 'SetAlertSucceeded', { token: timer.token, type: 'TIMER' }));
    expect(shape(ok.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderTemplate']);
    // The user last spoke Korean: the confirmation is Korean.
    expect(one(ok, 'Clova.RenderTemplate').payload).toMatchObject({ type: 'Alarm', failureMessage: { value: '타이머를 맞췄어요.' } });
    const failed = await sendEvent(s, event('Alerts', 'SetAlertFailed', { token: refused.token, type: 'ALARM' }));
    expect(text(failed)).toBe('죄송해요. 알람을 맞추지 못했어요.');

    const sync = await sendEvent(s, event('Alerts', 'RequestSynchronizeAlert', {}));
    expect(sync.status).toBe(200);
    expect(shape(sync.parts)).toEqual(['Alerts.SynchronizeAlert']);
    expect(one(sync, 'Alerts.SynchronizeAlert').payload).toEqual({ allAlerts: [timer, alarm] });
    expect(one(sync, 'Alerts.SynchronizeAlert').header.dialogRequestId).toBeUndefined();
    const state = await sendEvent(s, event('System', 'RequestSynchronizeState', {}));
    expect(one(state, 'System.SynchronizeState').payload).toEqual({ allAlerts: [timer, alarm] });

    const cancelled = await sendEvent(s, textEvent('cancel the timer'));
    expect(text(cancelled)).toBe('I cancelled your timer.');
    expect(one(cancelled, 'Alerts.DeleteAlert').payload).toEqual({ token: timer.token, type: 'TIMER' });
    expect(one(await sendEvent(s, event('Alerts', 'RequestSynchronizeAlert', {})), 'Alerts.SynchronizeAlert').payload).toEqual({ allAlerts: [alarm] });
    expect(text(await sendEvent(s, textEvent('cancel the timer')))).toBe('You have no timers set.');
    const ko = await sendEvent(s, textEvent('알람 취소해줘'));
    expect(text(ko)).toBe('알람을 취소했어요.');
    expect(one(await sendEvent(s, event('Alerts', 'RequestSynchronizeAlert', {})), 'Alerts.SynchronizeAlert').payload).toEqual({ allAlerts: [] });
  });

  it('keeps each token apart', async () => {
    const { s } = await setup();
    await sendEvent(s, textEvent('set a timer for one minute'));
    const other = await session();
    await readyDownchannel(other, 'another-token');
    const sync = await sendEvent(other, event('Alerts', 'RequestSynchronizeAlert', {}), { token: 'another-token' });
    expect(one(sync, 'Alerts.SynchronizeAlert').payload).toEqual({ allAlerts: [] });
  });

  it('stores an alert pushed through the test hook', async () => {
    const { emu, s, dc } = await setup();
    const pushed = { token: 'pushed-1', type: 'REMINDER', scheduledTime: stamp(60_000), label: 'tea' };
    expect(emu.push(buildDirective('Alerts', 'SetAlert', pushed))).toBe(1);
    await dc.waitParts(2);
    const sync = await sendEvent(s, event('Alerts', 'RequestSynchronizeAlert', {}));
    expect(one(sync, 'Alerts.SynchronizeAlert').payload).toEqual({ allAlerts: [pushed] });
  });

  it('stops what rings on "stop", and deletes a stopped one-off alert on the downchannel', async () => {
    const { emu, s, dc } = await setup();
    const timer = one(await sendEvent(s, textEvent('5초 타이머 맞춰줘')), 'Alerts.SetAlert').payload;
    const id = { token: timer.token, type: 'TIMER' };
    await sendEvent(s, event('Alerts', 'SetAlertSucceeded', id));
    const started = await sendEvent(s, event('Alerts', 'AlertStarted', id));
    expect(started.status).toBe(204);

    for (const words of ['stop', '그만']) {
      const stop = await sendEvent(s, textEvent(words));
      expect(shape(stop.parts)).toEqual(['Alerts.StopAlert']);
      expect(one(stop, 'Alerts.StopAlert').payload).toEqual(id);
    }
    const button = await sendEvent(s, event('Alerts', 'RequestAlertStop', id));
    expect(one(button, 'Alerts.StopAlert').payload).toEqual(id);

    const partsBefore = dc.parts.length;
    const stopped = await sendEvent(s, event('Alerts', 'AlertStopped', id));
    expect(stopped.status).toBe(204);
    expect(stopped.body.length).toBe(0);
    const [deleted] = (await dc.waitParts(partsBefore + 1)).slice(partsBefore);
    expect(deleted!.json!.directive.header).toMatchObject({ namespace: 'Alerts', name: 'DeleteAlert' });
    expect(deleted!.json!.directive.header.dialogRequestId).toBeUndefined();
    expect(deleted!.json!.directive.payload).toEqual(id);
    expect(one(await sendEvent(s, event('Alerts', 'RequestSynchronizeAlert', {})), 'Alerts.SynchronizeAlert').payload).toEqual({ allAlerts: [] });
    // Nothing rings any more: "stop" has nothing to stop.
    expect(text(await sendEvent(s, textEvent('stop')))).toBe('There is nothing to stop.');
    // Every event is in the wire record, in order.
    expect(emu.record.events.map((e) => e.message.event.header.name)).toEqual([
      'Recognize',
      'SetAlertSucceeded',
      'AlertStarted',
      'Recognize',
      'Recognize',
      'RequestAlertStop',
      'AlertStopped',
      'RequestSynchronizeAlert',
      'Recognize',
    ]);
  });

  it('treats the activeAlerts of the context as ringing', async () => {
    const { s } = await setup();
    const e = textEvent('stop');
    e.context = [{ header: { namespace: 'Alerts', name: 'AlertsState' }, payload: { allAlerts: [], activeAlerts: [{ token: 'x', type: 'ALARM', scheduledTime: stamp(0) }] } }];
    expect(one(await sendEvent(s, e), 'Alerts.StopAlert').payload).toEqual({ token: 'x', type: 'ALARM' });
  });

  it('answers AlertStopped with DeleteAlert in the response when the downchannel is gone', async () => {
    const { emu, s, dc } = await setup();
    const req = openEvent(s, event('Alerts', 'AlertStopped', { token: 'gone', type: 'ALARM' }));
    await emu.waitFor((r) => r.events.length === 1);
    dc.stream.close();
    await emu.waitFor((r) => r.downchannels.every((d) => d.endedAt !== undefined));
    req.end();
    const r = await req.response;
    expect(r.status).toBe(200);
    expect(one(r, 'Alerts.DeleteAlert').payload).toEqual({ token: 'gone', type: 'ALARM' });
  });
});

describe('media following the reports', () => {
  it('plays, pauses, resumes, skips and stops as the reports say (English and Korean)', async () => {
    const { emu, s } = await setup();
    for (const [play, pause, resume, next, stop] of [
      ['play some music', 'pause', 'resume', 'next song', 'stop'],
      ['음악 틀어줘', '일시정지', '다시 재생', '다음 곡', '그만'],
    ]) {
      const first = await sendEvent(s, textEvent(play!));
      const item = one(first, 'AudioPlayer.Play').payload.audioItem as { audioItemId: string; stream: { token: string; url: string } };
      expect(item.stream.url).toBe(`${emu.url}/media/morning-walk.mp3`);
      // Sent is not playing: nothing to pause until PlayStarted.
      expect(shape((await sendEvent(s, textEvent(pause!))).parts)).toContain('SpeechSynthesizer.Speak');
      await sendEvent(s, event('AudioPlayer', 'PlayStarted', { token: item.stream.token, offsetInMilliseconds: 0 }));
      const paused = await sendEvent(s, textEvent(pause!));
      expect(shape(paused.parts)).toEqual(['PlaybackController.Pause']);
      await sendEvent(s, event('AudioPlayer', 'PlayPaused', { token: item.stream.token, offsetInMilliseconds: 2500 }));
      const resumed = await sendEvent(s, textEvent(resume!));
      expect(shape(resumed.parts)).toEqual(['PlaybackController.Resume']);
      await sendEvent(s, event('AudioPlayer', 'PlayResumed', { token: item.stream.token, offsetInMilliseconds: 2500 }));
      const skipped = await sendEvent(s, textEvent(next!));
      expect(shape(skipped.parts)).toEqual(['AudioPlayer.Play']);
      const nextItem = one(skipped, 'AudioPlayer.Play').payload.audioItem as { titleText: string; stream: { token: string } };
      expect(nextItem.titleText).toBe('Evening Tide');
      await sendEvent(s, event('AudioPlayer', 'PlayStopped', { token: item.stream.token, offsetInMilliseconds: 3000 }));
      await sendEvent(s, event('AudioPlayer', 'PlayStarted', { token: nextItem.stream.token, offsetInMilliseconds: 0 }));
      const stopped = await sendEvent(s, textEvent(stop!));
      expect(shape(stopped.parts)).toEqual(['PlaybackController.Stop']);
      await sendEvent(s, event('AudioPlayer', 'PlayStopped', { token: nextItem.stream.token, offsetInMilliseconds: 800 }));
      expect(shape((await sendEvent(s, textEvent(stop!))).parts)).toContain('SpeechSynthesizer.Speak');
    }
  });

  it('goes by the PlaybackState context of the event, and asks for a report on "what is playing"', async () => {
    const { s } = await setup();
    const stream = { token: 'ctx-token', url: 'clova:TR-CIC-blue-loop', urlPlayable: false, customData: 'cic-emulator;track=blue-loop' };
    const ask = textEvent('what is playing');
    ask.context = [playing(stream)];
    const r = await sendEvent(s, ask);
    expect(text(r)).toBe('This is Blue Loop by Port Zero Radio.');
    expect(one(r, 'AudioPlayer.ExpectReportPlaybackState').payload).toEqual({});
    const report = await sendEvent(s, event('AudioPlayer', 'ReportPlaybackState', { playerActivity: 'PAUSED', repeatMode: 'NONE', token: 'ctx-token', offsetInMilliseconds: 4000, stream }));
    expect(report.status).toBe(204);
    // Without context, the report decides: paused, so "resume" resumes.
    expect(shape((await sendEvent(s, textEvent('resume'))).parts)).toEqual(['PlaybackController.Resume']);
    // With a context saying IDLE, there is nothing to resume.
    const idle = textEvent('resume');
    idle.context = [{ header: { namespace: 'AudioPlayer', name: 'PlaybackState' }, payload: { playerActivity: 'IDLE', repeatMode: 'NONE' } }];
    expect(text(await sendEvent(s, idle))).toBe('There is nothing to resume.');
    // "next" after Blue Loop wraps around to the first track.
    const next = textEvent('next song');
    next.context = [playing(stream)];
    expect((one(await sendEvent(s, next), 'AudioPlayer.Play').payload.audioItem as { titleText: string }).titleText).toBe('Morning Walk');
  });

  it('answers StreamRequested with a StreamDeliver whose URL it serves', async () => {
    const { emu, s } = await setup();
    const radio = await sendEvent(s, textEvent('play the radio'));
    const item = one(radio, 'AudioPlayer.Play').payload.audioItem as { audioItemId: string; stream: Record<string, unknown> & { token: string } };
    expect(item.stream).toMatchObject({ url: 'clova:TR-CIC-blue-loop', urlPlayable: false });
    const r = await sendEvent(s, event('AudioPlayer', 'StreamRequested', { audioItemId: item.audioItemId, audioStream: item.stream }));
    expect(r.status).toBe(200);
    expect(shape(r.parts)).toEqual(['AudioPlayer.StreamDeliver']);
    const deliver = one(r, 'AudioPlayer.StreamDeliver');
    expect(deliver.header.dialogRequestId).toBeUndefined();
    expect(deliver.payload).toEqual({
      audioItemId: item.audioItemId,
      audioStream: { url: `${emu.url}/media/blue-loop.mp3`, urlPlayable: true, token: item.stream.token, beginAtInMilliseconds: 0 },
    });
    const res = await fetch((deliver.payload.audioStream as { url: string }).url);
    expect(Buffer.from(await res.arrayBuffer()).equals(await trackMp3(trackById('blue-loop')!))).toBe(true);

    const bad = [{}, { audioItemId: 'x' }, { audioItemId: 'x', audioStream: { token: 't', url: 'https://elsewhere/x.mp3' } }];
    for (const payload of bad) expect((await sendEvent(s, event('AudioPlayer', 'StreamRequested', payload))).status).toBe(400);
  }, 30_000);

  it('decides on the button reports (spec 5.7) as the media is', async () => {
    const { s } = await setup();
    const press = async (name: string, payload: Record<string, unknown> = {}) => sendEvent(s, event('PlaybackController', name, payload));
    for (const name of ['PauseCommandIssued', 'ResumeCommandIssued', 'StopCommandIssued', 'NextCommandIssued', 'PreviousCommandIssued']) {
      expect((await press(name)).status, name).toBe(204);
    }
    const item = one(await sendEvent(s, textEvent('play some music')), 'AudioPlayer.Play').payload.audioItem as { stream: { token: string } };
    await sendEvent(s, event('AudioPlayer', 'PlayStarted', { token: item.stream.token, offsetInMilliseconds: 0 }));
    expect((await press('PauseCommandIssued', { source: { namespace: 'SpeechSynthesizer' } })).status).toBe(204);
    const pause = await press('PauseCommandIssued', { source: { namespace: 'AudioPlayer' } });
    expect(one(pause, 'PlaybackController.Pause').payload).toEqual({ target: { namespace: 'AudioPlayer' } });
    expect((await press('ResumeCommandIssued')).status).toBe(204); // still playing
    await sendEvent(s, event('AudioPlayer', 'PlayPaused', { token: item.stream.token, offsetInMilliseconds: 900 }));
    expect(shape((await press('ResumeCommandIssued')).parts)).toEqual(['PlaybackController.Resume']);
    expect((one(await press('NextCommandIssued'), 'AudioPlayer.Play').payload.audioItem as { titleText: string }).titleText).toBe('Evening Tide');
    expect((one(await press('PreviousCommandIssued'), 'AudioPlayer.Play').payload.audioItem as { titleText: string }).titleText).toBe('Blue Loop');
    expect(shape((await press('StopCommandIssued')).parts)).toEqual(['PlaybackController.Stop']);
    expect((await press('PlayCommandIssued')).status).toBe(204);
  });
});

describe('volume and mute over the wire', () => {
  it('answers with the directive only, no Speak', async () => {
    const { s } = await setup();
    for (const [words, name, payload] of [
      ['set the volume to five', 'DeviceControl.SetValue', { target: 'volume', value: '5' }],
      ['볼륨 5로 해줘', 'DeviceControl.SetValue', { target: 'volume', value: '5' }],
      ['음소거', 'PlaybackController.Mute', {}],
      ['unmute', 'PlaybackController.Unmute', {}],
    ] as const) {
      const e = textEvent(words);
      const r = await sendEvent(s, e);
      expect(shape(r.parts)).toEqual([name]);
      expect(one(r, name).payload).toEqual(payload);
      expect(one(r, name).header.dialogRequestId).toBe(e.event.header.dialogRequestId);
    }
  });
});

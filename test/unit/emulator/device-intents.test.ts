// The alert, media, volume and mute intents of the emulator's brain (understand() with a device
// view), in English and Korean: which directives each answer carries, and with what payloads.
import { describe, expect, it } from 'vitest';
import type { AlertPayload } from '../../../src/emulator/device-state.js';
import { idleDevice, type DeviceView } from '../../../src/emulator/intent-kit.js';
import {
  alertTimestamp,
  requestedDuration,
  requestedTime,
  requestedVolume,
  understand,
  type IntentReply,
} from '../../../src/emulator/intents.js';
import { PROGRESS_REPORT, TRACK_MS, TRACKS, trackById } from '../../../src/emulator/media-library.js';
import type { DirectiveMessage } from '../../../src/protocol/messages.js';

// 2024-03-05 19:05:00 local time, whatever the machine's time zone.
const NOW = new Date(2024, 2, 5, 19, 5, 0);
const BASE = 'http://127.0.0.1:4567';
const DRID = 'dialog-1';

function device(over: Partial<DeviceView> = {}): DeviceView {
  return { ...idleDevice(BASE), ...over };
}

function answer(text: string, view: DeviceView = device()): { reply: IntentReply; directives: DirectiveMessage[] } {
  const reply = understand(text, NOW, view);
  return { reply, directives: reply.directives(DRID) };
}

const names = (ds: DirectiveMessage[]) => ds.map((d) => `${d.directive.header.namespace}.${d.directive.header.name}`);

const alarmAt = (token: string, type: string, at: Date): AlertPayload => ({ token, type, scheduledTime: alertTimestamp(at) });

describe('timers', () => {
  it.each([
    ['set a timer for five seconds', 'en', 5, 'OK, a timer for 5 seconds, starting now.'],
    ['set a timer for 90 seconds', 'en', 90, 'OK, a timer for 1 minute 30 seconds, starting now.'],
    ['set a timer for one minute', 'en', 60, 'OK, a timer for 1 minute, starting now.'],
    ['set a timer for three minutes', 'en', 180, 'OK, a timer for 3 minutes, starting now.'],
    ['timer for 1 hour and twenty-five minutes', 'en', 5100, 'OK, a timer for 1 hour 25 minutes, starting now.'],
    ['5초 타이머 맞춰줘', 'ko', 5, '5초 타이머를 시작할게요.'],
    ['타이머 3분 설정해줘', 'ko', 180, '3분 타이머를 시작할게요.'],
    ['1분 30초 타이머', 'ko', 90, '1분 30초 타이머를 시작할게요.'],
  ] as const)('%s: a TIMER at now + N with the timer bell', (text, _lang, seconds, said) => {
    const { reply, directives } = answer(text);
    expect(reply.intent).toBe('timer');
    expect(reply.text).toBe(said);
    expect(names(directives)).toEqual(['Alerts.SetAlert']);
    const set = directives[0]!.directive;
    expect(set.header.dialogRequestId).toBe(DRID);
    const p = set.payload as { token: string; type: string; scheduledTime: string; assets: { assetId: string; url: string }[]; assetPlayOrder: string[] };
    expect(p.type).toBe('TIMER');
    expect(p.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.scheduledTime).toBe(alertTimestamp(new Date(NOW.getTime() + seconds * 1000)));
    expect(p.assets).toEqual([{ assetId: expect.stringMatching(/^[0-9a-f-]{36}$/), url: 'clova://alert/bell/timer' }]);
    expect(p.assetPlayOrder).toEqual([p.assets[0]!.assetId]);
  });

  it('rounds the time up to a whole second, asks how long without a duration, and refuses beyond 24 hours or without room', () => {
    const odd = new Date(NOW.getTime() + 400);
    const set = understand('set a timer for 3 seconds', odd, device()).directives(DRID)[0]!.directive.payload;
    expect(set.scheduledTime).toBe(alertTimestamp(new Date(NOW.getTime() + 4000)));
    for (const [text, said] of [
      ['set a timer', 'For how long? Say, for example: set a timer for five minutes.'],
      ['타이머 맞춰줘', '몇 분으로 맞출까요? 예를 들어 "5분 타이머 맞춰줘"라고 말해 주세요.'],
      ['set a timer for 25 hours', 'A timer can run for at most 24 hours.'],
    ]) {
      const { reply, directives } = answer(text!);
      expect(reply.text).toBe(said);
      expect(directives).toEqual([]);
    }
    const full = answer('set a timer for five seconds', device({ alertRoom: 0 }));
    expect(full.reply.text).toBe('You have too many alarms and timers. Cancel some first.');
    expect(full.directives).toEqual([]);
  });

  it('reads durations in digits and words', () => {
    expect(requestedDuration('set a timer for thirty seconds')).toBe(30);
    expect(requestedDuration('a 2 minute timer')).toBe(120);
    expect(requestedDuration('timer for an hour')).toBe(3600);
    expect(requestedDuration('timer for forty-five secs')).toBe(45);
    expect(requestedDuration('1시간 타이머')).toBe(3600);
    expect(requestedDuration('set a timer')).toBe(0);
  });
});

describe('alarms', () => {
  it.each([
    ['set an alarm for 7:30', 'en', new Date(2024, 2, 6, 7, 30), 'OK, I set an alarm for 7:30 AM.'],
    ['set an alarm for seven thirty', 'en', new Date(2024, 2, 6, 7, 30), 'OK, I set an alarm for 7:30 AM.'],
    ['set an alarm for seven thirty pm', 'en', new Date(2024, 2, 5, 19, 30), 'OK, I set an alarm for 7:30 PM.'],
    ['7시 30분에 알람 맞춰줘', 'ko', new Date(2024, 2, 6, 7, 30), '오전 7시 30분에 알람을 맞췄어요.'],
    ['오후 7시 반에 알람', 'ko', new Date(2024, 2, 5, 19, 30), '오후 7시 30분에 알람을 맞췄어요.'],
  ] as const)('%s: an ALARM at the next such time', (text, _lang, at, said) => {
    const { reply, directives } = answer(text);
    expect(reply.intent).toBe('alarm');
    expect(reply.text).toBe(said);
    expect(names(directives)).toEqual(['Alerts.SetAlert']);
    expect(directives[0]!.directive.payload).toEqual({ token: expect.any(String), type: 'ALARM', scheduledTime: alertTimestamp(at) });
  });

  it('reads minutes in words', () => {
    expect(requestedTime('wake me up at six fifteen')).toEqual({ hour: 6, minute: 15 });
    expect(requestedTime("at nine o'clock")).toEqual({ hour: 9, minute: 0 });
    expect(requestedTime('for 11:45 pm')).toEqual({ hour: 23, minute: 45 });
  });
});

describe('cancelling', () => {
  const timer = alarmAt('t-1', 'TIMER', new Date(NOW.getTime() + 60_000));
  const alarm1 = alarmAt('a-1', 'ALARM', new Date(2024, 2, 6, 7, 0));
  const alarm2 = alarmAt('a-2', 'ALARM', new Date(2024, 2, 6, 8, 0));
  const view = device({ alerts: [timer, alarm1, alarm2] });

  it.each([
    ['cancel my alarms', ['a-1', 'a-2'], 'I cancelled 2 alarms.'],
    ['cancel my alarm', ['a-1', 'a-2'], 'I cancelled 2 alarms.'],
    ['cancel the timer', ['t-1'], 'I cancelled your timer.'],
    ['cancel all alerts', ['t-1', 'a-1', 'a-2'], 'I cancelled 3 alerts.'],
    ['알람 취소해줘', ['a-1', 'a-2'], '알람 2개를 취소했어요.'],
    ['타이머 취소', ['t-1'], '타이머를 취소했어요.'],
  ] as const)('%s: DeleteAlert for the stored ones', (text, tokens, said) => {
    const { reply, directives } = answer(text, view);
    expect(reply.intent).toBe('cancel');
    expect(reply.text).toBe(said);
    expect(directives.map((d) => d.directive.payload)).toEqual(
      tokens.map((t) => ({ token: t, type: [timer, alarm1, alarm2].find((a) => a.token === t)!.type })),
    );
    expect(names(directives).every((n) => n === 'Alerts.DeleteAlert')).toBe(true);
    expect(directives.every((d) => d.directive.header.dialogRequestId === DRID)).toBe(true);
  });

  it.each([
    ['cancel my alarms', 'You have no alarms set.'],
    ['cancel the timer', 'You have no timers set.'],
    ['알람 취소해줘', '취소할 알람이 없어요.'],
    ['타이머 취소해줘', '취소할 타이머가 없어요.'],
  ])('%s with nothing stored: says so', (text, said) => {
    const { reply, directives } = answer(text, device({ alerts: [alarmAt('r-1', 'REMINDER', NOW)] }));
    expect(reply.text).toBe(said);
    expect(directives).toEqual([]);
  });
});

describe('stop', () => {
  it.each(['stop', '그만', '알람 꺼줘', 'turn off the alarm'])('%s while alerts ring: StopAlert for each, without speech', (text) => {
    const ringing = [{ token: 'a-1', type: 'ALARM' }, { token: 't-1', type: 'TIMER' }];
    const { reply, directives } = answer(text, device({ ringing, playback: { activity: 'PLAYING', track: TRACKS[0]! } }));
    expect(reply.intent).toBe('stop');
    expect(reply.text).toBeUndefined();
    expect(names(directives)).toEqual(['Alerts.StopAlert', 'Alerts.StopAlert']);
    expect(directives.map((d) => d.directive.payload)).toEqual(ringing);
  });

  it.each(['stop', 'stop the music', '그만', '멈춰'])('%s while media plays: PlaybackController.Stop', (text) => {
    for (const activity of ['PLAYING', 'PAUSED'] as const) {
      const { reply, directives } = answer(text, device({ playback: { activity } }));
      expect(reply.text).toBeUndefined();
      expect(names(directives)).toEqual(['PlaybackController.Stop']);
      expect(directives[0]!.directive.payload).toEqual({ target: { namespace: 'AudioPlayer' } });
    }
  });

  it('says when there is nothing to stop', () => {
    expect(answer('stop', device({ playback: { activity: 'STOPPED' } })).reply.text).toBe('There is nothing to stop.');
    expect(answer('그만').reply.text).toBe('멈출 것이 없어요.');
  });
});

describe('music', () => {
  it.each([
    ['play some music', 'morning-walk', 'Playing Morning Walk by The Loopback Trio.'],
    ['음악 틀어줘', 'morning-walk', 'The Loopback Trio의 Morning Walk를 재생할게요.'],
    ['play evening tide', 'evening-tide', 'Playing Evening Tide by The Loopback Trio.'],
  ] as const)('%s: AudioPlayer.Play REPLACE_ALL of a served MP3', (text, id, said) => {
    const { reply, directives } = answer(text);
    expect(reply.intent).toBe('music');
    expect(reply.text).toBe(said);
    expect(names(directives)).toEqual(['AudioPlayer.Play']);
    const play = directives[0]!.directive;
    expect(play.header.dialogRequestId).toBe(DRID);
    const track = trackById(id)!;
    expect(play.payload).toEqual({
      audioItem: {
        audioItemId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        stream: {
          url: `${BASE}/media/${id}.mp3`,
          urlPlayable: true,
          token: expect.stringMatching(/^[0-9a-f-]{36}$/),
          beginAtInMilliseconds: 0,
          durationInMilliseconds: TRACK_MS,
          format: 'audio/mpeg',
          progressReport: PROGRESS_REPORT,
          customData: `cic-emulator;track=${id}`,
        },
        titleText: track.title,
        titleSubText1: track.artist,
        titleSubText2: track.album,
        type: 'cic-emulator',
      },
      playBehavior: 'REPLACE_ALL',
      source: { name: 'CIC emulator' },
    });
  });

  it.each(['play the radio', 'put on some jazz', '라디오 틀어줘', '재즈 틀어줘'])('%s: a Play with urlPlayable false (clova:TR-…)', (text) => {
    const { directives } = answer(text);
    const stream = (directives[0]!.directive.payload.audioItem as { stream: Record<string, unknown> }).stream;
    expect(stream).toMatchObject({
      url: 'clova:TR-CIC-blue-loop',
      urlPlayable: false,
      progressReport: { ...PROGRESS_REPORT, progressReportPositionInMilliseconds: null },
    });
  });

  it('gives fresh audioItemIds and tokens every time', () => {
    const a = answer('play some music').directives[0]!.directive.payload.audioItem as { audioItemId: string; stream: { token: string } };
    const b = answer('play some music').directives[0]!.directive.payload.audioItem as { audioItemId: string; stream: { token: string } };
    expect(a.audioItemId).not.toBe(b.audioItemId);
    expect(a.stream.token).not.toBe(b.stream.token);
  });

  it.each([
    ['pause', 'PLAYING', 'PlaybackController.Pause'],
    ['pause the music', 'PLAYING', 'PlaybackController.Pause'],
    ['일시정지', 'PLAYING', 'PlaybackController.Pause'],
    ['resume', 'PAUSED', 'PlaybackController.Resume'],
    ['resume the music', 'STOPPED', 'PlaybackController.Resume'],
    ['다시 재생', 'PAUSED', 'PlaybackController.Resume'],
  ] as const)('%s while %s: %s, without speech', (text, activity, name) => {
    const { reply, directives } = answer(text, device({ playback: { activity } }));
    expect(reply.text).toBeUndefined();
    expect(names(directives)).toEqual([name]);
    expect(directives[0]!.directive.payload).toEqual({ target: { namespace: 'AudioPlayer' } });
    expect(directives[0]!.directive.header.dialogRequestId).toBe(DRID);
  });

  it.each([
    ['pause', 'IDLE', 'Nothing is playing.'],
    ['pause', 'PAUSED', 'The music is already paused.'],
    ['일시정지', 'FINISHED', '재생 중인 음악이 없어요.'],
    ['resume', 'PLAYING', 'The music is already playing.'],
    ['resume', 'IDLE', 'There is nothing to resume.'],
    ['다시 재생', 'IDLE', '다시 재생할 음악이 없어요.'],
  ] as const)('%s while %s: says "%s"', (text, activity, said) => {
    const { reply, directives } = answer(text, device({ playback: { activity } }));
    expect(reply.text).toBe(said);
    expect(directives).toEqual([]);
  });

  it.each([
    ['next song', 'morning-walk', 'evening-tide'],
    ['다음 곡', 'evening-tide', 'blue-loop'],
    ['next song', 'blue-loop', 'morning-walk'],
    ['previous song', 'morning-walk', 'blue-loop'],
    ['이전 곡', 'evening-tide', 'morning-walk'],
  ] as const)('%s after %s: a new Play of %s', (text, from, to) => {
    const { reply, directives } = answer(text, device({ playback: { activity: 'PLAYING', track: trackById(from)! } }));
    expect(reply.text).toBeUndefined();
    expect(names(directives)).toEqual(['AudioPlayer.Play']);
    expect(directives[0]!.directive.payload).toMatchObject({ playBehavior: 'REPLACE_ALL', audioItem: { titleText: trackById(to)!.title } });
  });

  it.each([
    ['add some music to the queue', 'evening-tide', 'Added Evening Tide to the queue.'],
    ['queue blue loop', 'blue-loop', 'Added Blue Loop to the queue.'],
    ['재생 목록에 추가해줘', 'evening-tide', 'Evening Tide를 재생 목록에 추가했어요.'],
  ] as const)('%s: a Play with ENQUEUE', (text, id, said) => {
    const { reply, directives } = answer(text, device({ playback: { activity: 'PLAYING', track: trackById('morning-walk')! } }));
    expect(reply.intent).toBe('queue');
    expect(reply.text).toBe(said);
    expect(directives[0]!.directive.payload).toMatchObject({ playBehavior: 'ENQUEUE', audioItem: { titleText: trackById(id)!.title } });
  });

  it.each(['clear the queue', 'empty my playlist', '재생 목록 비워줘'])('%s: AudioPlayer.ClearQueue CLEAR_ALL, without speech', (text) => {
    const { reply, directives } = answer(text);
    expect(reply.text).toBeUndefined();
    expect(names(directives)).toEqual(['AudioPlayer.ClearQueue']);
    expect(directives[0]!.directive.payload).toEqual({ clearBehavior: 'CLEAR_ALL' });
  });

  it('says what is playing and asks for the playback state', () => {
    const playing = answer('what is playing', device({ playback: { activity: 'PLAYING', track: TRACKS[1]! } }));
    expect(playing.reply.text).toBe('This is Evening Tide by The Loopback Trio.');
    expect(names(playing.directives)).toEqual(['AudioPlayer.ExpectReportPlaybackState']);
    expect(answer('무슨 노래야?', device({ playback: { activity: 'PAUSED', track: TRACKS[0]! } })).reply.text).toBe('The Loopback Trio의 Morning Walk이에요.');
    expect(answer('what is playing').reply.text).toBe('Nothing is playing.');
  });
});

describe('volume and mute', () => {
  it.each([
    ['volume up', 'Increase', undefined],
    ['turn down the volume', 'Decrease', undefined],
    ['볼륨 올려줘', 'Increase', undefined],
    ['볼륨 내려줘', 'Decrease', undefined],
    ['set the volume to five', 'SetValue', '5'],
    ['set the volume to 3', 'SetValue', '3'],
    ['turn the volume to level eight', 'SetValue', '8'],
    ['볼륨 5로 해줘', 'SetValue', '5'],
    ['소리 0으로', 'SetValue', '0'],
  ] as const)('%s: DeviceControl.%s without a Speak', (text, name, value) => {
    const { reply, directives } = answer(text);
    expect(reply.intent).toBe('volume');
    expect(reply.text).toBeUndefined();
    expect(names(directives)).toEqual([`DeviceControl.${name}`]);
    expect(directives[0]!.directive.payload).toEqual(value === undefined ? { target: 'volume' } : { target: 'volume', value });
  });

  it('says the range for a level beyond 10', () => {
    expect(answer('set the volume to twenty').reply.text).toBe('The volume goes from 0 to 10.');
    expect(answer('볼륨 11로 해줘').reply.text).toBe('볼륨은 0부터 10까지예요.');
    expect(requestedVolume('volume up')).toBeUndefined();
    expect(requestedVolume('turn the volume down to a whisper')).toBeUndefined();
    expect(requestedVolume('volume 7')).toBe(7);
    expect(requestedVolume('volume seven please')).toBe(7);
  });

  it.each([
    ['mute', 'Mute'],
    ['음소거', 'Mute'],
    ['소리 꺼줘', 'Mute'],
    ['unmute', 'Unmute'],
    ['turn the sound back on', 'Unmute'],
    ['음소거 해제', 'Unmute'],
    ['소리 켜줘', 'Unmute'],
  ] as const)('%s: PlaybackController.%s without a Speak', (text, name) => {
    const { reply, directives } = answer(text);
    expect(reply.text).toBeUndefined();
    expect(names(directives)).toEqual([`PlaybackController.${name}`]);
    expect(directives[0]!.directive.payload).toEqual({});
  });
});

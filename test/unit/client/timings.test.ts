import { describe, expect, it } from 'vitest';
import { ConnectionTimer, TurnTimer } from '../../../src/client/timings.js';

describe('TurnTimer', () => {
  it('marks each stage once, the last audio part until StopCapture, and the gap between them', () => {
    const t = new TurnTimer('SpeechRecognizer.Recognize', 'd1');
    t.attempt(1, undefined);
    t.mark('headersSent');
    t.mark('lastAudio');
    t.mark('lastAudio');
    t.mark('responseHeaders');
    t.mark('responseHeaders');
    t.mark('stopCapture');
    t.mark('lastAudio'); // a part HTTP/2 took after StopCapture came: not the one it answered
    const timing = t.timing();
    const s = timing.stages;
    expect(Object.keys(s).sort()).toEqual(['firstAudio', 'headersSent', 'lastAudio', 'responseHeaders', 'stopCapture']);
    expect(s.firstAudio!).toBeLessThanOrEqual(s.lastAudio!);
    expect(s.lastAudio!).toBeLessThanOrEqual(s.stopCapture!);
    expect(timing.stopCaptureAfterLastAudioMs).toBeGreaterThanOrEqual(0);
    expect(timing).toMatchObject({ event: 'SpeechRecognizer.Recognize', dialogRequestId: 'd1', connectionId: 1 });
  });

  it('a new attempt (the request refused and sent again) forgets the marks of the earlier one', () => {
    const t = new TurnTimer('TextRecognizer.Recognize', undefined);
    t.attempt(1, undefined);
    t.mark('headersSent');
    t.mark('bodyClosed');
    t.attempt(2, undefined);
    t.mark('headersSent');
    const timing = t.timing();
    expect(Object.keys(timing.stages)).toEqual(['headersSent']);
    expect(timing.connectionId).toBe(2);
  });

  it('tells the connection only with the first turn on it', () => {
    const conn = new ConnectionTimer(3);
    conn.mark('tcp');
    conn.mark('settings');
    conn.mark('hello');
    const first = new TurnTimer('TextRecognizer.Recognize', 'a');
    first.attempt(3, conn);
    const second = new TurnTimer('TextRecognizer.Recognize', 'b');
    second.attempt(3, conn);
    const told = first.timing().connection!;
    expect(told.id).toBe(3);
    expect(Object.keys(told.stages)).toEqual(['tcp', 'settings', 'hello']);
    expect(told.stages.tcp!).toBeLessThanOrEqual(told.stages.settings!);
    expect(second.timing().connection).toBeUndefined();
  });
});

import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { ReceivedDirective } from '../../../src/client/client.js';
import { HumanRenderer } from '../../../src/cli/output/human.js';
import { buildDirective } from '../../../src/protocol/messages.js';

// What a person sees for each kind of directive. Issue 8 moved the descriptions beside the
// handlers and took the special cases out of human.ts: these lines are the same before and after.

function shown(directives: Array<[string, string, Record<string, unknown>, ('event' | 'downchannel')?]>, verbose = false): string[] {
  let out = '';
  const r = new HumanRenderer((s) => (out += s), () => undefined, new Chalk({ level: 0 }), undefined, { out: false, err: false }, { verbose });
  for (const [ns, name, payload, source] of directives) {
    const d: ReceivedDirective = { source: source ?? 'event', connectionId: 1, message: buildDirective(ns, name, payload) };
    r.directive(d);
  }
  return out.split('\n').slice(0, -1);
}

const ALL: Array<[string, string, Record<string, unknown>, ('event' | 'downchannel')?]> = [
  ['Clova', 'RenderText', { text: 'line one\nline two' }],
  ['Clova', 'RenderText', { text: 7 }],
  ['Clova', 'RenderTemplate', { type: 'Weather', temperature: { type: 'string', value: '12' }, meta: { type: 'string', value: 'hidden' } }],
  ['Clova', 'RenderTemplate', { type: 'Card', failureMessage: { type: 'string', value: 'no data' } }],
  ['Clova', 'LaunchURI', { targets: [{ uri: 'https://a.example' }, { uri: 'clova://b' }] }],
  ['Clova', 'Help', { x: 1 }],
  ['SpeechRecognizer', 'ShowRecognizedText', { text: 'what is' }],
  ['SpeechRecognizer', 'ShowRecognizedText', { text: 3 }],
  ['SpeechRecognizer', 'StopCapture', { recognizedText: 'what is the weather' }],
  ['SpeechRecognizer', 'StopCapture', { other: 1 }],
  ['SpeechRecognizer', 'ExpectSpeech', { expectSpeechId: 'e', timeoutInMilliseconds: 8000, explicit: true }],
  ['SpeechRecognizer', 'KeepRecording', { a: 1 }],
  ['SpeechSynthesizer', 'Speak', { url: 'cid:abc', ttsLang: 'en', token: 't' }],
  ['SpeechSynthesizer', 'Speak', { url: 'https://tts.example/x.mp3', token: 't' }],
  ['Alerts', 'SetAlert', { type: 'TIMER', token: 't', scheduledTime: 'later' }],
  ['Alerts', 'DeleteAlert', { token: 't' }],
  ['Notifier', 'SetIndicator', { new: true, assets: [{ url: 'https://clip' }, { url: 'https://clip2' }] }, 'downchannel'],
  ['Notifier', 'ClearIndicator', {}],
  ['System', 'Exception', { code: 'UNAUTHORIZED_REQUEST_EXCEPTION', description: 'bad token' }],
  ['System', 'Exception', {}],
  ['System', 'SynchronizeState', { a: 1 }],
  ['AudioPlayer', 'Play', { audioItem: { titleText: 'Song', titleSubText1: 'Band' } }],
  ['AudioPlayer', 'Play', {}],
  ['DeviceControl', 'SetValue', { target: 'volume', value: '5' }],
  ['DeviceControl', 'ExpectReportState', {}],
  ['PlaybackController', 'Pause', {}],
  ['Custom', 'Thing', { a: 1 }],
];

describe('HumanRenderer: one line per directive, as its namespace describes it', () => {
  it('without --verbose', () => {
    expect(shown(ALL)).toEqual([
      'CLOVA: line one',
      '       line two',
      '  · Clova.RenderText: 7',
      '  · Clova.RenderTemplate Weather: 12',
      '  · Clova.RenderTemplate Card: no data',
      '  · Clova.LaunchURI: https://a.example, clova://b',
      '  · Clova.Help',
      '  heard: what is',
      '  · SpeechRecognizer.ShowRecognizedText',
      '  · SpeechRecognizer.StopCapture: what is the weather',
      '  · SpeechRecognizer.StopCapture',
      '  · SpeechRecognizer.ExpectSpeech: CLOVA expects an answer, within 8 s (required)',
      '  · SpeechRecognizer.KeepRecording',
      '  · SpeechSynthesizer.Speak (en)',
      '  · SpeechSynthesizer.Speak: https://tts.example/x.mp3',
      '  · Alerts.SetAlert: timer could not be set: scheduledTime "later" is not an ISO 8601 date and time with an offset',
      '  · Alerts.DeleteAlert',
      '  · Notifier.SetIndicator: new unread notifications (plays 2 audio clips) (downchannel)',
      '  · Notifier.ClearIndicator: notifications cleared',
      '  ! System.Exception: UNAUTHORIZED_REQUEST_EXCEPTION bad token',
      '  ! System.Exception: ?',
      '  ! System.SynchronizeState',
      '  · AudioPlayer.Play: Song by Band',
      '  · AudioPlayer.Play: ?',
      '  · DeviceControl.SetValue: volume 5',
      '  · DeviceControl.ExpectReportState',
      '  · PlaybackController.Pause',
      '  · Custom.Thing',
    ]);
  });

  it('with --verbose: payload JSON where no namespace says more, never for StopCapture', () => {
    const lines = shown(ALL, true);
    expect(lines).toContain('  · Clova.Help {"x":1}');
    expect(lines).toContain('  · SpeechRecognizer.ShowRecognizedText {"text":3}');
    expect(lines).toContain('  · SpeechRecognizer.StopCapture');
    expect(lines).toContain('  · SpeechRecognizer.KeepRecording {"a":1}');
    expect(lines).toContain('  · Alerts.DeleteAlert {"token":"t"}');
    expect(lines).toContain('  · Notifier.SetIndicator: new unread notifications (plays 2 audio clips) {"new":true,"assets":[{"url":"https://clip"},{"url":"https://clip2"}]} (downchannel)');
    expect(lines).toContain('  ! System.SynchronizeState {"a":1}');
    expect(lines).toContain('  · Custom.Thing {"a":1}');
    expect(lines).toHaveLength(shown(ALL).length);
  });

  it('server text cannot drive the terminal from any of these lines', () => {
    const evil = 'x\u001b]0;owned\u0007\r\nclova-cli: error: forged';
    const lines = shown([
      ['SpeechRecognizer', 'StopCapture', { recognizedText: evil }],
      ['System', 'Exception', { code: 'E', description: evil }],
      ['Clova', 'RenderText', { text: evil }],
    ]);
    expect(lines).toEqual([
      '  · SpeechRecognizer.StopCapture: x clova-cli: error: forged',
      '  ! System.Exception: E x clova-cli: error: forged',
      'CLOVA: x',
      '       clova-cli: error: forged',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { buildContext, defaultClientState } from '../../../src/protocol/context.js';
import {
  asDirectiveMessage,
  asEventMessage,
  buildDirective,
  buildEvent,
  buildTextRecognize,
  qualifiedName,
} from '../../../src/protocol/messages.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('event builders', () => {
  it('buildEvent produces {context, event:{header, payload}} with a fresh v4 messageId (spec 0.2, 3.2)', () => {
    const a = buildEvent('System', 'SynchronizeState', {});
    const b = buildEvent('System', 'SynchronizeState', {});
    expect(a).toEqual({
      context: [],
      event: { header: { namespace: 'System', name: 'SynchronizeState', messageId: expect.stringMatching(UUID_V4) }, payload: {} },
    });
    expect(a.event.header.messageId).not.toBe(b.event.header.messageId);
    expect('dialogRequestId' in a.event.header).toBe(false);
    expect(Object.keys(a)).toEqual(['context', 'event']);
  });

  it('buildEvent takes a dialogRequestId, messageId and context when given', () => {
    const context = buildContext(defaultClientState());
    const e = buildEvent('TextRecognizer', 'Recognize', { text: 'hi' }, { dialogRequestId: 'd-1', messageId: 'm-1', context });
    expect(e.event.header).toEqual({ namespace: 'TextRecognizer', name: 'Recognize', messageId: 'm-1', dialogRequestId: 'd-1' });
    expect(e.context).toBe(context);
    expect(asEventMessage(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });

  it('buildTextRecognize (spec 5.2) carries text, optional speechId/explicit, and the dialogRequestId', () => {
    const context = buildContext(defaultClientState());
    const e = buildTextRecognize({ text: '날씨 알려줘' }, 'dlg-1', context);
    expect(e.event.header).toMatchObject({ namespace: 'TextRecognizer', name: 'Recognize', dialogRequestId: 'dlg-1' });
    expect(e.event.header.messageId).toMatch(UUID_V4);
    expect(e.event.payload).toEqual({ text: '날씨 알려줘' });
    expect(e.context).toEqual(context);
    const full = buildTextRecognize({ text: 'x', speechId: 's-1', explicit: false }, 'dlg-2', []);
    expect(full.event.payload).toEqual({ text: 'x', speechId: 's-1', explicit: false });
  });

  it('the default context is what a CLI can report truthfully, each a {header:{namespace,name}, payload}', () => {
    const ctx = buildContext(defaultClientState());
    expect(ctx.map((c) => qualifiedName(c.header))).toEqual([
      'Alerts.AlertsState',
      'AudioPlayer.PlaybackState',
      'Device.Audio',
      'Device.Display',
      'Device.DeviceState',
      'Speaker.VolumeState',
    ]);
    expect(ctx.find((c) => c.header.name === 'DeviceState')!.payload).toEqual({
      volume: { min: 0, max: 10, value: 7, actions: ['Decrease', 'Increase', 'SetValue'] },
    });
    for (const c of ctx) expect(Object.keys(c)).toEqual(['header', 'payload']);
    expect(ctx.find((c) => c.header.name === 'VolumeState')!.payload).toEqual({ volume: 7, muted: false });
    const withSpeech = buildContext({ ...defaultClientState(), lastSpeech: { token: 't', playerActivity: 'FINISHED' } });
    expect(withSpeech.at(-1)).toEqual({
      header: { namespace: 'SpeechSynthesizer', name: 'SpeechState' },
      payload: { token: 't', playerActivity: 'FINISHED' },
    });
  });
});

describe('buildDirective', () => {
  it('produces {directive:{header, payload}} (spec 0.2) and passes asDirectiveMessage', () => {
    const hello = buildDirective('Clova', 'Hello', {});
    expect(hello).toEqual({
      directive: { header: { namespace: 'Clova', name: 'Hello', messageId: expect.stringMatching(UUID_V4) }, payload: {} },
    });
    expect('dialogRequestId' in hello.directive.header).toBe(false); // Hello never has one (spec 2.2)
    const speak = buildDirective('SpeechSynthesizer', 'Speak', { format: 'AUDIO_MPEG' }, 'dlg-1');
    expect(speak.directive.header.dialogRequestId).toBe('dlg-1');
    expect(asDirectiveMessage(JSON.parse(JSON.stringify(speak)))).toEqual(speak);
  });
});

describe('asDirectiveMessage', () => {
  it('accepts the spec examples, with unknown fields kept', () => {
    const v = {
      directive: {
        header: { namespace: 'System', name: 'Exception', messageId: 'm' },
        payload: { code: 400, description: 'Could not decode multipart' },
        extra: true,
      },
      other: 1,
    };
    expect(asDirectiveMessage(v)).toBe(v);
    expect(asDirectiveMessage({ directive: { header: { namespace: 'A', name: 'B' } } })).toEqual({
      directive: { header: { namespace: 'A', name: 'B' } },
    }); // payload is optional
  });

  it.each([
    ['null', null, /directive/],
    ['an array', [], /directive/],
    ['a string', 'directive', /directive/],
    ['no directive', { event: {} }, /directive/],
    ['a directive that is an array', { directive: [] }, /directive/],
    ['no header', { directive: { payload: {} } }, /header/],
    ['a header that is a string', { directive: { header: 'x', payload: {} } }, /header/],
    ['no namespace', { directive: { header: { name: 'B' }, payload: {} } }, /namespace/],
    ['a numeric name', { directive: { header: { namespace: 'A', name: 1 }, payload: {} } }, /name/],
    ['a numeric dialogRequestId', { directive: { header: { namespace: 'A', name: 'B', dialogRequestId: 5 } } }, /dialogRequestId/],
    ['a payload that is an array', { directive: { header: { namespace: 'A', name: 'B' }, payload: [] } }, /payload/],
    ['a null payload', { directive: { header: { namespace: 'A', name: 'B' }, payload: null } }, /payload/],
  ])('rejects %s with a reason', (_, value, reason) => {
    const r = asDirectiveMessage(value);
    expect(typeof r).toBe('string');
    expect(r).toMatch(reason);
  });
});

describe('asEventMessage', () => {
  const good = () => ({
    context: [],
    event: { header: { namespace: 'TextRecognizer', name: 'Recognize', messageId: 'm-1', dialogRequestId: 'd' }, payload: { text: 'x' } },
  });

  it('accepts a well-formed event and defaults a missing context to []', () => {
    expect(asEventMessage(good())).toEqual(good());
    const { context: _, ...noContext } = good();
    expect(asEventMessage(noContext)).toEqual(good());
  });

  it.each([
    ['null', null, /not a JSON object/],
    ['an array', [good()], /not a JSON object/],
    ['no event', { context: [] }, /"event"/],
    ['an event that is a string', { event: 'x' }, /"event"/],
    ['no header', { event: { payload: {} } }, /header/],
    ['no namespace', { event: { header: { name: 'n', messageId: 'm' }, payload: {} } }, /namespace/],
    ['an empty name', { event: { header: { namespace: 'a', name: '', messageId: 'm' }, payload: {} } }, /name/],
    ['no messageId', { event: { header: { namespace: 'a', name: 'n' }, payload: {} } }, /messageId/],
    ['a numeric messageId', { event: { header: { namespace: 'a', name: 'n', messageId: 1 }, payload: {} } }, /messageId/],
    ['no payload', { event: { header: { namespace: 'a', name: 'n', messageId: 'm' } } }, /payload/],
    ['an array payload', { event: { header: { namespace: 'a', name: 'n', messageId: 'm' }, payload: [] } }, /payload/],
    ['a context that is an object', { ...good(), context: {} }, /context/],
  ])('rejects %s with a reason', (_, value, reason) => {
    const r = asEventMessage(value);
    expect(typeof r).toBe('string');
    expect(r).toMatch(reason);
  });
});

describe('qualifiedName', () => {
  it('joins namespace and name with a dot', () => {
    expect(qualifiedName({ namespace: 'SpeechSynthesizer', name: 'Speak' })).toBe('SpeechSynthesizer.Speak');
  });
});

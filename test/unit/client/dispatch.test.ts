import { describe, expect, it } from 'vitest';
import { DirectiveDispatch, type DirectiveOrigin, type ReceivedDirective, type SkippedDirective } from '../../../src/client/dispatch.js';
import type { HandlerContext } from '../../../src/client/handlers/registry.js';
import { defaultClientState } from '../../../src/protocol/context.js';
import { buildDirective, type DirectiveMessage } from '../../../src/protocol/messages.js';
import { MultipartEncoder } from '../../../src/protocol/multipart-encoder.js';

/** A dispatch with a handler context that records what handlers asked for. */
function setup() {
  const delivered: ReceivedDirective[] = [];
  const skipped: SkippedDirective[] = [];
  const traces: string[] = [];
  const asked: string[] = [];
  const handlers: HandlerContext = {
    state: defaultClientState(),
    expectSpeech: (info) => asked.push(`expectSpeech ${info.expectSpeechId}`),
    report: (ns, name) => asked.push(`report ${ns}.${name}`),
    speak: () => false,
    stopCapture: (id) => asked.push(`stopCapture ${id}`),
    keepRecording: (id) => asked.push(`keepRecording ${id}`),
  };
  const dispatch = new DirectiveDispatch(
    handlers,
    {
      directive: (d) => delivered.push(d),
      skipped: (d) => skipped.push(d),
      audio: () => undefined,
      trace: (l) => traces.push(l),
      notice: () => undefined,
    },
    undefined,
  );
  return { dispatch, handlers, delivered, skipped, traces, asked };
}

const event = (extra: Partial<DirectiveOrigin> = {}): DirectiveOrigin => ({ source: 'event', connectionId: 1, label: 'conn#1 stream 3', delivered: 0, ...extra });
const downchannel = (extra: Partial<DirectiveOrigin> = {}): DirectiveOrigin => ({ source: 'downchannel', connectionId: 1, label: 'conn#1 downchannel', delivered: 0, ...extra });
const names = (ds: Array<{ message: DirectiveMessage }>) => ds.map((d) => `${d.message.directive.header.namespace}.${d.message.directive.header.name}`);

describe('DirectiveDispatch: one path for every directive, whichever stream it came on', () => {
  it('routes the same directives the same way from an event answer and from the downchannel', () => {
    for (const origin of [event(), downchannel()]) {
      const { dispatch, delivered, skipped, asked } = setup();
      dispatch.router.begin('old');
      dispatch.router.begin('current');
      const decisions = [
        buildDirective('SpeechRecognizer', 'StopCapture', {}, 'current'),
        buildDirective('SpeechRecognizer', 'StopCapture', {}, 'old'),
        buildDirective('Nobody', 'Knows', {}),
        buildDirective('DeviceControl', 'SetValue', { target: 'volume', value: '3' }),
      ].map((m) => dispatch.dispatch(m, origin));
      expect(decisions, origin.source).toEqual(['deliver', 'discard', 'discard', 'deliver']);
      expect(names(delivered)).toEqual(['SpeechRecognizer.StopCapture', 'DeviceControl.SetValue']);
      expect(delivered.every((d) => d.source === origin.source && d.connectionId === 1)).toBe(true);
      expect(skipped.map((s) => s.reason)).toEqual(['stale', 'unknown']);
      expect(asked).toEqual(['stopCapture current', 'report DeviceControl.ActionExecuted']);
      expect(origin.delivered).toBe(2);
    }
  });

  it('takes only the first Clova.Hello of a downchannel aside; any other Hello is an ordinary directive', () => {
    const { dispatch, delivered } = setup();
    let greetings = 0;
    const origin = downchannel({ hello: () => greetings++ });
    expect(dispatch.dispatch(buildDirective('Clova', 'Hello', {}), origin)).toBe('discard');
    expect(dispatch.dispatch(buildDirective('Clova', 'Hello', {}), origin)).toBe('deliver');
    expect(dispatch.dispatch(buildDirective('Clova', 'Hello', {}), event())).toBe('deliver');
    expect(greetings).toBe(1);
    expect(delivered).toHaveLength(2);
  });

  it('notes a System.Exception on the body it came in, and still hands it on', () => {
    const { dispatch, delivered } = setup();
    const origin = event();
    dispatch.dispatch(buildDirective('System', 'Exception', { code: '500', description: 'broken' }), origin);
    expect(origin.exception).toEqual({ code: '500', description: 'broken' });
    expect(names(delivered)).toEqual(['System.Exception']);
    const odd = event();
    dispatch.dispatch(buildDirective('System', 'Exception', { description: 42 }), odd);
    expect(odd.exception).toEqual({ code: undefined, description: undefined });
  });

  it("directives of an event that carried no dialogRequestId are processed even with an older dialog's id (spec 4.3)", () => {
    const { dispatch, delivered, handlers } = setup();
    dispatch.router.begin('old');
    dispatch.router.begin('current');
    dispatch.dispatch(buildDirective('DeviceControl', 'SetValue', { target: 'volume', value: '2' }, 'old'), event({ answersEventWithoutDialog: true }));
    expect(delivered).toHaveLength(1);
    expect(handlers.state.volume).toBe(2);
  });

  it('a reader it makes sends every directive of a body through the same path, traced with the body label', async () => {
    const { dispatch, delivered, traces } = setup();
    const enc = new MultipartEncoder();
    const part = (m: DirectiveMessage) => enc.part([['Content-Type', 'application/json; charset=utf-8']], JSON.stringify(m));
    const origin = downchannel({ hello: () => undefined });
    const reader = dispatch.reader(enc.boundary, origin);
    reader.write(Buffer.concat([part(buildDirective('Clova', 'Hello', {})), part(buildDirective('Clova', 'RenderText', { text: 'hi' })), enc.end()]));
    await reader.end();
    expect(names(delivered)).toEqual(['Clova.RenderText']);
    expect(origin.delivered).toBe(1);
    expect(traces).toContain('conn#1 downchannel: Clova.Hello');
    expect(traces.some((l) => l.startsWith('conn#1 downchannel: part: '))).toBe(true);
  });
});

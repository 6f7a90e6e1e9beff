import { describe, expect, it } from 'vitest';
import { buildDirective } from '../../../../src/protocol/messages.js';
import { localTime } from '../../../../src/client/handlers/alerts.js';
import { describeDirective } from '../../../../src/client/handlers/describe.js';
import { namespaceHandlers } from '../../../../src/client/handlers/registry.js';

const d = (ns: string, name: string, payload: Record<string, unknown>) => buildDirective(ns, name, payload).directive;
const two = (n: number) => String(n).padStart(2, '0');

describe('localTime (issue 7: times in the user\'s zone)', () => {
  it('shows a UTC or offset stamp in the local zone, with the weekday and date', () => {
    for (const stamp of ['2026-11-30T07:00:00Z', '2026-11-30T07:00:00+09:00']) {
      const at = new Date(stamp);
      expect(localTime(stamp, new Date('2026-11-29T00:00:00Z'))).toMatch(
        new RegExp(`^${two(at.getHours())}:${two(at.getMinutes())} \\((Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${at.getDate()} [A-Z][a-z]{2}\\)$`),
      );
    }
  });

  it('adds seconds when not zero and the year when it is not this year; keeps text it cannot read', () => {
    expect(localTime('2026-11-30T07:00:50Z', new Date('2026-11-29T00:00:00Z'))).toMatch(/^\d\d:\d\d:50 /);
    expect(localTime('2030-06-15T12:00:00Z', new Date('2026-11-29T00:00:00Z'))).toMatch(/ 2030\)$/);
    expect(localTime('tomorrow at seven', new Date())).toBe('tomorrow at seven');
  });
});

describe('describeDirective (issue 7: words, not JSON)', () => {
  it('an alarm, a reminder with its label', () => {
    expect(describeDirective(d('Alerts', 'SetAlert', { type: 'ALARM', token: 't', scheduledTime: '2026-11-30T07:00:00Z' })).text).toMatch(
      /^Alerts\.SetAlert: alarm set for \d\d:\d\d \(/,
    );
    expect(describeDirective(d('Alerts', 'SetAlert', { type: 'REMINDER', token: 't', label: 'bins', scheduledTime: 'x' })).text).toBe(
      'Alerts.SetAlert: reminder "bins" could not be set: scheduledTime "x" is not an ISO 8601 date and time with an offset',
    );
  });

  it('Notify in words; its JSON only when verbose', () => {
    const notify = d('Notifier', 'Notify', { assets: [{ assetId: 'a1', url: 'clova://notifier/sound/default' }], assetPlayOrder: ['a1'], light: 'DEFAULT' });
    expect(describeDirective(notify).text).toBe('Notifier.Notify: new notification (light on, plays the notification sound)');
    expect(describeDirective(notify, { verbose: true }).text).toContain('{"assets":[{"assetId":"a1"');
  });

  it('an unknown directive: its name, its payload only when verbose', () => {
    const custom = d('Custom', 'Thing', { a: 1 });
    expect(describeDirective(custom).text).toBe('Custom.Thing');
    expect(describeDirective(custom, { verbose: true }).text).toBe('Custom.Thing {"a":1}');
  });
});

describe('describeDirective: each namespace describes its own (issue 8)', () => {
  it('the kinds a renderer draws differently: the answer, the live transcript, a problem', () => {
    expect(describeDirective(d('Clova', 'RenderText', { text: 'hi\nthere' }))).toEqual({ kind: 'answer', text: 'hi\nthere' });
    expect(describeDirective(d('SpeechRecognizer', 'ShowRecognizedText', { text: 'wha' }))).toEqual({ kind: 'transcript', text: 'wha' });
    expect(describeDirective(d('System', 'Exception', { code: 'X', description: 'y' }))).toEqual({ kind: 'problem', text: 'System.Exception: X y' });
    expect(describeDirective(d('System', 'SynchronizeState', {}))).toEqual({ kind: 'problem', text: 'System.SynchronizeState' });
    expect(describeDirective(d('Settings', 'ExpectReport', {})).kind).toBe('note');
  });

  it('every namespace the client knows is described, the unknown ones plainly', () => {
    for (const h of namespaceHandlers) {
      for (const name of h.directives) {
        const shown = describeDirective(d(h.namespace, name, {}));
        expect(shown.text.startsWith(`${h.namespace}.${name}`), `${h.namespace}.${name}`).toBe(true);
      }
    }
  });
});

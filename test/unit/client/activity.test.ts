import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivityTracker, type Activity } from '../../../src/client/activity.js';

/** A tracker and the changes it reported, in order. */
function tracker(): { t: ActivityTracker; changes: Activity[] } {
  const changes: Activity[] = [];
  const t = new ActivityTracker((a) => changes.push(a));
  return { t, changes };
}

describe('ActivityTracker', () => {
  it('starts idle and reports nothing until something changes', () => {
    const { t, changes } = tracker();
    expect(t.current).toBe('idle');
    expect(changes).toEqual([]);
  });

  it('each input alone is its activity, and idle again when it ends', () => {
    const cases: Array<[Activity, (t: ActivityTracker) => void, (t: ActivityTracker) => void]> = [
      ['listening', (t) => t.microphone(true), (t) => t.microphone(false)],
      ['listening', (t) => t.upload(1), (t) => t.upload(-1)],
      ['speaking', (t) => t.speech(1), (t) => t.speech(-1)],
      ['thinking', (t) => t.request(1), (t) => t.request(-1)],
      ['playing', (t) => t.media(true), (t) => t.media(false)],
    ];
    for (const [activity, start, end] of cases) {
      const { t, changes } = tracker();
      start(t);
      expect(t.current).toBe(activity);
      end(t);
      expect(t.current).toBe('idle');
      expect(changes).toEqual([activity, 'idle']);
    }
  });

  it('the first of listening > speaking > thinking > playing that holds is the activity', () => {
    // Every combination of the four inputs.
    for (let bits = 0; bits < 16; bits++) {
      const { t } = tracker();
      const listening = (bits & 8) !== 0;
      const speaking = (bits & 4) !== 0;
      const thinking = (bits & 2) !== 0;
      const playing = (bits & 1) !== 0;
      // Set in the opposite order of precedence, so that a lower one never simply comes last.
      if (playing) t.media(true);
      if (thinking) t.request(1);
      if (speaking) t.speech(1);
      if (listening) t.microphone(true);
      const expected: Activity = listening ? 'listening' : speaking ? 'speaking' : thinking ? 'thinking' : playing ? 'playing' : 'idle';
      expect(t.current, `listening=${listening} speaking=${speaking} thinking=${thinking} playing=${playing}`).toBe(expected);
    }
  });

  it('a lower input that starts or ends under a higher one reports nothing; the higher one ending reveals it', () => {
    const { t, changes } = tracker();
    t.microphone(true); // listening
    t.request(1); // thinking, hidden
    t.speech(1); // speaking, hidden
    t.media(true); // playing, hidden
    t.request(-1);
    t.request(1);
    expect(changes).toEqual(['listening']);
    t.microphone(false);
    expect(changes).toEqual(['listening', 'speaking']);
    t.speech(-1);
    expect(changes).toEqual(['listening', 'speaking', 'thinking']);
    t.request(-1);
    t.media(false);
    expect(changes).toEqual(['listening', 'speaking', 'thinking', 'playing', 'idle']);
  });

  it('the same input repeated is one change: the microphone opened twice, media started twice', () => {
    const { t, changes } = tracker();
    t.microphone(true);
    t.microphone(true);
    t.microphone(false);
    t.microphone(false);
    t.media(true);
    t.media(true);
    expect(changes).toEqual(['listening', 'idle', 'playing']);
  });

  it('uploads, requests and speeches are counted: the activity holds until the last one ends', () => {
    const { t, changes } = tracker();
    t.request(1);
    t.request(1);
    t.request(-1);
    expect(t.current).toBe('thinking');
    t.speech(1);
    t.speech(1);
    t.speech(-1);
    expect(t.current).toBe('speaking');
    t.speech(-1);
    t.upload(1);
    t.upload(1);
    t.upload(-1);
    expect(t.current).toBe('listening');
    t.upload(-1);
    expect(t.current).toBe('thinking');
    t.request(-1);
    expect(changes).toEqual(['thinking', 'speaking', 'thinking', 'listening', 'thinking', 'idle']);
  });

  it('the microphone closing while an upload still runs stays listening (the body is not closed yet)', () => {
    const { t, changes } = tracker();
    t.microphone(true);
    t.upload(1);
    t.microphone(false);
    expect(t.current).toBe('listening');
    t.upload(-1);
    expect(changes).toEqual(['listening', 'idle']);
  });

  it('an end without a start never goes below zero: the next start still counts', () => {
    const { t, changes } = tracker();
    t.request(-1);
    t.speech(-1);
    t.upload(-1);
    expect(changes).toEqual([]);
    t.request(1);
    expect(t.current).toBe('thinking');
    t.request(-1);
    expect(changes).toEqual(['thinking', 'idle']);
  });

  it('for any sequence of inputs: one event per change of the activity, each the new value, matching a model', () => {
    type Op = { kind: 'microphone' | 'media'; on: boolean } | { kind: 'upload' | 'request' | 'speech'; delta: 1 | -1 };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constantFrom('microphone' as const, 'media' as const), on: fc.boolean() }),
      fc.record({ kind: fc.constantFrom('upload' as const, 'request' as const, 'speech' as const), delta: fc.constantFrom(1 as const, -1 as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { t, changes } = tracker();
        const model = { microphone: false, media: false, upload: 0, request: 0, speech: 0 };
        const expected: Activity[] = [];
        let last: Activity = 'idle';
        for (const o of ops) {
          if ('on' in o) {
            model[o.kind] = o.on;
            t[o.kind](o.on);
          } else {
            model[o.kind] = Math.max(0, model[o.kind] + o.delta);
            t[o.kind](o.delta);
          }
          const now: Activity =
            model.microphone || model.upload > 0 ? 'listening' : model.speech > 0 ? 'speaking' : model.request > 0 ? 'thinking' : model.media ? 'playing' : 'idle';
          if (now !== last) expected.push(now);
          last = now;
          expect(t.current).toBe(now);
        }
        expect(changes).toEqual(expected);
        // No event repeats the activity before it.
        for (let i = 1; i < changes.length; i++) expect(changes[i]).not.toBe(changes[i - 1]);
      }),
    );
  });
});

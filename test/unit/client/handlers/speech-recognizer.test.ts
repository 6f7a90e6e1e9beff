import { describe, expect, it } from 'vitest';
import { buildDirective } from '../../../../src/protocol/messages.js';
import { describeSpeechRecognizer, speechRecognizerHandler } from '../../../../src/client/handlers/speech-recognizer.js';
import { MAX_TIMER_MS, serverTimerMs } from '../../../../src/protocol/timer-range.js';

const expect_ = (timeoutInMilliseconds: unknown) =>
  buildDirective('SpeechRecognizer', 'ExpectSpeech', { expectSpeechId: 'e1', timeoutInMilliseconds }).directive;

/** What the handler hands the client for an ExpectSpeech with this timeout. */
function handled(timeout: unknown): number | undefined {
  let got: number | undefined = -1;
  const ctx = { expectSpeech: (info: { timeoutInMilliseconds?: number }) => (got = info.timeoutInMilliseconds) };
  speechRecognizerHandler.handle!(expect_(timeout), ctx as never);
  return got;
}

describe('ExpectSpeech timeoutInMilliseconds from the server (issue 17)', () => {
  it('is clamped to the timer range: 1e300 waits the longest a timer can, not 1 ms', () => {
    expect(handled(1e300)).toBe(MAX_TIMER_MS);
    expect(handled(Number.MAX_VALUE)).toBe(MAX_TIMER_MS);
    expect(handled(8000)).toBe(8000);
  });

  it('a negative, non-finite or non-number value is no timeout (the default applies)', () => {
    for (const v of [-5, Number.NaN, Infinity, '8000', null]) expect(handled(v)).toBeUndefined();
  });

  it('the description shows the clamped value', () => {
    expect(describeSpeechRecognizer(expect_(1e300))?.text).toContain(`within ${MAX_TIMER_MS / 1000} s`);
  });

  it('serverTimerMs rounds and clamps', () => {
    expect(serverTimerMs(1.6)).toBe(2);
    expect(serverTimerMs(MAX_TIMER_MS + 1)).toBe(MAX_TIMER_MS);
  });
});

import type { Directive } from '../../protocol/messages.js';
import { serverTimerMs } from '../../protocol/timer-range.js';
import { directiveName, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/**
 * SpeechRecognizer.* (spec 5.1): StopCapture ends the audio upload at once (spec 3.5.4),
 * KeepRecording restarts the answer timer (U-18), and ExpectSpeech makes the next utterance a
 * follow-up (spec 4.8). ShowRecognizedText is display only.
 */
export const speechRecognizerHandler: NamespaceHandler = {
  namespace: 'SpeechRecognizer',
  directives: new Set(['ExpectSpeech', 'StopCapture', 'ShowRecognizedText', 'KeepRecording']),
  handle(directive, ctx) {
    const { name, dialogRequestId } = directive.header;
    if (name === 'StopCapture') return ctx.stopCapture(dialogRequestId);
    if (name === 'KeepRecording') return ctx.keepRecording(dialogRequestId);
    if (name !== 'ExpectSpeech') return;
    const p = directive.payload ?? {};
    if (typeof p.expectSpeechId !== 'string') return;
    ctx.expectSpeech({
      expectSpeechId: p.expectSpeechId,
      explicit: p.explicit === true,
      timeoutInMilliseconds: serverTimerMs(p.timeoutInMilliseconds),
      dialogRequestId,
    });
  },
};

/** The live transcript, what StopCapture heard, and that CLOVA expects an answer. */
export function describeSpeechRecognizer(d: Directive): DirectiveDescription | undefined {
  const p = d.payload ?? {};
  const name = directiveName(d);
  switch (d.header.name) {
    case 'ShowRecognizedText':
      return typeof p.text === 'string' ? { kind: 'transcript', text: p.text } : undefined;
    case 'StopCapture':
      // Its words only: a payload worth debugging here is the transcript, already shown.
      return { kind: 'note', text: typeof p.recognizedText === 'string' ? `${name}: ${p.recognizedText}` : name };
    case 'ExpectSpeech': {
      const ms = serverTimerMs(p.timeoutInMilliseconds);
      const t = ms !== undefined ? `, within ${ms / 1000} s` : '';
      return { kind: 'note', text: `${name}: CLOVA expects an answer${t}${p.explicit === true ? ' (required)' : ''}` };
    }
    default:
      return undefined;
  }
}

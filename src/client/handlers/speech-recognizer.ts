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
      timeoutInMilliseconds: typeof p.timeoutInMilliseconds === 'number' ? p.timeoutInMilliseconds : undefined,
      dialogRequestId,
    });
  },
};

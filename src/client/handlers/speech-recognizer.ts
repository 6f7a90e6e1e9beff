import type { NamespaceHandler } from './types.js';

/** SpeechRecognizer.* (spec 5.1): ExpectSpeech makes the next utterance a follow-up (spec 4.8). */
export const speechRecognizerHandler: NamespaceHandler = {
  namespace: 'SpeechRecognizer',
  directives: new Set(['ExpectSpeech', 'StopCapture', 'ShowRecognizedText', 'KeepRecording']),
  handle(directive, ctx) {
    if (directive.header.name !== 'ExpectSpeech') return;
    const p = directive.payload ?? {};
    if (typeof p.expectSpeechId !== 'string') return;
    ctx.expectSpeech({
      expectSpeechId: p.expectSpeechId,
      explicit: p.explicit === true,
      timeoutInMilliseconds: typeof p.timeoutInMilliseconds === 'number' ? p.timeoutInMilliseconds : undefined,
      dialogRequestId: directive.header.dialogRequestId,
    });
  },
};

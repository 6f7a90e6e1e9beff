import { speakParts } from '../answer.js';
import { noContent, type NamespaceHandlers } from './types.js';

/** SpeechSynthesizer (spec 5.3): playback reports answer 204 (U-23); Request is spoken back. */
export const speechSynthesizerHandlers: NamespaceHandlers = {
  SpeechStarted: noContent,
  SpeechFinished: noContent,
  SpeechStopped: noContent,
  async Request(event, ctx) {
    const { text, lang } = event.event.payload;
    if (typeof text !== 'string' || typeof lang !== 'string') {
      return { status: 400, description: 'SpeechSynthesizer.Request needs payload.text and payload.lang' };
    }
    // The event has no dialogRequestId, so neither has its Speak (U-22).
    return { status: 200, parts: await speakParts(ctx.faults, text) };
  },
};

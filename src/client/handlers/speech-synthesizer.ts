import type { NamespaceHandler } from './types.js';

/**
 * SpeechSynthesizer.Speak (spec 5.3): its cid: attachment is resolved by the response reader. When
 * the client plays speech the Speak is queued (the queue reports Started/Finished); otherwise it is
 * over once handled, and SpeechState reports it FINISHED.
 */
export const speechSynthesizerHandler: NamespaceHandler = {
  namespace: 'SpeechSynthesizer',
  directives: new Set(['Speak']),
  handle(directive, ctx) {
    const token = directive.payload?.token;
    if (directive.header.name !== 'Speak' || typeof token !== 'string' || token.length === 0) return;
    if (!ctx.speak(directive)) ctx.state.lastSpeech = { token, playerActivity: 'FINISHED' };
  },
};

import type { NamespaceHandler } from './types.js';

/**
 * SpeechSynthesizer.Speak (spec 5.3): its cid: attachment is resolved by the response reader. The
 * CLI does not play speech, so a Speak is over once handled: SpeechState reports it FINISHED.
 */
export const speechSynthesizerHandler: NamespaceHandler = {
  namespace: 'SpeechSynthesizer',
  directives: new Set(['Speak']),
  handle(directive, ctx) {
    const token = directive.payload?.token;
    if (directive.header.name === 'Speak' && typeof token === 'string' && token.length > 0) {
      ctx.state.lastSpeech = { token, playerActivity: 'FINISHED' };
    }
  },
};

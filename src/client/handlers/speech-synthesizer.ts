import type { NamespaceHandler } from './types.js';

/** SpeechSynthesizer.Speak (spec 5.3): its cid: attachment is resolved by the response reader. */
export const speechSynthesizerHandler: NamespaceHandler = {
  namespace: 'SpeechSynthesizer',
  directives: new Set(['Speak']),
};

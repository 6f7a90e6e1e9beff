import type { Directive } from '../../protocol/messages.js';
import { directiveName, payloadText, type DirectiveDescription } from './description.js';
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

/** Speak with its language; the attachment gets its own line when it arrives, a URL to stream is worth showing. */
export function describeSpeechSynthesizer(d: Directive): DirectiveDescription | undefined {
  if (d.header.name !== 'Speak') return undefined;
  const p = d.payload ?? {};
  const name = directiveName(d);
  const url = payloadText(p.url) ?? '';
  const lang = p.ttsLang ? ` (${String(p.ttsLang)})` : '';
  return { kind: 'note', text: url.toLowerCase().startsWith('cid:') ? `${name}${lang}` : `${name}${lang}: ${url}` };
}

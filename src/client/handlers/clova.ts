import type { Directive } from '../../protocol/messages.js';
import { note, payloadText, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/** Clova.* directives (spec 5.4): display-only for a CLI. */
export const clovaHandler: NamespaceHandler = {
  namespace: 'Clova',
  directives: new Set([
    'Hello',
    'RenderText',
    'RenderTemplate',
    'ExpectLogin',
    'LaunchURI',
    'Help',
    'StartExtension',
    'FinishExtension',
    'HandleDelegatedEvent',
    'RenderSuggestion',
  ]),
};

/** RenderText is the answer itself; a template shows its values, LaunchURI its targets. */
export function describeClova(d: Directive): DirectiveDescription | undefined {
  const p = d.payload ?? {};
  switch (d.header.name) {
    case 'RenderText':
      return typeof p.text === 'string' ? { kind: 'answer', text: p.text } : note(d, payloadText(p.text) ?? '');
    case 'RenderTemplate': {
      const values = templateValues(p);
      const failure = (p.failureMessage as { value?: unknown } | undefined)?.value;
      const body = values.length > 0 ? values.join(' · ') : (payloadText(failure) ?? '');
      return { kind: 'note', text: `Clova.RenderTemplate ${payloadText(p.type) ?? 'template'}: ${body}` };
    }
    case 'LaunchURI': {
      const targets = Array.isArray(p.targets) ? (p.targets as Array<{ uri?: unknown }>) : [];
      return note(d, targets.map((t) => payloadText(t.uri)).filter(Boolean).join(', '));
    }
    default:
      return undefined;
  }
}

/** Collects every non-empty `{type, value}` shared-object value of a template, in order (spec 5.4.1). */
export function templateValues(node: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 8 || node === null || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const item of node) templateValues(item, out, depth + 1);
    return out;
  }
  const rec = node as Record<string, unknown>;
  if (typeof rec.type === 'string' && 'value' in rec && rec.type !== 'action') {
    const v = payloadText(rec.value);
    if (v !== undefined) out.push(v);
    return out;
  }
  for (const [key, value] of Object.entries(rec)) {
    if (key === 'meta' || key === 'failureMessage' || key === 'actionList') continue;
    templateValues(value, out, depth + 1);
  }
  return out;
}

import type { Directive } from '../../protocol/messages.js';
import { directiveName, payloadText, plainDescription, type DescribeOptions, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/** System.* (spec 5.5); Exception is turned into an error by the client. */
export const systemHandler: NamespaceHandler = {
  namespace: 'System',
  directives: new Set(['SynchronizeState', 'Exception']),
};

/** Everything System says is shown as a problem; an Exception with its code and description. */
export function describeSystem(d: Directive, options: DescribeOptions): DirectiveDescription {
  if (d.header.name !== 'Exception') return { ...plainDescription(d, options), kind: 'problem' };
  const p = d.payload ?? {};
  return { kind: 'problem', text: `${directiveName(d)}: ${payloadText(p.code) ?? '?'} ${payloadText(p.description) ?? ''}`.trimEnd() };
}

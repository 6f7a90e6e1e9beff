import type { Directive } from '../../protocol/messages.js';

/**
 * How a directive is shown to a person. Each namespace's handler file describes its own directives
 * (as each AVS capability agent owns its namespace); a renderer only chooses how each kind looks.
 */
export interface DirectiveDescription {
  /**
   * 'answer': CLOVA's reply, `text` is the reply itself (may span lines); 'transcript': what the
   * server heard so far, `text` is those words; 'problem': something went wrong, and 'note':
   * anything else, where `text` is one line starting with Namespace.Name.
   */
  kind: 'answer' | 'transcript' | 'problem' | 'note';
  /** Untrusted server text inside: the renderer makes it safe for its medium. */
  text: string;
}

/** How much a description shows. */
export interface DescribeOptions {
  /** Ids and raw payload JSON, for whoever debugs the protocol (--verbose). */
  verbose?: boolean;
  /** The clock that decides whether a date needs its year (injectable for tests). */
  now?: Date;
}

/** A namespace's own description of a directive; undefined leaves it to the plain one. */
export type DirectiveDescriber = (directive: Directive, options: DescribeOptions) => DirectiveDescription | undefined;

/** A payload value as text: non-empty strings and numbers; undefined for anything else. */
export function payloadText(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}

/** JSON on one line, cut at `max` characters. */
export function compactJson(value: unknown, max = 400): string {
  const s = JSON.stringify(value) ?? '';
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** `Namespace.Name` of a directive. */
export function directiveName(d: Directive): string {
  return `${d.header.namespace}.${d.header.name}`;
}

/** A note: `Namespace.Name: detail`. */
export function note(d: Directive, detail: string): DirectiveDescription {
  return { kind: 'note', text: `${directiveName(d)}: ${detail}` };
}

/** The description of a directive no namespace says more about: its name, its payload only when verbose. */
export function plainDescription(d: Directive, options: DescribeOptions): DirectiveDescription {
  const p = d.payload ?? {};
  const name = directiveName(d);
  // Raw JSON is for debugging; a person gets the name (what it is) without a wall of braces.
  return { kind: 'note', text: Object.keys(p).length === 0 || !options.verbose ? name : `${name} ${compactJson(p)}` };
}

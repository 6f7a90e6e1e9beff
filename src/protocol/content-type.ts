/** A parsed media type with lower-cased type and parameter names. */
export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/**
 * Parses a Content-Type value. Tolerates what CIC sends: a trailing `;`, quoted parameter values,
 * spaces around `=` and mixed case.
 */
export function parseMediaType(value: string | undefined): MediaType | undefined {
  if (typeof value !== 'string') return undefined;
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return undefined;
  const params: Record<string, string> = {};
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))\s*/g;
  const rest = semi < 0 ? '' : value.slice(semi);
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    const name = m[1]!.toLowerCase();
    const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    if (!(name in params)) params[name] = v;
  }
  return { type, params };
}

/** RFC 2046 boundary rules: 1-70 characters from a restricted set, not ending in a space. */
export function isValidBoundary(boundary: string): boolean {
  return /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary);
}

/**
 * Returns the boundary of a multipart body whose type is one of `accepted`
 * (default: multipart/related and multipart/form-data, spec U-05), or undefined.
 */
export function multipartBoundary(
  contentType: string | undefined,
  accepted: readonly string[] = ['multipart/related', 'multipart/form-data'],
): string | undefined {
  const mt = parseMediaType(contentType);
  if (!mt || !accepted.includes(mt.type)) return undefined;
  const b = mt.params.boundary;
  return b !== undefined && isValidBoundary(b) ? b : undefined;
}

/**
 * The one check every bearer token passes, wherever it comes from (CLOVA_ACCESS_TOKEN, the stored
 * credentials, an Auth API answer): it goes into an `authorization` header, so only visible ASCII
 * (no space, CR, LF or other control, nothing non-ASCII that Node would refuse or retry on), and a
 * sane length. Pure.
 */
export const MAX_TOKEN_LENGTH = 8192;

/** Why `value` cannot be a token, or undefined when it can. */
export function tokenProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is empty or not text';
  if (value.length > MAX_TOKEN_LENGTH) return `is longer than ${MAX_TOKEN_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(value)) return 'contains whitespace, control or non-ASCII characters';
  return undefined;
}

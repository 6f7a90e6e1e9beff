/**
 * One check for every value that becomes an HTTP header (issue 17): tokens from the environment,
 * the credentials file, an Auth API answer or a refresh answer, and the user agent. Visible ASCII
 * only (0x21-0x7e; the user agent may also hold spaces), bounded length: a CR/LF cannot split a
 * header, and a value no server accepts is refused before any connection.
 */

/** Longest token accepted (real tokens are a few hundred characters). */
export const MAX_TOKEN_LENGTH = 8192;
/** Longest CLOVA_USER_AGENT accepted. */
export const MAX_USER_AGENT_LENGTH = 1024;

/** Why `value` cannot be a token (undefined: it can). */
export function tokenProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is missing or empty';
  if (value.length > MAX_TOKEN_LENGTH) return `is longer than ${MAX_TOKEN_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(value)) return 'contains whitespace, control or non-ASCII characters';
  return undefined;
}

/** Why `value` cannot be a User-Agent header (undefined: it can). */
export function userAgentProblem(value: string): string | undefined {
  if (value.length > MAX_USER_AGENT_LENGTH) return `is longer than ${MAX_USER_AGENT_LENGTH} characters`;
  if (!/^[\x20-\x7e]+$/.test(value)) return 'contains control or non-ASCII characters';
  return undefined;
}

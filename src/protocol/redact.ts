/** Replaces every occurrence of the secret in text (and any bearer credential) with a placeholder. */
export function redact(text: string, secret?: string): string {
  let out = text.replace(/(bearer\s+)(?:bearer\s+)*[^\s"',;]+/gi, '$1[REDACTED]');
  if (secret && secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  return out;
}

/**
 * Secrets out of everything we print. A server can echo the Authorization header back in any
 * string it sends (an error body, a System.Exception description, a RenderText), so redaction works
 * on whole output, not on chosen fields. Pure: no I/O, no process state.
 */

const PLACEHOLDER = '[REDACTED]';
/** Below this a "secret" would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of the secret in text (and any bearer credential) with a placeholder. */
export function redact(text: string, secret?: string): string {
  // A backslash ends the credential too: inside JSON text it starts an escape that must stay whole.
  let out = text.replace(/(bearer\s+)(?:bearer\s+)*[^\s"',;\\]+/gi, `$1${PLACEHOLDER}`);
  if (secret) for (const form of secretForms(secret)) out = out.split(form).join(PLACEHOLDER);
  return out;
}

/** The ways a secret can appear in what we print: as is, inside JSON text, URL-encoded; longest first. */
export function secretForms(secret: string): string[] {
  const raw = secret.trim();
  if (raw.length < MIN_SECRET_LENGTH) return [];
  const forms = new Set([raw, JSON.stringify(raw).slice(1, -1), encodeURIComponent(raw)]);
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * The credentials of this run (the access token today; a refresh token or a client secret later):
 * register each once it is known, and pass everything printed through `redact`.
 */
export class SecretRegistry {
  private forms: string[] = [];
  private byteForms: Buffer[] = [];
  private count = 0;

  /** Number of secrets registered. */
  get size(): number {
    return this.count;
  }

  /** Registers a secret (trimmed); empty and very short values are ignored. */
  add(secret: string | undefined): void {
    const forms = secretForms(secret ?? '');
    if (forms.length === 0 || this.forms.includes(forms[0]!)) return;
    this.count++;
    this.forms = [...new Set([...this.forms, ...forms])].sort((a, b) => b.length - a.length);
    this.byteForms = this.forms.map((f) => Buffer.from(f, 'utf8'));
  }

  /** Text with every form of every registered secret replaced by a placeholder. */
  redact(text: string): string {
    let out = text;
    for (const form of this.forms) if (out.includes(form)) out = out.split(form).join(PLACEHOLDER);
    return out;
  }

  /** Whether text holds any form of a registered secret (a token pasted into an utterance). */
  holds(text: string): boolean {
    return this.forms.some((f) => text.includes(f));
  }

  /** Each registered secret as UTF-8 bytes, as is (for protocol/redact-bytes.ts). */
  secretBytes(): Buffer[] {
    return [...this.byteForms];
  }

  /** The same for bytes (they may not be UTF-8 text); returns `bytes` itself when nothing matched. */
  redactBytes(bytes: Uint8Array): Uint8Array {
    let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let changed = false;
    for (const form of this.byteForms) {
      let at = out.indexOf(form);
      if (at < 0) continue;
      const pieces: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        pieces.push(out.subarray(from, at), PLACEHOLDER_BYTES);
        from = at + form.length;
        at = out.indexOf(form, from);
      }
      pieces.push(out.subarray(from));
      out = Buffer.concat(pieces);
      changed = true;
    }
    return changed ? out : bytes;
  }
}

const PLACEHOLDER_BYTES = Buffer.from(PLACEHOLDER);

/**
 * Whether an environment variable holds a credential: a CLOVA_ variable whose name says token,
 * secret, password, key or credential (CLOVA_ACCESS_TOKEN, CLOVA_EMULATOR_TOKEN, and later ones
 * such as CLOVA_REFRESH_TOKEN or CLOVA_CLIENT_SECRET without a code change).
 */
export function isSecretVariable(name: string): boolean {
  return /^CLOVA_(?:\w+_)?(?:TOKEN|SECRET|PASSWORD|PASSPHRASE|KEY|CREDENTIALS?)(?:_\w+)?$/i.test(name);
}

/** A copy of `env` without its secret variables: the environment to give a child process. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!isSecretVariable(k)) out[k] = v;
  return out;
}

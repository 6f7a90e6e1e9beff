/**
 * The Auth API settings of login, logout and auth (issue 9, section 1): partner credentials from
 * the environment (or .env), the Auth API base URL and its cleartext rule. Checked before any
 * request; secrets never come from the command line.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_AUTH_URL } from '../auth/auth-api.js';
import { credentialsPath } from '../auth/credentials-store.js';
import { UsageError } from '../protocol/errors.js';
import { isLoopbackHost } from './config.js';
import { configurationEnv } from './secrets.js';

/** The Auth API settings of one command. */
export interface AuthSettings {
  authUrl: URL;
  clientId: string | undefined;
  clientSecret: string | undefined;
  modelId: string | undefined;
  /** CLOVA_DEVICE_ID when set. */
  deviceId: string | undefined;
  credentialsPath: string;
  timeoutMs: number;
  /** `warning: …` lines (cleartext to another host allowed by --insecure-auth). */
  warnings: string[];
}

/** Parses CLOVA_AUTH_URL (or the default) and applies the cleartext rule. */
export function parseAuthUrl(value: string, insecureAuth: boolean, source = 'CLOVA_AUTH_URL'): { url: URL; warning?: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source} is not a URL: "${value}" (expected https://host)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${source} must start with https:// (got "${url.protocol}")`);
  if (url.username !== '' || url.password !== '') throw new UsageError(`${source} must not contain a user name or password`);
  if (url.search || url.hash) throw new UsageError(`${source} must be a base URL without a query (got "${value}")`);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    if (!insecureAuth) {
      throw new UsageError(
        `${source} ${url.origin} is cleartext (http://) to a host that is not this machine: the client secret and tokens would cross the network unencrypted; use https://, or allow it with --insecure-auth`,
      );
    }
    return { url, warning: `warning: --insecure-auth: cleartext (http://) to ${url.host}: the client secret and tokens cross the network unencrypted` };
  }
  return { url };
}

/** Reads the Auth API settings from the environment (after .env). */
export function resolveAuthSettings(opts: { insecureAuth?: boolean; timeout?: string }, env: NodeJS.ProcessEnv = configurationEnv()): AuthSettings {
  const get = (name: string) => env[name]?.trim() || undefined;
  const { url, warning } = parseAuthUrl(get('CLOVA_AUTH_URL') ?? DEFAULT_AUTH_URL, opts.insecureAuth === true);
  let timeoutMs = 15000;
  if (opts.timeout !== undefined) {
    const ms = /^\d+$/.test(opts.timeout.trim()) ? Number(opts.timeout.trim()) : Number.NaN;
    if (!(ms >= 1 && ms <= 2147483647)) throw new UsageError(`--timeout must be a whole number of milliseconds from 1 to 2147483647 (got "${opts.timeout}")`);
    timeoutMs = ms;
  }
  for (const name of ['CLOVA_CLIENT_ID', 'CLOVA_CLIENT_SECRET', 'CLOVA_MODEL_ID', 'CLOVA_DEVICE_ID']) {
    if (/[\s\u0000-\u001f]/.test(get(name) ?? '')) throw new UsageError(`${name} contains whitespace or control characters`);
  }
  return {
    authUrl: url,
    clientId: get('CLOVA_CLIENT_ID'),
    clientSecret: get('CLOVA_CLIENT_SECRET'),
    modelId: get('CLOVA_MODEL_ID'),
    deviceId: get('CLOVA_DEVICE_ID'),
    credentialsPath: credentialsPath(env),
    timeoutMs,
    warnings: warning ? [warning] : [],
  };
}

/** Throws UsageError (exit 2) naming every missing partner variable. */
export function requirePartner(s: AuthSettings): { clientId: string; clientSecret: string; modelId: string } {
  const missing = [
    s.clientId ? undefined : 'CLOVA_CLIENT_ID',
    s.clientSecret ? undefined : 'CLOVA_CLIENT_SECRET',
    s.modelId ? undefined : 'CLOVA_MODEL_ID',
  ].filter((x): x is string => x !== undefined);
  if (missing.length > 0) {
    throw new UsageError(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: export ${missing.length === 1 ? 'it' : 'them'} or put ${missing.length === 1 ? 'it' : 'them'} in .env (your CLOVA partner credentials)`);
  }
  return { clientId: s.clientId!, clientSecret: s.clientSecret!, modelId: s.modelId! };
}

/** A new device id (spec 6.1 digest: one UUID, persisted with the credentials). */
export function newDeviceId(): string {
  return randomUUID();
}

/** Options of `clova-cli login`. */
export interface LoginOptions {
  code?: string;
  withNaverToken?: boolean;
  guest?: boolean;
  insecureAuth?: boolean;
  timeout: string;
}

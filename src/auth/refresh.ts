/**
 * Keeps the stored token fresh (issue 9, section 4; spec 2.6, 6.4). Several processes share one
 * credentials file, so a refresh happens under the file's lock, after re-reading it: whoever comes
 * second finds the new token and does not spend the (rotated, single-use) refresh token again.
 */
import { parseAuthUrl } from '../cli/auth-settings.js';
import { AuthError, ConnectionError, TimeoutError, UsageError } from '../protocol/errors.js';
import { AuthApi, DEFAULT_AUTH_TIMEOUT_MS } from './auth-api.js';
import { readCredentials, withCredentialsLock, writeCredentials, type StoredCredentials } from './credentials-store.js';

/** Refresh when the stored token expires within this margin (before connecting and during a session). */
export const REFRESH_MARGIN_MS = 60000;

/** What a refresh needs besides the file. */
export interface RefreshContext {
  path: string;
  /** CLOVA_CLIENT_SECRET; only needed when a refresh is due. */
  clientSecret: string | undefined;
  timeoutMs?: number;
  trace?: (line: string) => void;
  /** Allows a stored cleartext authUrl to another host (--insecure-auth). */
  insecureAuth?: boolean;
  /** Where warnings go (stderr by default). */
  warn?: (line: string) => void;
}

/** Tokens a refresh got but could not save (full disk): used for the rest of this process. */
const unsaved = new Map<string, StoredCredentials>();
const current = (path: string) => unsaved.get(path) ?? readCredentials(path);

/** The message for a user whose stored login cannot be used any more. */
export function loginAgain(why: string): AuthError {
  return new AuthError(`${why}; the stored credentials were left as they are: run clova-cli login again`);
}

/**
 * The stored credentials, refreshed first when the token expires within `marginMs`, or when
 * `rejectedToken` (a token CIC answered 401 to) is still the stored one. Throws AuthError (exit 3)
 * when there is no login or the refresh fails; the file is then left intact.
 */
export async function freshCredentials(ctx: RefreshContext, opts: { marginMs?: number; rejectedToken?: string } = {}): Promise<StoredCredentials> {
  const warn = ctx.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const margin = opts.marginMs ?? REFRESH_MARGIN_MS;
  const due = (c: StoredCredentials) =>
    opts.rejectedToken !== undefined ? c.accessToken === opts.rejectedToken : c.expiresAt - Date.now() <= margin;
  const first = current(ctx.path);
  if (!first) throw new AuthError('not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN', undefined, 'E_NO_TOKEN');
  if (!due(first)) return first;
  return withCredentialsLock(ctx.path, async () => {
    const creds = current(ctx.path);
    if (!creds) throw new AuthError('not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN', undefined, 'E_NO_TOKEN');
    if (!due(creds)) {
      ctx.trace?.('auth: another process refreshed the token already');
      return creds;
    }
    if (!ctx.clientSecret) {
      throw new UsageError('CLOVA_CLIENT_SECRET is not set: the stored token is due for a refresh, which needs the client secret; export it or put it in .env');
    }
    // The rule of CLOVA_AUTH_URL: the secret and the refresh token never go in cleartext to another host.
    const { url, warning } = parseAuthUrl(creds.authUrl, ctx.insecureAuth === true, `the authUrl of ${ctx.path}`);
    if (warning) warn(warning);
    const api = new AuthApi(
      url,
      { clientId: creds.clientId, clientSecret: ctx.clientSecret, modelId: creds.modelId, deviceId: creds.deviceId },
      ctx.timeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS,
      ctx.trace,
    );
    let grant;
    try {
      grant = await api.refresh(creds.refreshToken);
    } catch (err) {
      // The network is not the login: the stored one is kept for the next attempt (exit 4).
      if (err instanceof ConnectionError || err instanceof TimeoutError) {
        const why = `refreshing the stored token failed (${err.message}); the stored login is kept: try again`;
        throw err instanceof TimeoutError ? new TimeoutError(why) : new ConnectionError(why, err.code);
      }
      throw loginAgain(`refreshing the stored token failed (${(err as Error).message})`);
    }
    const next: StoredCredentials = { ...creds, accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt: grant.expiresAt };
    // Written at once (fsync, rename, fsync of the folder): the server has spent the old refresh token.
    try {
      writeCredentials(ctx.path, next);
      unsaved.delete(ctx.path);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      unsaved.set(ctx.path, next);
      warn(`warning: ${err.message}; the refreshed token is used for this command only and the stored refresh token was spent, so run clova-cli login once there is space`);
    }
    ctx.trace?.(`auth: token refreshed; it expires ${new Date(next.expiresAt).toISOString()}`);
    return next;
  });
}

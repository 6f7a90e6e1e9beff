/**
 * Keeps the stored token fresh (issue 9, section 4; spec 2.6, 6.4). Several processes share one
 * credentials file, so a refresh happens under the file's lock, after re-reading it: whoever comes
 * second finds the new token and does not spend the (rotated, single-use) refresh token again.
 */
import { AuthError, ConnectionError, ServerError, TimeoutError, UsageError } from '../protocol/errors.js';
import { AuthApi, AuthApiStatusError, DEFAULT_AUTH_TIMEOUT_MS } from './auth-api.js';
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
}

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
  const margin = opts.marginMs ?? REFRESH_MARGIN_MS;
  const due = (c: StoredCredentials) =>
    opts.rejectedToken !== undefined ? c.accessToken === opts.rejectedToken : c.expiresAt - Date.now() <= margin;
  const first = readCredentials(ctx.path);
  if (!first) throw new AuthError('not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN', undefined, 'E_NO_TOKEN');
  if (!due(first)) return first;
  return withCredentialsLock(ctx.path, async () => {
    const creds = readCredentials(ctx.path);
    if (!creds) throw new AuthError('not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN', undefined, 'E_NO_TOKEN');
    if (!due(creds)) {
      ctx.trace?.('auth: another process refreshed the token already');
      return creds;
    }
    if (!ctx.clientSecret) {
      throw new UsageError('CLOVA_CLIENT_SECRET is not set: the stored token is due for a refresh, which needs the client secret; export it or put it in .env');
    }
    const api = new AuthApi(
      new URL(creds.authUrl),
      { clientId: creds.clientId, clientSecret: ctx.clientSecret, modelId: creds.modelId, deviceId: creds.deviceId },
      ctx.timeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS,
      ctx.trace,
    );
    let grant;
    try {
      grant = await api.refresh(creds.refreshToken);
    } catch (err) {
      // The network or a broken Auth API is exit 4 and keeps the stored login; only a refusal means log in again.
      if (err instanceof ConnectionError || err instanceof TimeoutError || (err instanceof ServerError && !(err instanceof AuthApiStatusError))) throw err;
      if (err instanceof AuthApiStatusError && (err.status ?? 0) >= 500) throw err;
      throw loginAgain(`refreshing the stored token failed (${(err as Error).message})`);
    }
    const next: StoredCredentials = { ...creds, accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt: grant.expiresAt };
    writeCredentials(ctx.path, next);
    ctx.trace?.(`auth: token refreshed; it expires ${new Date(next.expiresAt).toISOString()}`);
    return next;
  });
}

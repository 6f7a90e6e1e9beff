import { terminalSafeJson } from '../../protocol/sanitize.js';
import { writeSync } from 'node:fs';
import { freshCredentials } from '../../auth/refresh.js';
import { readCredentials } from '../../auth/credentials-store.js';
import { AuthError } from '../../protocol/errors.js';
import { resolveAuthSettings } from '../auth-settings.js';
import { fromDotEnv } from '../dotenv.js';
import { formatExpiry } from '../expiry.js';
import { configurationEnv, secrets } from '../secrets.js';

/** Runs `clova-cli auth status`: exit 0 when the next command has a usable token, 3 otherwise. */
export async function runAuthStatus(opts: { json?: boolean }): Promise<void> {
  const settings = resolveAuthSettings({});
  const envToken = configurationEnv().CLOVA_ACCESS_TOKEN?.trim();
  const creds = envToken ? undefined : readCredentials(settings.credentialsPath);
  const source = envToken ? (fromDotEnv.has('CLOVA_ACCESS_TOKEN') ? '.env' : 'environment') : creds ? 'stored credentials' : 'none';
  // An expired stored token still serves when it can be refreshed (a refresh token and the secret).
  const usable = envToken !== undefined && envToken !== '' ? true : creds ? creds.expiresAt > Date.now() || settings.clientSecret !== undefined : false;
  const status = {
    type: 'auth-status',
    source,
    usable,
    expiresAt: creds ? new Date(creds.expiresAt).toISOString() : null,
    deviceId: creds?.deviceId ?? settings.deviceId ?? null,
    authUrl: creds?.authUrl ?? settings.authUrl.origin,
    credentialsPath: settings.credentialsPath,
  };
  if (opts.json) {
    process.stdout.write(terminalSafeJson(status) + '\n');
  } else {
    const lines = [
      `Token: ${source === 'none' ? 'none (not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN)' : `from ${source === 'environment' ? 'CLOVA_ACCESS_TOKEN in the environment' : source === '.env' ? 'CLOVA_ACCESS_TOKEN in .env' : 'the stored credentials'}`}`,
      `Expires: ${creds ? formatExpiry(creds.expiresAt) : envToken ? 'unknown (a token from CLOVA_ACCESS_TOKEN is never refreshed)' : '-'}`,
      `Device: ${status.deviceId ?? '-'}`,
      `Auth URL: ${status.authUrl}`,
      `Credentials file: ${settings.credentialsPath}${creds ? '' : ' (none)'}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (!usable) {
    throw new AuthError(source === 'none' ? 'not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN' : 'the stored token has expired and CLOVA_CLIENT_SECRET is not set to refresh it', undefined, 'E_NO_TOKEN');
  }
}

/** Runs `clova-cli auth token`: the token alone on stdout, refreshed first when due. */
export async function runAuthToken(opts: { timeout: string }): Promise<void> {
  const settings = resolveAuthSettings(opts);
  const envToken = configurationEnv().CLOVA_ACCESS_TOKEN?.trim();
  let token: string;
  if (envToken) {
    token = envToken;
  } else {
    const creds = await freshCredentials({ path: settings.credentialsPath, clientSecret: settings.clientSecret, timeoutMs: settings.timeoutMs });
    secrets.add(creds.refreshToken);
    token = creds.accessToken;
  }
  // Straight to the file descriptor: this is the one output whose purpose is the token, and the
  // guard on process.stdout would redact it.
  writeSync(1, token + '\n');
}

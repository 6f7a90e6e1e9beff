import { AuthApi } from '../../auth/auth-api.js';
import { deleteCredentials, readCredentials } from '../../auth/credentials-store.js';
import { terminalLine } from '../../protocol/sanitize.js';
import { parseAuthUrl, resolveAuthSettings } from '../auth-settings.js';
import { shortDeviceId } from '../expiry.js';
import { secrets } from '../secrets.js';

/** Runs `clova-cli logout`: the server call may fail (a warning); the stored credentials go regardless. */
export async function runLogout(opts: { insecureAuth?: boolean; timeout: string }): Promise<void> {
  const settings = resolveAuthSettings(opts);
  const creds = readCredentials(settings.credentialsPath);
  if (!creds) {
    process.stdout.write(`Not logged in (no ${settings.credentialsPath}); nothing to do\n`);
    return;
  }
  secrets.add(creds.accessToken);
  secrets.add(creds.refreshToken);
  const warn = (why: string) => process.stderr.write(`clova-cli: warning: ${terminalLine(why)}; the stored credentials are deleted anyway\n`);
  if (!settings.clientSecret) {
    warn('CLOVA_CLIENT_SECRET is not set, so the token could not be deleted on the server');
  } else {
    try {
      const { url } = parseAuthUrl(creds.authUrl, opts.insecureAuth === true, 'the stored auth URL');
      const api = new AuthApi(
        url,
        { clientId: creds.clientId, clientSecret: settings.clientSecret, modelId: creds.modelId, deviceId: creds.deviceId },
        settings.timeoutMs,
      );
      await api.deleteToken(creds.accessToken);
    } catch (err) {
      warn(`the server did not delete the token (${(err as Error).message})`);
    }
  }
  deleteCredentials(settings.credentialsPath);
  process.stdout.write(`Logged out (device ${shortDeviceId(creds.deviceId)}); ${settings.credentialsPath} deleted\n`);
}

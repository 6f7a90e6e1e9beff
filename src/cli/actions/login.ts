import { randomBytes } from 'node:crypto';
import { AuthApi, AuthApiStatusError, serverDescription, type AuthApiAnswer, type TokenGrant } from '../../auth/auth-api.js';
import { CREDENTIALS_VERSION, readCredentials, writeCredentials } from '../../auth/credentials-store.js';
import { AuthError, ClovaError, ServerError, UsageError } from '../../protocol/errors.js';
import { terminalLine } from '../../protocol/sanitize.js';
import { newDeviceId, requirePartner, resolveAuthSettings, type LoginOptions } from '../auth-settings.js';
import { formatExpiry, shortDeviceId } from '../expiry.js';
import { configurationEnv, secrets } from '../secrets.js';
import { promptHidden, readFirstLine, waitForEnter } from '../secret-input.js';

/** Spec 6.2's message for 423. */
const WITHDRAWN =
  'this account has withdrawn from CLOVA; you can use CLOVA with it again if you log in one month after the withdrawal';

/** A 4xx from /token: the partner configuration is what is wrong (exit 2); 5xx stays a server error (exit 4). */
function tokenFailure(err: unknown): unknown {
  if (err instanceof AuthApiStatusError && err.status < 500) {
    return new UsageError(
      `the Auth API refused the token request (${err.status}${err.description ? `: ${err.description}` : ''}); check CLOVA_CLIENT_ID, CLOVA_CLIENT_SECRET and CLOVA_MODEL_ID, or get a new code`,
    );
  }
  if (err instanceof ServerError && !(err instanceof AuthApiStatusError)) return err;
  if (err instanceof AuthApiStatusError) return new ServerError(`${err.message}; the server failed, try again later`, err.status, err.description);
  return err;
}

/** What /authorize answered, as an error for every status but 200 and 451. */
function authorizeFailure(answer: AuthApiAnswer): ClovaError {
  const description = serverDescription(answer.body);
  const detail = description ? `: ${description}` : '';
  switch (answer.status) {
    case 403:
      return new AuthError(`the NAVER access token was refused (403${detail}); log in with NAVER again for a fresh token, then run clova-cli login`, 403);
    case 423:
      return new AuthError(WITHDRAWN, 423);
    case 400:
    case 401:
      return new UsageError(
        `the Auth API refused the authorization request (${answer.status}${detail}); check CLOVA_CLIENT_ID, CLOVA_CLIENT_SECRET and CLOVA_MODEL_ID`,
      );
    default:
      return new ServerError(
        `the authorization request failed with status ${answer.status}${detail}; ${answer.status >= 500 ? 'the server failed, try again later' : 'rerun with --verbose to see the exchange'}`,
        answer.status,
        description,
      );
  }
}

/** Runs `clova-cli login` (commands/login.ts defines its options). */
export async function runLogin(opts: LoginOptions): Promise<void> {
  const ways = [opts.code !== undefined, opts.withNaverToken === true, opts.guest === true].filter(Boolean).length;
  if (ways > 1) throw new UsageError('--code, --with-naver-token and --guest exclude each other: give one');
  if (opts.code !== undefined && (opts.code.trim() === '' || /[\s\u0000-\u001f]/.test(opts.code.trim()))) {
    throw new UsageError('--code must be a non-empty authorization code without spaces');
  }
  const settings = resolveAuthSettings(opts);
  const partner = requirePartner(settings);
  const interactive = process.stdin.isTTY === true;
  if (ways === 0 && !interactive) {
    throw new UsageError('standard input is not a terminal: give --with-naver-token (the token on standard input), --code <code> or --guest');
  }
  for (const w of settings.warnings) process.stderr.write(`clova-cli: ${w}\n`);

  // The device id stays the same across logins: CLOVA_DEVICE_ID, else the stored one, else a new UUID.
  let previousDevice: string | undefined;
  try {
    previousDevice = readCredentials(settings.credentialsPath)?.deviceId;
  } catch {
    previousDevice = undefined; // an unusable file is what this login replaces
  }
  const deviceId = settings.deviceId ?? previousDevice ?? newDeviceId();
  const api = new AuthApi(settings.authUrl, { ...partner, deviceId }, settings.timeoutMs);

  let grant: TokenGrant;
  if (opts.code !== undefined) {
    secrets.add(opts.code.trim());
    grant = await api.exchangeCode(opts.code.trim()).catch((err) => {
      throw tokenFailure(err);
    });
  } else {
    let naverToken: string | undefined;
    if (opts.withNaverToken) naverToken = await readFirstLine();
    else if (!opts.guest) naverToken = await promptHidden('NAVER access token (input hidden): ');
    secrets.add(naverToken);
    grant = await authorizeAndExchange(api, naverToken, interactive && !opts.withNaverToken);
  }
  secrets.add(grant.accessToken);
  secrets.add(grant.refreshToken);
  writeCredentials(settings.credentialsPath, {
    version: CREDENTIALS_VERSION,
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    expiresAt: grant.expiresAt,
    deviceId,
    modelId: partner.modelId,
    clientId: partner.clientId,
    authUrl: settings.authUrl.origin + settings.authUrl.pathname.replace(/\/$/, ''),
  });
  process.stdout.write(`Logged in${opts.guest ? ' as a guest' : ''} (device ${shortDeviceId(deviceId)}); the token expires ${formatExpiry(grant.expiresAt)}\n`);
  process.stderr.write(`clova-cli: credentials stored in ${settings.credentialsPath}\n`);
  if (configurationEnv().CLOVA_ACCESS_TOKEN?.trim()) {
    process.stderr.write('clova-cli: warning: CLOVA_ACCESS_TOKEN is set and wins over this login; unset it (environment or .env) to use the stored one\n');
  }
}

/** /authorize (with the terms flow of a 451) then /token. */
async function authorizeAndExchange(api: AuthApi, naverToken: string | undefined, canAsk: boolean): Promise<TokenGrant> {
  const authorize = async () => {
    const state = randomBytes(18).toString('base64url');
    const answer = await api.authorize(state, naverToken);
    if (answer.status === 200 || answer.status === 451) {
      // The state proves the answer is for this request (anti-CSRF): without it nothing is stored.
      if (answer.body?.state !== state) {
        throw new AuthError('the Auth API answered with a different state than was sent: nothing was stored; run clova-cli login again');
      }
      const code = answer.body?.code;
      if (typeof code !== 'string' || code === '' || /[\s\u0000-\u001f]/.test(code)) {
        throw new ServerError(`the authorization request answered ${answer.status} without a code`, answer.status);
      }
      secrets.add(code);
    }
    return answer;
  };
  const first = await authorize();
  if (first.status === 200) {
    return api.exchangeCode(first.body!.code as string).catch((err) => {
      throw tokenFailure(err);
    });
  }
  if (first.status !== 451) throw authorizeFailure(first);
  const uri = typeof first.body?.redirect_uri === 'string' ? terminalLine(first.body.redirect_uri) : undefined;
  const where = uri ? ` at ${uri}` : ' (the server gave no address for them)';
  if (!canAsk) {
    throw new AuthError(`the CLOVA terms have not been accepted for this account: accept them${where} in a browser, then run clova-cli login again`, 451);
  }
  process.stderr.write(`The CLOVA terms have not been accepted for this account. Open this address in a browser and agree:\n  ${uri ?? '(none given)'}\n`);
  await waitForEnter('Press Enter once you have agreed… ');
  try {
    return await api.exchangeCode(first.body!.code as string);
  } catch (err) {
    if (!(err instanceof AuthApiStatusError) || err.status >= 500) throw tokenFailure(err);
  }
  // Digest 6.2: the 451 code was refused after agreeing; ask for a fresh one.
  const again = await authorize();
  if (again.status !== 200) throw again.status === 451 ? new AuthError(`the terms are still not accepted${where}; run clova-cli login again once you have agreed`, 451) : authorizeFailure(again);
  return api.exchangeCode(again.body!.code as string).catch((err) => {
    throw tokenFailure(err);
  });
}

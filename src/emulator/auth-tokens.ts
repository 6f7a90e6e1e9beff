/**
 * The emulator's book of authorization codes, access tokens and refresh tokens (spec 6.2-6.5). Every
 * value is random (32 bytes, base64url) so a test cannot pass by guessing one, and expiry is read
 * from an injected clock so it is checked against wall-clock time, never a timer.
 */
import { randomBytes } from 'node:crypto';

/** Default lifetime of an issued access token in seconds (`--token-lifetime`). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

/** An authorization code lives this long (the spec does not say; a login takes seconds). */
const CODE_LIFETIME_MS = 10 * 60_000;

/**
 * Entries kept per table. Expired and deleted access tokens must be remembered (a forgotten one would
 * pass as "not issued here" and be accepted again), so the tables are bounded instead of purged:
 * beyond this the oldest entries go.
 */
const MAX_ENTRIES = 10_000;

/** Who a code or token was issued to: the partner client, the device and its model. */
export interface Grantee {
  clientId: string;
  deviceId: string;
  modelId: string;
}

/** The answer of a successful `/token` (authorization_code or refresh_token), spec 6.3. */
export interface TokenResult {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  token_type: 'Bearer';
}

/** Why a code, refresh token or access token was not accepted, as one line for error_description. */
export class GrantError extends Error {}

/** What the emulator knows of a bearer token a CIC request carries. */
export type AccessTokenState = 'valid' | 'expired' | 'deleted' | 'unknown';

interface CodeEntry {
  grantee: Grantee;
  expiresAt: number;
}

interface AccessEntry {
  grantee: Grantee;
  expiresAt: number;
  deleted: boolean;
  refreshToken: string;
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  while (map.size > MAX_ENTRIES) map.delete(map.keys().next().value as string);
}

/** Issues, rotates, deletes and checks the Auth API's codes and tokens. */
export class AuthTokens {
  private readonly codes = new Map<string, CodeEntry>();
  private readonly access = new Map<string, AccessEntry>();
  /** Only live refresh tokens: a used or deleted one is removed, which is what rejects it. */
  private readonly refresh = new Map<string, Grantee>();
  private readonly lifetimeSeconds: number;
  private readonly now: () => number;

  constructor(lifetimeSeconds: number = DEFAULT_TOKEN_LIFETIME_SECONDS, now: () => number = Date.now) {
    if (!(Number.isInteger(lifetimeSeconds) && lifetimeSeconds >= 1 && lifetimeSeconds <= 2_147_483_647)) {
      throw new Error(`tokenLifetimeSeconds must be a whole number of seconds from 1 to 2147483647 (got ${lifetimeSeconds})`);
    }
    this.lifetimeSeconds = lifetimeSeconds;
    this.now = now;
  }

  /** A new authorization code for this grantee (`/authorize`). */
  issueCode(grantee: Grantee): string {
    const code = randomToken();
    remember(this.codes, code, { grantee: { ...grantee }, expiresAt: this.now() + CODE_LIFETIME_MS });
    return code;
  }

  /** Exchanges a code once (`grant_type=authorization_code`); throws GrantError when it is not usable. */
  exchangeCode(code: string, grantee: Grantee): TokenResult {
    const entry = this.codes.get(code);
    // Used once: whatever happens next, this code is spent.
    this.codes.delete(code);
    if (!entry) throw new GrantError('the authorization code is invalid or was already used');
    if (entry.expiresAt <= this.now()) throw new GrantError('the authorization code has expired');
    const mismatch = differingField(entry.grantee, grantee);
    if (mismatch) throw new GrantError(`the authorization code was issued for another ${mismatch}`);
    return this.issueTokens(entry.grantee);
  }

  /** Rotates a refresh token (`grant_type=refresh_token`): new access and refresh token, the old refresh token is dead. */
  refreshTokens(refreshToken: string, grantee: { clientId: string; modelId: string; deviceId?: string }): TokenResult {
    const owner = this.refresh.get(refreshToken);
    if (!owner) throw new GrantError('the refresh token is invalid, was already used, or its token was deleted');
    const mismatch = differingField(owner, { ...grantee, deviceId: grantee.deviceId ?? owner.deviceId });
    if (mismatch) throw new GrantError(`the refresh token was issued for another ${mismatch}`);
    this.refresh.delete(refreshToken);
    // The previous access token stays valid until it expires: another process may be using it.
    return this.issueTokens(owner);
  }

  /** Deletes an access token and its refresh token (`grant_type=delete`); returns the lifetime it had. */
  deleteToken(accessToken: string, grantee: Grantee): { expiresIn: number } {
    const entry = this.access.get(accessToken);
    if (!entry || entry.deleted) throw new GrantError('the access token is invalid or was already deleted');
    const mismatch = differingField(entry.grantee, grantee);
    if (mismatch) throw new GrantError(`the access token was issued for another ${mismatch}`);
    entry.deleted = true;
    this.refresh.delete(entry.refreshToken);
    return { expiresIn: this.lifetimeSeconds };
  }

  /** Whether a bearer token was issued here and is still good. */
  state(accessToken: string): AccessTokenState {
    const entry = this.access.get(accessToken);
    if (!entry) return 'unknown';
    if (entry.deleted) return 'deleted';
    return entry.expiresAt <= this.now() ? 'expired' : 'valid';
  }

  private issueTokens(grantee: Grantee): TokenResult {
    const accessToken = randomToken();
    const refreshToken = randomToken();
    remember(this.access, accessToken, {
      grantee,
      expiresAt: this.now() + this.lifetimeSeconds * 1000,
      deleted: false,
      refreshToken,
    });
    remember(this.refresh, refreshToken, grantee);
    return { access_token: accessToken, expires_in: this.lifetimeSeconds, refresh_token: refreshToken, token_type: 'Bearer' };
  }
}

function differingField(issued: Grantee, asked: Grantee): string | undefined {
  if (issued.clientId !== asked.clientId) return 'client_id';
  if (issued.modelId !== asked.modelId) return 'model_id';
  if (issued.deviceId !== asked.deviceId) return 'device_id';
  return undefined;
}

/** The credential of an `Authorization: Bearer <credential>` header. */
export function bearerToken(value: string | undefined): string | undefined {
  const m = /^bearer +(\S+)\s*$/i.exec(value ?? '');
  return m ? m[1] : undefined;
}

const INVALID = 'Authentication failed: invalid or missing CLOVA access token';

/**
 * Why a CIC request's bearer token is refused, or undefined when it is good: a token the Auth API
 * issued counts while it is neither expired nor deleted; `fixed` (`--token`) is always good; without
 * it, any token the emulator did not issue passes (so `--emulator` needs no login).
 */
export function refuseToken(tokens: AuthTokens, fixed: string | undefined, token: string | undefined): string | undefined {
  if (token === undefined) return INVALID;
  const state = tokens.state(token);
  if (state === 'valid') return undefined;
  if (state === 'expired') return 'Authentication failed: the CLOVA access token has expired; refresh it';
  if (state === 'deleted') return 'Authentication failed: the CLOVA access token was deleted (logged out)';
  return fixed !== undefined && token !== fixed ? INVALID : undefined;
}

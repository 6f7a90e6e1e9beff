/**
 * The CLOVA Client Auth API (spec 6) over `fetch`: plain HTTPS (or cleartext HTTP/1.1 to a local
 * emulator), GET with query parameters (digest 6.6), every request bounded by a timeout. It only
 * says what the server answered; what a status means for the user is decided by the callers.
 */
import { ConnectionError, ServerError, TimeoutError } from '../protocol/errors.js';
import { terminalLine } from '../protocol/sanitize.js';
import { tokenProblem } from './header-values.js';

/** The real service (spec 6.1). */
export const DEFAULT_AUTH_URL = 'https://auth.clova.ai';
/** How long one Auth API request may take when no other bound is given. */
export const DEFAULT_AUTH_TIMEOUT_MS = 15000;

/** Who this client is to the Auth API (spec 6.1). */
export interface PartnerCredentials {
  clientId: string;
  clientSecret: string;
  modelId: string;
  deviceId: string;
}

/** A tokenResult (spec 6.3), with the absolute expiry computed when it arrived. */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  expiresAt: number;
}

/** What the server answered: its status and its JSON body (undefined when the body was not JSON). */
export interface AuthApiAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** A non-2xx answer of the Auth API, with the server's own words. */
export class AuthApiStatusError extends ServerError {
  readonly body: Record<string, unknown> | undefined;
  constructor(what: string, answer: AuthApiAnswer) {
    const description = serverDescription(answer.body);
    super(`${what} failed with status ${answer.status}${description ? `: ${description}` : ''}`, answer.status, description);
    this.body = answer.body;
  }
}

/** The server's `error_description` (or `error`), made safe for one terminal line. */
export function serverDescription(body: Record<string, unknown> | undefined): string | undefined {
  const text = typeof body?.error_description === 'string' ? body.error_description : typeof body?.error === 'string' ? body.error : undefined;
  if (!text) return undefined;
  return terminalLine(text).slice(0, 300);
}

/** A client of one Auth API base URL. */
export class AuthApi {
  constructor(
    readonly baseUrl: URL,
    private readonly partner: PartnerCredentials,
    private readonly timeoutMs = DEFAULT_AUTH_TIMEOUT_MS,
    private readonly trace: (line: string) => void = () => undefined,
  ) {}

  /** GET /authorize (spec 6.2): with a NAVER token, or as a guest (spec 6.7). Answers whatever status came. */
  async authorize(state: string, naverToken: string | undefined): Promise<AuthApiAnswer> {
    const query: Record<string, string> = {
      client_id: this.partner.clientId,
      device_id: this.partner.deviceId,
      model_id: this.partner.modelId,
      response_type: 'code',
      state,
    };
    if (naverToken === undefined) query.request_vu = 'Y';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (naverToken !== undefined) headers.authorization = `Bearer ${naverToken}`;
    return this.get('/authorize', query, headers);
  }

  /** GET /token?grant_type=authorization_code (spec 6.3). */
  async exchangeCode(code: string): Promise<TokenGrant> {
    const answer = await this.get('/token', {
      grant_type: 'authorization_code',
      client_id: this.partner.clientId,
      client_secret: this.partner.clientSecret,
      code,
      device_id: this.partner.deviceId,
      model_id: this.partner.modelId,
    });
    return tokenGrant('the token request', answer);
  }

  /** GET /token?grant_type=refresh_token (spec 6.4): a new access AND refresh token. */
  async refresh(refreshToken: string): Promise<TokenGrant> {
    const answer = await this.get('/token', {
      grant_type: 'refresh_token',
      client_id: this.partner.clientId,
      client_secret: this.partner.clientSecret,
      refresh_token: refreshToken,
      model_id: this.partner.modelId,
      device_id: this.partner.deviceId,
    });
    return tokenGrant('the token refresh', answer);
  }

  /** GET /token?grant_type=delete (spec 6.5). */
  async deleteToken(accessToken: string): Promise<void> {
    const answer = await this.get('/token', {
      grant_type: 'delete',
      access_token: accessToken,
      client_id: this.partner.clientId,
      client_secret: this.partner.clientSecret,
      device_id: this.partner.deviceId,
      model_id: this.partner.modelId,
    });
    if (answer.status < 200 || answer.status > 299) throw new AuthApiStatusError('the token deletion', answer);
  }

  private async get(path: string, query: Record<string, string>, headers: Record<string, string> = { accept: 'application/json' }): Promise<AuthApiAnswer> {
    // Relative to the base's own path, so a base such as https://host/auth keeps its prefix.
    const base = this.baseUrl.href.endsWith('/') ? this.baseUrl.href : `${this.baseUrl.href}/`;
    const url = new URL(path.slice(1), base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    // The trace names the parameters, never their values: most of them are credentials.
    this.trace(`auth: GET ${url.origin}${url.pathname} (${Object.keys(query).join(', ')})`);
    let response: Response;
    try {
      response = await fetch(url, { method: 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new TimeoutError(`the Auth API at ${where(url)} did not answer within ${this.timeoutMs} ms; try again later`);
      }
      const why = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new ConnectionError(`cannot reach the Auth API at ${where(url)} (${terminalLine(String(why))}); check CLOVA_AUTH_URL and the network`, 'E_CONNECT');
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new ConnectionError(`the Auth API at ${where(url)} broke off its answer; try again`, 'E_CLOSED');
    }
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    this.trace(`auth: ${path} answered ${response.status}`);
    return { status: response.status, body };
  }
}

/** The URL for a message: `origin` is "null" for schemes without one. */
function where(url: URL): string {
  return url.origin !== 'null' ? url.origin : terminalLine(url.href).slice(0, 200);
}

function tokenGrant(what: string, answer: AuthApiAnswer): TokenGrant {
  if (answer.status < 200 || answer.status > 299) throw new AuthApiStatusError(what, answer);
  const b = answer.body;
  const ok = (v: unknown): v is string => tokenProblem(v) === undefined;
  const expiresIn = b?.expires_in;
  // At most ten years: a larger lifetime would overflow the stored expiry time.
  if (!b || !ok(b.access_token) || !ok(b.refresh_token) || typeof expiresIn !== 'number' || !(expiresIn >= 0 && expiresIn <= 315_360_000)) {
    throw new ServerError(`${what} answered ${answer.status} without a valid tokenResult (access_token, refresh_token, expires_in)`, answer.status);
  }
  return { accessToken: b.access_token, refreshToken: b.refresh_token, expiresIn, expiresAt: Date.now() + expiresIn * 1000 };
}

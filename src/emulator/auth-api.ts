/**
 * The emulator's Client Auth API (spec 6): `/authorize`, `/token` (authorization_code,
 * refresh_token, delete) and the `/terms` page a 451 points at. Transport-neutral: auth-http.ts
 * feeds it requests from HTTP/1.1 and HTTP/2 alike. Digest 6.6: GET with a query string or POST
 * with a form body, bare JSON answers, errors as `{"error","error_description"}`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FaultReader } from './active-faults.js';
import { AuthTokens, GrantError, bearerToken, type Grantee } from './auth-tokens.js';
import type { RecordedAuthRequest, Recorder } from './record.js';

/** The paths the Auth API answers; every other path belongs to CIC. */
const AUTH_PATHS = new Set(['/authorize', '/token', '/terms', '/terms/agree']);

/** Form bodies larger than this are refused: every parameter together is a few hundred bytes. */
export const MAX_AUTH_BODY_BYTES = 64 * 1024;

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'delete'] as const;
type GrantType = (typeof GRANT_TYPES)[number];

/** Required parameters per grant type (spec 6.3-6.5; device_id is optional for refresh). */
const TOKEN_PARAMS: Record<GrantType, readonly string[]> = {
  authorization_code: ['client_id', 'client_secret', 'code', 'device_id', 'model_id'],
  refresh_token: ['client_id', 'client_secret', 'refresh_token', 'model_id'],
  delete: ['access_token', 'client_id', 'client_secret', 'device_id', 'model_id'],
};

const AUTHORIZE_PARAMS = ['client_id', 'device_id', 'model_id', 'response_type', 'state'] as const;

/** Spec 6.2's withdrawal message, which a client must show on 423. */
const WITHDRAWN =
  'This account has withdrawn from CLOVA. You can use CLOVA with it again if you log in one month after withdrawal.';

/** One Auth API request, whatever carried it. */
export interface AuthRequest {
  method: string;
  /** Path and query string as received. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  /** The body (empty for GET). */
  body: Buffer;
  protocol: 'h2' | 'http/1.1';
}

/** The answer to write back. */
export interface AuthResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the Auth API needs from the emulator. */
export interface AuthApiDeps {
  tokens: AuthTokens;
  recorder: Recorder;
  faults: () => FaultReader;
  /** The emulator's public URL, for the terms page's address. */
  baseUrl: () => string;
  log: (line: string) => void;
  /** When set, `/authorize` and `/token` require this client_id. */
  clientId?: string;
  /** When set, `/token` requires this client_secret. */
  clientSecret?: string;
}

/** True for the paths the Auth API serves. */
export function isAuthPath(path: string): boolean {
  return AUTH_PATHS.has(path);
}

function json(status: number, body: object): AuthResponse {
  return {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function error(status: number, code: string, description: string): AuthResponse {
  return json(status, { error: code, error_description: description });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Answers the Client Auth API's requests and records each one (parameter names only). */
export class AuthApi {
  private readonly deps: AuthApiDeps;

  constructor(deps: AuthApiDeps) {
    this.deps = deps;
  }

  /** Answers one request; never throws. */
  handle(req: AuthRequest): AuthResponse {
    const [path = '', query = ''] = req.url.split(/\?(.*)/s, 2);
    const params = new URLSearchParams(query);
    const names = [...params.keys()];
    const contentType = headerValue(req.headers['content-type']) ?? '';
    if (req.method === 'POST' && /^application\/x-www-form-urlencoded\b/i.test(contentType)) {
      // Digest 6.6: the guide's curl examples POST the parameters as a form; they win over the query.
      for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) {
        names.push(k);
        params.set(k, v);
      }
    }
    const grant = params.get('grant_type') ?? undefined;
    const response = this.answer(req, path, params);
    const entry: RecordedAuthRequest = {
      method: req.method,
      path,
      protocol: req.protocol,
      params: names,
      authorization: req.headers.authorization !== undefined,
      status: response.status,
      at: Date.now(),
    };
    if (path === '/token' && GRANT_TYPES.includes(grant as GrantType)) entry.grantType = grant as GrantType;
    this.deps.recorder.add('auth', entry);
    this.deps.recorder.changed();
    const detail = response.status >= 400 ? ` ${(JSON.parse(response.body) as { error?: string }).error ?? ''}` : '';
    this.deps.log(`auth ${req.protocol} ${req.method} ${path}${entry.grantType ? ` grant_type=${entry.grantType}` : ''} -> ${response.status}${detail}`);
    return response;
  }

  private answer(req: AuthRequest, path: string, params: URLSearchParams): AuthResponse {
    if (path === '/terms' || path === '/terms/agree') {
      if (req.method !== 'GET' && req.method !== 'POST') return this.notAllowed('GET');
      return path === '/terms' ? this.terms(params) : this.agreed(params);
    }
    if (req.method !== 'GET' && req.method !== 'POST') return this.notAllowed('GET, POST');
    if (req.body.length > MAX_AUTH_BODY_BYTES) return error(413, 'invalid_request', `the body is larger than ${MAX_AUTH_BODY_BYTES} bytes`);
    return path === '/authorize' ? this.authorize(req, params) : this.token(params);
  }

  private notAllowed(allow: string): AuthResponse {
    const r = error(405, 'invalid_request', `method not allowed: use ${allow}`);
    r.headers.allow = allow;
    return r;
  }

  /** Spec 6.2. */
  private authorize(req: AuthRequest, params: URLSearchParams): AuthResponse {
    const missing = AUTHORIZE_PARAMS.filter((n) => !params.get(n));
    if (missing.length > 0) return error(400, 'invalid_request', `missing parameter(s): ${missing.join(', ')}`);
    if (params.get('response_type') !== 'code') return error(400, 'unsupported_response_type', 'response_type must be "code"');
    const clientError = this.checkClientId(params.get('client_id')!);
    if (clientError) return clientError;
    const guest = params.get('request_vu') === 'Y';
    const naverToken = bearerToken(headerValue(req.headers.authorization));
    // Digest U-29: any non-empty NAVER token is accepted; guest mode (6.7) needs none.
    if (!guest && naverToken === undefined) {
      return error(403, 'invalid_token', 'the NAVER access token is missing or invalid: send Authorization: Bearer <NAVER token>, or request_vu=Y for guest mode');
    }
    const state = params.get('state')!;
    const grantee: Grantee = { clientId: params.get('client_id')!, deviceId: params.get('device_id')!, modelId: params.get('model_id')! };
    const fault = this.deps.faults().get('authorize-status');
    if (fault?.status === 403) return error(403, 'invalid_token', 'the NAVER access token is invalid (fault authorize-status=403)');
    if (fault?.status === 423) return error(423, 'account_withdrawn', WITHDRAWN);
    if (fault?.status === 500) return error(500, 'server_error', 'internal server error (fault authorize-status=500)');
    const code = this.deps.tokens.issueCode(grantee);
    if (fault?.status === 451) {
      const terms = new URL('/terms', this.deps.baseUrl());
      terms.search = new URLSearchParams({ code, grant_type: 'code', state }).toString();
      return json(451, { code, redirect_uri: terms.toString(), state });
    }
    return json(200, { code, state });
  }

  /** Spec 6.3-6.5. */
  private token(params: URLSearchParams): AuthResponse {
    const grant = params.get('grant_type');
    if (!grant) return error(400, 'invalid_request', 'missing parameter: grant_type');
    if (!GRANT_TYPES.includes(grant as GrantType)) {
      return error(400, 'unsupported_grant_type', `grant_type must be one of ${GRANT_TYPES.join(', ')}`);
    }
    const type = grant as GrantType;
    const missing = TOKEN_PARAMS[type].filter((n) => !params.get(n));
    if (missing.length > 0) return error(400, 'invalid_request', `missing parameter(s): ${missing.join(', ')}`);
    const clientError = this.checkClientId(params.get('client_id')!) ?? this.checkSecret(params.get('client_secret')!);
    if (clientError) return clientError;
    const fault = this.deps.faults().get('token-status');
    if (fault?.status === 400) return error(400, 'invalid_request', 'the request was refused (fault token-status=400)');
    if (fault?.status === 500) return error(500, 'server_error', 'internal server error (fault token-status=500)');
    const clientId = params.get('client_id')!;
    const modelId = params.get('model_id')!;
    const deviceId = params.get('device_id') ?? undefined;
    try {
      if (type === 'authorization_code') {
        return json(200, this.deps.tokens.exchangeCode(params.get('code')!, { clientId, modelId, deviceId: deviceId! }));
      }
      if (type === 'refresh_token') {
        return json(200, this.deps.tokens.refreshTokens(params.get('refresh_token')!, { clientId, modelId, deviceId }));
      }
      const accessToken = params.get('access_token')!;
      const { expiresIn } = this.deps.tokens.deleteToken(accessToken, { clientId, modelId, deviceId: deviceId! });
      return json(200, { access_token: accessToken, client_id: clientId, expires_in: expiresIn });
    } catch (err) {
      if (err instanceof GrantError) return error(400, 'invalid_grant', err.message);
      return error(500, 'server_error', 'internal server error');
    }
  }

  private checkClientId(clientId: string): AuthResponse | undefined {
    const expected = this.deps.clientId;
    if (expected !== undefined && clientId !== expected) return error(400, 'invalid_client', 'unknown client_id');
    return undefined;
  }

  private checkSecret(secret: string): AuthResponse | undefined {
    const expected = this.deps.clientSecret;
    if (expected !== undefined && !sameSecret(secret, expected)) return error(401, 'invalid_client', 'wrong client_secret');
    return undefined;
  }

  /**
   * Where Agree leads (spec 6.2): `clova://agreement-success`, or, when the page was opened with a
   * `redirect_uri` parameter, that http(s) address with the code and state.
   */
  private agreed(params: URLSearchParams): AuthResponse {
    let location = 'clova://agreement-success';
    const back = params.get('redirect_uri');
    if (back) {
      let url: URL;
      try {
        url = new URL(back);
      } catch {
        return error(400, 'invalid_request', 'redirect_uri is not a URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return error(400, 'invalid_request', 'redirect_uri must be http or https');
      url.searchParams.set('code', params.get('code') ?? '');
      url.searchParams.set('state', params.get('state') ?? '');
      location = url.toString();
    }
    return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
  }

  /** The page a 451's redirect_uri opens: the terms, and an Agree button that ends in clova://agreement-success. */
  private terms(params: URLSearchParams): AuthResponse {
    const agree = new URLSearchParams({ code: params.get('code') ?? '', state: params.get('state') ?? '' });
    const back = params.get('redirect_uri');
    if (back) agree.set('redirect_uri', back);
    const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CLOVA terms (emulator)</title></head>
<body>
<h1>CLOVA terms of use (emulator)</h1>
<p>These are the CIC emulator's stand-in terms. Agreeing ends at <code>clova://agreement-success</code>.</p>
<form method="get" action="/terms/agree">
<input type="hidden" name="code" value="${escapeHtml(agree.get('code')!)}">
<input type="hidden" name="state" value="${escapeHtml(agree.get('state')!)}">
${back ? `<input type="hidden" name="redirect_uri" value="${escapeHtml(back)}">\n` : ''}
<button type="submit">Agree</button>
</form>
<p><a href="/terms/agree?${escapeHtml(agree.toString())}">Agree</a></p>
</body></html>
`;
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body };
  }
}

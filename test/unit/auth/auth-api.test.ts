import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthApi, AuthApiStatusError } from '../../../src/auth/auth-api.js';
import { ConnectionError, ServerError, TimeoutError } from '../../../src/protocol/errors.js';

interface Seen {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
}

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A tiny fake Auth API: answers every request with `reply`, records what it saw. */
async function fake(reply: (seen: Seen) => { status: number; body: string } | undefined): Promise<{ url: URL; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const s = { method: req.method!, url: new URL(req.url!, 'http://x'), headers: req.headers };
    seen.push(s);
    const r = reply(s);
    if (!r) return; // never answers
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), seen };
}

const partner = { clientId: 'cid', clientSecret: 'sec', modelId: 'mid', deviceId: 'did' };

describe('AuthApi', () => {
  it('sends GET /authorize with exactly the spec 6.2 parameters and the NAVER bearer token', async () => {
    const f = await fake(() => ({ status: 200, body: '{"code":"c1","state":"st"}' }));
    const answer = await new AuthApi(f.url, partner).authorize('st', 'naver');
    expect(answer).toEqual({ status: 200, body: { code: 'c1', state: 'st' } });
    const s = f.seen[0]!;
    expect(s.method).toBe('GET');
    expect(s.url.pathname).toBe('/authorize');
    expect(Object.fromEntries(s.url.searchParams)).toEqual({ client_id: 'cid', device_id: 'did', model_id: 'mid', response_type: 'code', state: 'st' });
    expect(s.headers.authorization).toBe('Bearer naver');
  });

  it('guest mode: request_vu=Y and no Authorization header', async () => {
    const f = await fake(() => ({ status: 200, body: '{"code":"c1","state":"st"}' }));
    await new AuthApi(f.url, partner).authorize('st', undefined);
    expect(f.seen[0]!.url.searchParams.get('request_vu')).toBe('Y');
    expect(f.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('refresh sends the spec 6.4 parameters and returns the new tokens with an absolute expiry', async () => {
    const f = await fake(() => ({ status: 200, body: '{"access_token":"a2","refresh_token":"r2","expires_in":100,"token_type":"Bearer"}' }));
    const before = Date.now();
    const grant = await new AuthApi(f.url, partner).refresh('r1');
    expect(grant).toMatchObject({ accessToken: 'a2', refreshToken: 'r2', expiresIn: 100 });
    expect(grant.expiresAt).toBeGreaterThanOrEqual(before + 100_000);
    expect(Object.fromEntries(f.seen[0]!.url.searchParams)).toEqual({
      grant_type: 'refresh_token', client_id: 'cid', client_secret: 'sec', refresh_token: 'r1', model_id: 'mid', device_id: 'did',
    });
  });

  it('an error answer keeps the server description; a 200 without tokens is a ServerError', async () => {
    const f = await fake((s) =>
      s.url.searchParams.get('grant_type') === 'delete'
        ? { status: 400, body: '{"error":"invalid_request","error_description":"no such\\u001b[31m token"}' }
        : { status: 200, body: '{"access_token":"a"}' },
    );
    const api = new AuthApi(f.url, partner);
    const err = await api.deleteToken('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthApiStatusError);
    expect((err as AuthApiStatusError).status).toBe(400);
    expect((err as AuthApiStatusError).message).not.toContain('\u001b');
    await expect(api.exchangeCode('c')).rejects.toThrow(ServerError);
  });

  it('a server that never answers is a TimeoutError; a closed port a ConnectionError', async () => {
    const f = await fake(() => undefined);
    await expect(new AuthApi(f.url, partner, 200).exchangeCode('c')).rejects.toThrow(TimeoutError);
    await expect(new AuthApi(new URL('http://127.0.0.1:1'), partner, 2000).exchangeCode('c')).rejects.toThrow(ConnectionError);
  });
});

describe('AuthApi base URL', () => {
  it('keeps a path prefix of the base URL', async () => {
    const f = await fake(() => ({ status: 200, body: '{"access_token":"a","refresh_token":"r","expires_in":1,"token_type":"Bearer"}' }));
    await new AuthApi(new URL('/auth', f.url), partner).exchangeCode('c');
    expect(f.seen[0]!.url.pathname).toBe('/auth/token');
  });
});

import { describe, expect, it } from 'vitest';
import https from 'node:https';
import type { ClientHttp2Session } from 'node:http2';
import { closeSession, connect, openDownchannel, request, sendEvent, textEvent, useEmulator } from './h2-client.js';
import type { Emulator } from '../../../src/emulator/index.js';

const { start, session } = useEmulator();

const CLIENT = { client_id: 'cid-1', device_id: 'dev-1', model_id: 'model-1' };
const SECRET = 'client-secret-9f8e7d';
const NAVER = 'naver-token-abc123';

type Json = Record<string, unknown>;

async function get(emu: Emulator, path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const r = await fetch(`${emu.url}${path}?${new URLSearchParams(params).toString()}`, { headers, redirect: 'manual' });
  return { status: r.status, body: (await r.json()) as Json, headers: r.headers };
}

async function authorize(emu: Emulator, extra: Record<string, string> = {}, naver: string | null = NAVER) {
  return get(emu, '/authorize', { ...CLIENT, response_type: 'code', state: 'st/ate +&=1', ...extra }, naver === null ? {} : { authorization: `Bearer ${naver}` });
}

async function login(emu: Emulator): Promise<{ access_token: string; refresh_token: string; expires_in: number }> {
  const a = await authorize(emu);
  expect(a.status).toBe(200);
  const t = await get(emu, '/token', { grant_type: 'authorization_code', ...CLIENT, client_secret: SECRET, code: a.body.code as string });
  expect(t.status).toBe(200);
  return t.body as { access_token: string; refresh_token: string; expires_in: number };
}

/** A request over HTTP/2 with no bearer token (the Auth API's own headers only). */
function h2Get(s: ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const stream = s.request({ ':method': 'GET', ':path': path, ...headers });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json }));
    stream.on('error', reject);
  });
}

describe('emulator Client Auth API (spec 6)', () => {
  it('answers /authorize and /token over HTTP/1.1 (fetch) with bare JSON, echoing state', async () => {
    const emu = await start({ tokenLifetimeSeconds: 120 });
    const a = await authorize(emu);
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(a.body).toEqual({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), state: 'st/ate +&=1' });
    const t = await get(emu, '/token', { grant_type: 'authorization_code', ...CLIENT, client_secret: SECRET, code: a.body.code as string });
    expect(t.body).toEqual({ access_token: expect.any(String), expires_in: 120, refresh_token: expect.any(String), token_type: 'Bearer' });
    const again = await get(emu, '/token', { grant_type: 'authorization_code', ...CLIENT, client_secret: SECRET, code: a.body.code as string });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/already used/) });
    // The record keeps parameter names, never their values.
    expect(emu.record.auth.map((r) => [r.method, r.path, r.grantType, r.status, r.protocol])).toEqual([
      ['GET', '/authorize', undefined, 200, 'http/1.1'],
      ['GET', '/token', 'authorization_code', 200, 'http/1.1'],
      ['GET', '/token', 'authorization_code', 400, 'http/1.1'],
    ]);
    expect(emu.record.auth[1]!.params).toEqual(['grant_type', 'client_id', 'device_id', 'model_id', 'client_secret', 'code']);
    expect(emu.record.auth[0]!.authorization).toBe(true);
    const recorded = JSON.stringify(emu.record);
    for (const secret of [SECRET, NAVER, a.body.code as string, t.body.access_token as string, t.body.refresh_token as string]) expect(recorded).not.toContain(secret);
    expect(emu.record.connections.every((c) => c.protocol === 'http/1.1')).toBe(true);
  });

  it('takes POST with a form body (digest 6.6), rotates refresh tokens and deletes tokens', async () => {
    const emu = await start();
    const first = await login(emu);
    const form = (p: Record<string, string>) => fetch(`${emu.url}/token`, { method: 'POST', body: new URLSearchParams(p) });
    const refresh = { grant_type: 'refresh_token', client_id: CLIENT.client_id, client_secret: SECRET, model_id: CLIENT.model_id };
    const r1 = await form({ ...refresh, refresh_token: first.refresh_token });
    expect(r1.status).toBe(200);
    const second = (await r1.json()) as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const r2 = await form({ ...refresh, refresh_token: first.refresh_token });
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as Json).error).toBe('invalid_grant');
    const del = await get(emu, '/token', { grant_type: 'delete', access_token: second.access_token, ...CLIENT, client_secret: SECRET });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ access_token: second.access_token, client_id: CLIENT.client_id, expires_in: 3600 });
    const r3 = await form({ ...refresh, refresh_token: second.refresh_token });
    expect(r3.status).toBe(400);
    expect(emu.record.auth.filter((r) => r.method === 'POST').map((r) => r.grantType)).toEqual(['refresh_token', 'refresh_token', 'refresh_token']);
  });

  it('answers 400/403 with {error, error_description} for bad requests, and guest mode needs no NAVER token', async () => {
    const emu = await start();
    const missing = await get(emu, '/authorize', { client_id: 'c', response_type: 'code' }, { authorization: `Bearer ${NAVER}` });
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'missing parameter(s): device_id, model_id, state' } });
    expect((await authorize(emu, { response_type: 'token' })).body.error).toBe('unsupported_response_type');
    expect(await authorize(emu, {}, null)).toMatchObject({ status: 403, body: { error: 'invalid_token' } });
    const guest = await authorize(emu, { request_vu: 'Y' }, null);
    expect(guest.status).toBe(200);
    expect(emu.record.auth.at(-1)).toMatchObject({ authorization: false, status: 200 });
    expect(await get(emu, '/token', { ...CLIENT })).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'missing parameter: grant_type' } });
    expect(await get(emu, '/token', { grant_type: 'password' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(await get(emu, '/token', { grant_type: 'refresh_token', client_id: 'c' })).toMatchObject({
      status: 400,
      body: { error_description: 'missing parameter(s): client_secret, refresh_token, model_id' },
    });
    const put = await fetch(`${emu.url}/token`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    const huge = await fetch(`${emu.url}/token`, { method: 'POST', body: 'x'.repeat(100_000), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(huge.status).toBe(413);
    // CIC is HTTP/2 only.
    expect((await fetch(`${emu.url}/v1/directives`)).status).toBe(505);
    expect((await fetch(`${emu.url}/nothing`)).status).toBe(404);
  });

  it('checks client_id and client_secret when they are configured', async () => {
    const emu = await start({ clientId: CLIENT.client_id, clientSecret: SECRET });
    expect(await authorize(emu, { client_id: 'other' })).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    const a = await authorize(emu);
    const wrong = await get(emu, '/token', { grant_type: 'authorization_code', ...CLIENT, client_secret: 'nope', code: a.body.code as string });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'wrong client_secret' } });
    const other = await get(emu, '/token', { grant_type: 'authorization_code', ...CLIENT, client_id: 'other', client_secret: SECRET, code: a.body.code as string });
    expect(other).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    // The refused requests did not spend the code.
    const ok = await get(emu, '/token', { grant_type: 'authorization_code', ...CLIENT, client_secret: SECRET, code: a.body.code as string });
    expect(ok.status).toBe(200);
    const wrongModel = await get(emu, '/token', { grant_type: 'refresh_token', client_id: CLIENT.client_id, client_secret: SECRET, model_id: 'm2', refresh_token: ok.body.refresh_token as string });
    expect(wrongModel).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'the refresh token was issued for another model_id' } });
  });

  it('serves the Auth API over HTTP/2 on the CIC connection too', async () => {
    const emu = await start();
    const s = await session();
    const q = new URLSearchParams({ ...CLIENT, response_type: 'code', state: 's1' });
    const a = await h2Get(s, `/authorize?${q.toString()}`, { authorization: `Bearer ${NAVER}` });
    expect(a).toMatchObject({ status: 200, body: { state: 's1' } });
    const t = await h2Get(s, `/token?${new URLSearchParams({ grant_type: 'authorization_code', ...CLIENT, client_secret: SECRET, code: a.body.code as string }).toString()}`);
    expect(t.status).toBe(200);
    const dc = openDownchannel(s, t.body.access_token as string);
    expect(await dc.status).toBe(200);
    await dc.waitParts(1);
    expect(emu.record.auth.map((r) => r.protocol)).toEqual(['h2', 'h2']);
    // Auth requests are not CIC requests: `requests` (which keeps paths and headers) never sees them.
    expect(emu.record.requests.map((r) => r.path)).toEqual(['/v1/directives']);
  });

  it('enforces issued tokens on CIC: expired and deleted ones get 401 with System.Exception', async () => {
    let now = Date.now();
    const emu = await start({ tokenLifetimeSeconds: 60, now: () => new Date(now) });
    const t = await login(emu);
    const s = await session();
    const dc = openDownchannel(s, t.access_token);
    expect(await dc.status).toBe(200);
    await dc.waitParts(1);
    expect((await sendEvent(s, textEvent('hello'), { token: t.access_token })).status).toBe(200);
    now += 60_000;
    for (const r of [await request(s, 'GET', '/v1/directives', { token: t.access_token }), await sendEvent(s, textEvent('hello'), { token: t.access_token })]) {
      expect(r.status).toBe(401);
      expect(r.parts[0]!.json!.directive.header).toMatchObject({ namespace: 'System', name: 'Exception' });
      expect(r.parts[0]!.json!.directive.payload).toEqual({ code: 401, description: 'Authentication failed: the CLOVA access token has expired; refresh it' });
    }
    // A token the emulator never issued still passes without --token (the --emulator mode needs no login).
    expect((await sendEvent(s, textEvent('hello'), { token: 'any-other-token' })).status).toBe(200);
    now = Date.now();
    const t2 = await login(emu);
    await get(emu, '/token', { grant_type: 'delete', access_token: t2.access_token, ...CLIENT, client_secret: SECRET });
    const deleted = await sendEvent(s, textEvent('hello'), { token: t2.access_token });
    expect(deleted.status).toBe(401);
    expect(deleted.parts[0]!.json!.directive.payload).toMatchObject({ code: 401, description: expect.stringMatching(/deleted/) });
  });

  it('with --token accepts that token and valid issued ones, nothing else', async () => {
    const emu = await start({ token: 'fixed-token-1234' });
    const t = await login(emu);
    for (const [token, status] of [['fixed-token-1234', 200], [t.access_token, 200], ['other-token', 401]] as const) {
      const s = await connect(emu.url);
      s.on('error', () => undefined);
      const dc = openDownchannel(s, token);
      expect(await dc.status, token).toBe(status);
      await closeSession(s);
    }
  });

  it('authorize-status and token-status faults answer every such request', async () => {
    const emu = await start();
    const t = await login(emu);
    emu.setFaults(['authorize-status=403']);
    expect(await authorize(emu)).toMatchObject({ status: 403, body: { error: 'invalid_token' } });
    emu.setFaults(['authorize-status=423']);
    expect(await authorize(emu)).toMatchObject({ status: 423, body: { error_description: expect.stringMatching(/^This account has withdrawn from CLOVA/) } });
    emu.setFaults(['authorize-status=500']);
    expect((await authorize(emu)).status).toBe(500);
    expect((await authorize(emu)).status).toBe(500);
    emu.setFaults(['token-status=400']);
    const refresh = { grant_type: 'refresh_token', client_id: CLIENT.client_id, client_secret: SECRET, model_id: CLIENT.model_id, refresh_token: t.refresh_token };
    expect(await get(emu, '/token', refresh)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    emu.setFaults(['token-status=500']);
    expect(await get(emu, '/token', refresh)).toMatchObject({ status: 500, body: { error: 'server_error' } });
    expect((await get(emu, '/token', { grant_type: 'delete', access_token: t.access_token, ...CLIENT, client_secret: SECRET })).status).toBe(500);
    emu.setFaults([]);
    // The refused refresh did not rotate anything.
    expect((await get(emu, '/token', refresh)).status).toBe(200);
  });

  it('on 451 sends a usable code and a terms page whose Agree ends at clova://agreement-success', async () => {
    const emu = await start({ faults: ['authorize-status=451'] });
    const a = await authorize(emu, { state: 'S<1>' });
    expect(a.status).toBe(451);
    expect(a.body).toEqual({ code: expect.any(String), redirect_uri: expect.stringMatching(new RegExp(`^${emu.url}/terms\\?`)), state: 'S<1>' });
    const termsUrl = new URL(a.body.redirect_uri as string);
    expect(termsUrl.searchParams.get('code')).toBe(a.body.code);
    expect(termsUrl.searchParams.get('state')).toBe('S<1>');
    const page = await fetch(termsUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<button type="submit">Agree</button>');
    expect(html).not.toContain('S<1>');
    const agreeHref = /<a href="([^"]+)">Agree<\/a>/.exec(html)![1]!.replace(/&#38;/g, '&');
    const agreed = await fetch(new URL(agreeHref, emu.url), { redirect: 'manual' });
    expect(agreed.status).toBe(302);
    expect(agreed.headers.get('location')).toBe('clova://agreement-success');
    // Spec 6.2 step 3: opened with a redirect_uri, Agree leads there with the code and state.
    termsUrl.searchParams.set('redirect_uri', 'https://app.example/done?x=1');
    const withBack = await (await fetch(termsUrl)).text();
    const backHref = /<a href="([^"]+)">Agree<\/a>/.exec(withBack)![1]!.replace(/&#38;/g, '&');
    const back = await fetch(new URL(backHref, emu.url), { redirect: 'manual' });
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location')!);
    expect([location.origin + location.pathname, location.searchParams.get('x'), location.searchParams.get('code'), location.searchParams.get('state')]).toEqual([
      'https://app.example/done',
      '1',
      a.body.code,
      'S<1>',
    ]);
    const t = await get(emu, '/token', { grant_type: 'authorization_code', ...CLIENT, client_secret: SECRET, code: a.body.code as string });
    expect(t.status).toBe(200);
  });

  it('serves HTTP/1.1 over TLS (ALPN http/1.1 or none) beside h2', async () => {
    const emu = await start({ tls: true });
    for (const alpn of [['http/1.1'], undefined]) {
      const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const q = new URLSearchParams({ ...CLIENT, response_type: 'code', state: 'tls' });
        const req = https.request(`${emu.url}/authorize?${q.toString()}`, { ca: emu.certPem, headers: { authorization: `Bearer ${NAVER}` }, ...(alpn ? { ALPNProtocols: alpn } : {}) }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(body.status).toBe(200);
      expect(JSON.parse(body.text)).toMatchObject({ state: 'tls' });
    }
    const s = await session(emu.certPem);
    const dc = openDownchannel(s, 'some-token');
    expect(await dc.status).toBe(200);
  });
});

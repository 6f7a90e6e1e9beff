import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { baseEnv, runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { startEmulatorCommand } from '../helpers/emulator-command.js';

const CLIENT = { client_id: 'cid-e2e-1', device_id: '0f6b1e8a-2c3d-4e5f-8a9b-1c2d3e4f5a6b', model_id: 'model-e2e' };
const SECRET = 'secret-e2e-4b7c9d2e1f';
const NAVER = 'naver-e2e-8d3c2b1a';
const UA = 'Acme/clova-cli/0.1.0 (Linux 6.1;x86_64;node=20)';

type Json = Record<string, unknown>;

async function call(base: string, path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${base}${path}?${new URLSearchParams(params).toString()}`, { headers });
  return { status: r.status, body: (await r.json()) as Json };
}

async function login(base: string, secret = SECRET): Promise<{ status: number; body: Json }> {
  const a = await call(base, '/authorize', { ...CLIENT, response_type: 'code', state: 'e2e-state' }, { authorization: `Bearer ${NAVER}` });
  expect(a).toMatchObject({ status: 200, body: { state: 'e2e-state' } });
  return call(base, '/token', { grant_type: 'authorization_code', ...CLIENT, client_secret: secret, code: a.body.code as string });
}

/** The status and System.Exception payload (if any) of `GET /v1/directives`, by a bare node:http2 client. */
function downchannel(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const stream = session.request({ ':method': 'GET', ':path': '/v1/directives', authorization: `Bearer ${token}`, 'user-agent': UA });
    let status = 0;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8').on('data', (d: string) => {
      body += d;
      // A 200 downchannel stays open: its Hello is enough.
      if (status === 200 && body.includes('"Hello"')) session.destroy();
    });
    stream.on('close', () => {
      session.destroy();
      resolve({ status, body });
    });
    stream.on('error', () => undefined);
  });
}

/** Polls `check` every 100 ms until it holds, at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('the emulator Auth API (e2e)', () => {
  it('`clova-cli emulator` issues tokens to fetch over HTTP/1.1, checks the client secret from the environment, and expires tokens on CIC', async () => {
    const emu = startEmulatorCommand(['--token-lifetime', '2', '--client-id', CLIENT.client_id], { CLOVA_EMULATOR_CLIENT_SECRET: SECRET });
    try {
      const { url } = await emu.ready;
      expect(emu.stdout()).toContain(`log in against it: export CLOVA_AUTH_URL=${url}\n`);
      expect(await login(url, 'wrong-secret')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      const t = await login(url);
      expect(t).toMatchObject({ status: 200, body: { expires_in: 2, token_type: 'Bearer' } });
      const token = t.body.access_token as string;
      expect((await downchannel(url, token)).status).toBe(200);
      // The token lives 2 s by the emulator's clock: wait (bounded) until CIC refuses it.
      let last = { status: 0, body: '' };
      expect(await eventually(async () => (last = await downchannel(url, token)).status === 401)).toBe(true);
      expect(last.body).toContain('"namespace":"System","name":"Exception"');
      expect(last.body).toContain('the CLOVA access token has expired');
      // The refresh token still works after the access token expired.
      const r = await call(url, '/token', { grant_type: 'refresh_token', client_id: CLIENT.client_id, client_secret: SECRET, refresh_token: t.body.refresh_token as string, model_id: CLIENT.model_id });
      expect(r.status).toBe(200);
      expect((await downchannel(url, r.body.access_token as string)).status).toBe(200);
    } finally {
      expect(await emu.stop()).toBe(0);
    }
    const log = emu.log();
    expect(log).toMatch(/auth http\/1\.1 GET \/token grant_type=authorization_code -> 200/);
    expect(log).toMatch(/auth http\/1\.1 GET \/token grant_type=authorization_code -> 401 invalid_client/);
    for (const secret of [SECRET, NAVER, 'wrong-secret']) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/access_token=|refresh_token=|code=/);
  });

  it('serves the Auth API to Node fetch over TLS (--tls)', async () => {
    const emu = startEmulatorCommand(['--tls']);
    try {
      const { url, cert } = await emu.ready;
      // Global fetch trusts extra CAs only from NODE_EXTRA_CA_CERTS at start: a child process asks.
      const script = `
        const q = new URLSearchParams(${JSON.stringify({ ...CLIENT, response_type: 'code', state: 'tls-state' })});
        const r = await fetch(${JSON.stringify(url)} + '/authorize?' + q, { headers: { authorization: 'Bearer n' } });
        process.stdout.write(JSON.stringify({ status: r.status, body: await r.json() }));`;
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: baseEnv({ NODE_EXTRA_CA_CERTS: cert! }), stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`fetch child exited ${code}: ${err}`))));
      });
      expect(JSON.parse(out)).toMatchObject({ status: 200, body: { state: 'tls-state', code: expect.any(String) } });
    } finally {
      expect(await emu.stop()).toBe(0);
    }
  });

  it('a token issued by the in-process emulator works for `clova-cli text`, and is refused (exit 3) once deleted', async () => {
    const emu = await emulator();
    const t = await login(emu.url);
    const token = t.body.access_token as string;
    const env = { CLOVA_ACCESS_TOKEN: token, CLOVA_CIC_URL: emu.url };
    const ok = await runCli(['text', 'hello'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/CLOVA: /);
    const del = await call(emu.url, '/token', { grant_type: 'delete', access_token: token, ...CLIENT, client_secret: SECRET });
    expect(del).toMatchObject({ status: 200, body: { access_token: token, client_id: CLIENT.client_id } });
    const refused = await runCli(['text', 'hello'], { env });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^clova-cli: error: .*401/m);
    expect(refused.stdout + refused.stderr).not.toContain(token);
    const statuses = emu.record.requests.filter((r) => r.path === '/v1/directives').map((r) => r.status);
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(401);
    expect(emu.record.auth.map((r) => `${r.path} ${r.grantType ?? ''} ${r.status}`)).toEqual(['/authorize  200', '/token authorization_code 200', '/token delete 200']);
  });

  it('rejects bad Auth API options with exit 2 before listening', async () => {
    for (const [args, re] of [
      [['--token-lifetime', '0'], /--token-lifetime must be a whole number of seconds from 1 to 2147483647 \(got "0"\)/],
      [['--token-lifetime', '1.5'], /--token-lifetime must be a whole number/],
      [['--client-id', ' '], /--client-id must be non-empty/],
    ] as const) {
      const r = await runCli(['emulator', '--port', '0', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stdout).toBe('');
    }
  });
});

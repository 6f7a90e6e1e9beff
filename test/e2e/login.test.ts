import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';

const CLIENT_ID = 'clova-e2e-client';
const SECRET = 'secret-e2e-5d1c9a7f3b';
const MODEL = 'model-e2e';
const NAVER = 'naver-e2e-3b8e6f1a2c';

interface Home {
  dir: string;
  file: string;
  env: Record<string, string>;
}

/** A fresh HOME and XDG_CONFIG_HOME, and the partner variables pointing at `e`. */
function home(e: Emulator, extra: Record<string, string> = {}): Home {
  const dir = mkdtempSync(join(tmpdir(), 'clova-login-'));
  const config = join(dir, 'config');
  return {
    dir,
    file: join(config, 'clova-cli', 'credentials.json'),
    env: {
      HOME: dir,
      XDG_CONFIG_HOME: config,
      CLOVA_AUTH_URL: e.url,
      CLOVA_CIC_URL: e.url,
      CLOVA_CLIENT_ID: CLIENT_ID,
      CLOVA_CLIENT_SECRET: SECRET,
      CLOVA_MODEL_ID: MODEL,
      ...extra,
    },
  };
}

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  return emulator({ clientId: CLIENT_ID, clientSecret: SECRET, ...options });
}

function stored(h: Home): Record<string, any> {
  return JSON.parse(readFileSync(h.file, 'utf8')) as Record<string, any>;
}

/** Every file the CLI may have left under HOME, but the credentials file itself. */
function otherFiles(dir: string, skip: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && path !== skip) out.push(readFileSync(path, 'utf8'));
  }
  return out;
}

function expectNoSecret(results: CliResult[], secrets: string[]): void {
  for (const r of results) for (const s of secrets) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

async function login(h: Home, args: string[] = ['--with-naver-token'], input: string | undefined = NAVER + '\n'): Promise<CliResult> {
  return runCli(['login', ...args], { env: h.env, input, cwd: h.dir });
}

describe('clova-cli login', () => {
  it('logs in with a NAVER token on stdin, stores 0600 credentials in a 0700 folder, and a request command uses them', async () => {
    const e = await start();
    const h = home(e);
    const r = await login(h);
    expect(r.stderr).toBe(`clova-cli: credentials stored in ${h.file}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Logged in \(device [0-9a-f]{4}…\); the token expires \d{4}-\d\d-\d\d \d\d:\d\d \(in 1 hour\)\n$/);
    expect(statSync(h.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(h.dir, 'config', 'clova-cli')).mode & 0o777).toBe(0o700);
    const creds = stored(h);
    expect(creds).toMatchObject({ version: 1, clientId: CLIENT_ID, modelId: MODEL });
    expect(JSON.stringify(creds)).not.toContain(SECRET);
    expect(creds.deviceId).toMatch(/^[0-9a-f-]{36}$/);
    const authorize = e.record.auth.find((a) => a.path === '/authorize')!;
    expect(authorize).toMatchObject({ method: 'GET', status: 200, authorization: true });

    const text = await runCli(['text', 'hello', '--verbose'], { env: h.env, cwd: h.dir });
    expect(text.stderr).not.toMatch(/error/);
    expect(text.code).toBe(0);
    expect(e.record.downchannels.length).toBeGreaterThan(0);

    const status = await runCli(['auth', 'status', '--json'], { env: h.env, cwd: h.dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ source: 'stored credentials', usable: true, deviceId: creds.deviceId, credentialsPath: h.file });

    const token = await runCli(['auth', 'token'], { env: h.env, cwd: h.dir });
    expect(token.code).toBe(0);
    expect(token.stdout).toBe(`${creds.accessToken}\n`);

    const secrets = [creds.accessToken, creds.refreshToken, SECRET, NAVER];
    expectNoSecret([r, text, status], secrets);
    for (const content of otherFiles(h.dir, h.file)) for (const s of secrets) expect(content).not.toContain(s);
  });

  it('logs in with a code obtained elsewhere, keeping the same device id', async () => {
    const e = await start();
    const h = home(e, { CLOVA_DEVICE_ID: 'device-e2e-1' });
    const url = new URL('/authorize', e.url);
    for (const [k, v] of Object.entries({ client_id: CLIENT_ID, device_id: 'device-e2e-1', model_id: MODEL, response_type: 'code', state: 's1' })) {
      url.searchParams.set(k, v);
    }
    const answer = (await (await fetch(url, { headers: { authorization: `Bearer ${NAVER}` } })).json()) as { code: string };
    const r = await login(h, ['--code', answer.code], undefined);
    expect(r.code).toBe(0);
    expect(stored(h).deviceId).toBe('device-e2e-1');
    expect(e.record.auth.at(-1)).toMatchObject({ path: '/token', grantType: 'authorization_code', status: 200 });
  });

  it('logs in as a guest without an Authorization header', async () => {
    const e = await start();
    const h = home(e);
    const r = await login(h, ['--guest'], undefined);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Logged in as a guest/);
    expect(e.record.auth[0]).toMatchObject({ path: '/authorize', authorization: false });
    expect(e.record.auth[0]!.params).toContain('request_vu');
  });

  it('names every missing partner variable and sends nothing (exit 2)', async () => {
    const e = await start();
    const h = home(e, {});
    delete (h.env as Record<string, string | undefined>).CLOVA_CLIENT_SECRET;
    delete (h.env as Record<string, string | undefined>).CLOVA_MODEL_ID;
    const r = await login(h);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('clova-cli: error: CLOVA_CLIENT_SECRET, CLOVA_MODEL_ID are not set: export them or put them in .env (your CLOVA partner credentials)\n');
    expect(e.record.auth).toHaveLength(0);
  });

  it.each([
    ['authorize-status=403', 3, /NAVER access token was refused \(403/],
    ['authorize-status=423', 3, /withdrawn from CLOVA; you can use CLOVA with it again if you log in one month after/],
    ['authorize-status=500', 4, /status 500.*try again later/],
    ['token-status=400', 2, /refused the token request \(400.*check CLOVA_CLIENT_ID/],
    ['token-status=500', 4, /status 500/],
  ])('%s: exit %i, one line, nothing stored', async (fault, code, message) => {
    const e = await start({ faults: [fault] });
    const h = home(e);
    const r = await login(h);
    expect(r.code).toBe(code);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(h.file)).toBe(false);
    expectNoSecret([r], [SECRET, NAVER]);
  });

  it('451 without a terminal: prints the terms URL and exits 3', async () => {
    const e = await start({ faults: ['authorize-status=451'] });
    const h = home(e);
    const r = await login(h);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`accept them at ${e.url.replace(/[.]/g, '\\.')}/terms\\?code=.* in a browser, then run clova-cli login again`));
    expect(existsSync(h.file)).toBe(false);
  });

  it('a wrong client secret is exit 2 with the server description', async () => {
    const e = await start();
    const h = home(e, { CLOVA_CLIENT_SECRET: 'wrong-secret-123' });
    const r = await login(h);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clova-cli: error: the Auth API refused .*\(401/);
  });

  it('refuses an http:// auth URL to another host unless --insecure-auth', async () => {
    const e = await start();
    const h = home(e, { CLOVA_AUTH_URL: 'http://192.0.2.1:9' });
    const r = await login(h);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cleartext .*--insecure-auth/);
  });
});

describe('stored credentials', () => {
  it('a corrupt file: exit 3 naming it, nothing connected, the file untouched', async () => {
    const e = await start();
    const h = home(e);
    expect((await login(h)).code).toBe(0);
    writeFileSync(h.file, '{"version":1,');
    const r = await runCli(['text', 'hi'], { env: h.env, cwd: h.dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`clova-cli: error: the stored credentials ${h.file} is not JSON: run clova-cli login (it replaces the file)\n`);
    expect(readFileSync(h.file, 'utf8')).toBe('{"version":1,');
    expect(e.record.downchannels).toHaveLength(0);
    writeFileSync(h.file, '{"version":99}');
    const v = await runCli(['auth', 'status'], { env: h.env, cwd: h.dir });
    expect(v.code).toBe(3);
    expect(v.stderr).toMatch(/unknown version/);
  });

  it('not logged in: exit 3 before connecting', async () => {
    const e = await start();
    const h = home(e);
    const r = await runCli(['text', 'hi'], { env: h.env, cwd: h.dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('clova-cli: error: not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN (try --emulator to run offline)\n');
    expect(e.record.requests).toHaveLength(0);
    const s = await runCli(['auth', 'status'], { env: h.env, cwd: h.dir });
    expect(s.code).toBe(3);
    expect(s.stdout).toMatch(/^Token: none/);
  });

  it('a second login replaces the file atomically: no temporary file is left, the device id is kept', async () => {
    const e = await start();
    const h = home(e);
    expect((await login(h)).code).toBe(0);
    const first = stored(h);
    expect((await login(h)).code).toBe(0);
    const second = stored(h);
    expect(second.deviceId).toBe(first.deviceId);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(readdirSync(join(h.dir, 'config', 'clova-cli'))).toEqual(['credentials.json']);
  });

  it('logout deletes the token on the server and the file; logged out again says so (exit 0)', async () => {
    const e = await start();
    const h = home(e);
    expect((await login(h)).code).toBe(0);
    const r = await runCli(['logout'], { env: h.env, cwd: h.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Logged out/);
    expect(existsSync(h.file)).toBe(false);
    expect(e.record.auth.at(-1)).toMatchObject({ grantType: 'delete', status: 200 });
    const again = await runCli(['logout'], { env: h.env, cwd: h.dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Not logged in/);
  });

  it('logout with the server call failing: a warning, exit 0, the file deleted', async () => {
    const e = await start();
    const h = home(e);
    expect((await login(h)).code).toBe(0);
    await e.close();
    const r = await runCli(['logout'], { env: h.env, cwd: h.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^clova-cli: warning: the server did not delete the token/);
    expect(existsSync(h.file)).toBe(false);
  });
});

describe('login against a fake Auth API', () => {
  it('a state that does not come back unchanged: exit 3, nothing stored, no /token request', async () => {
    const http = await import('node:http');
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":"code-1","state":"forged-state"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'clova-login-fake-'));
      const env = {
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, 'config'),
        CLOVA_AUTH_URL: url,
        CLOVA_CLIENT_ID: CLIENT_ID,
        CLOVA_CLIENT_SECRET: SECRET,
        CLOVA_MODEL_ID: MODEL,
      };
      const r = await runCli(['login', '--with-naver-token'], { env, input: NAVER + '\n', cwd: dir });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/different state than was sent: nothing was stored/);
      expect(existsSync(join(dir, 'config', 'clova-cli', 'credentials.json'))).toBe(false);
      expect(seen).toHaveLength(1);
      const sent = new URL(seen[0]!.slice(4), url);
      expect(sent.pathname).toBe('/authorize');
      expect([...sent.searchParams.keys()].sort()).toEqual(['client_id', 'device_id', 'model_id', 'response_type', 'state']);
    } finally {
      server.close();
    }
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';

const CLIENT_ID = 'clova-e2e-client';
const SECRET = 'secret-e2e-5d1c9a7f3b';
const MODEL = 'model-e2e';
const NAVER = 'naver-e2e-3b8e6f1a2c';

async function setup(options: EmulatorOptions = {}) {
  const e = await emulator({ clientId: CLIENT_ID, clientSecret: SECRET, ...options });
  const dir = mkdtempSync(join(tmpdir(), 'clova-refresh-'));
  const file = join(dir, 'config', 'clova-cli', 'credentials.json');
  const env = {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    CLOVA_AUTH_URL: e.url,
    CLOVA_CIC_URL: e.url,
    CLOVA_CLIENT_ID: CLIENT_ID,
    CLOVA_CLIENT_SECRET: SECRET,
    CLOVA_MODEL_ID: MODEL,
  };
  const login = await runCli(['login', '--with-naver-token'], { env, input: NAVER + '\n', cwd: dir });
  expect(login.code).toBe(0);
  const read = () => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  const patch = (fields: Record<string, unknown>) => writeFileSync(file, JSON.stringify({ ...read(), ...fields }), { mode: 0o600 });
  return { e, dir, file, env, read, patch };
}

const refreshes = (e: Emulator) => e.record.auth.filter((a) => a.grantType === 'refresh_token');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('using and refreshing the stored token', () => {
  it('refreshes before connecting when the token expires within 60 s, and stores the new refresh token', async () => {
    const { e, dir, env, read } = await setup({ tokenLifetimeSeconds: 2 });
    const before = read();
    await sleep(2500); // the token has expired
    const r = await runCli(['text', 'hello', '--verbose'], { env, cwd: dir });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(refreshes(e).length).toBeGreaterThanOrEqual(1);
    const after = read();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    for (const s of [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken, SECRET]) {
      expect(r.stdout + r.stderr).not.toContain(s);
    }
  });

  it('a 401 from CIC: one refresh, a new downchannel, and the request completes', async () => {
    const { e, dir, env, read, patch } = await setup({ tokenLifetimeSeconds: 2 });
    await sleep(2500);
    // The file believes the token is good for an hour: only CIC's 401 can tell it is not.
    patch({ expiresAt: Date.now() + 3600_000 });
    const r = await runCli(['text', 'hello', '--json'], { env, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(refreshes(e)).toHaveLength(1);
    expect(r.stdout).toContain('"type":"response"');
    expect(read().accessToken).not.toBe(undefined);
    expect(e.record.events.length).toBeGreaterThanOrEqual(1);
  });

  it('a failed refresh: exit 3 saying to log in again, the credentials file intact', async () => {
    const { e, dir, env, file, patch } = await setup({ tokenLifetimeSeconds: 2 });
    await sleep(2500);
    patch({ refreshToken: 'not-a-live-refresh-token' });
    const before = readFileSync(file, 'utf8');
    const r = await runCli(['text', 'hello'], { env, cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^clova-cli: error: refreshing the stored token failed \(.*400.*\); the stored credentials were left as they are: run clova-cli login again\n$/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(e.record.downchannels).toHaveLength(0);
  });

  it('CLOVA_ACCESS_TOKEN wins over stored credentials and is never refreshed', async () => {
    const { e, dir, env } = await setup({ tokenLifetimeSeconds: 2, token: TOKEN });
    await sleep(2500);
    const r = await runCli(['text', 'hello'], { env: { ...env, CLOVA_ACCESS_TOKEN: TOKEN }, cwd: dir });
    expect(r.code).toBe(0);
    expect(refreshes(e)).toHaveLength(0);
    const s = await runCli(['auth', 'status', '--json'], { env: { ...env, CLOVA_ACCESS_TOKEN: TOKEN }, cwd: dir });
    expect(JSON.parse(s.stdout)).toMatchObject({ source: 'environment', usable: true });
    const t = await runCli(['auth', 'token'], { env: { ...env, CLOVA_ACCESS_TOKEN: TOKEN }, cwd: dir });
    expect(t.stdout).toBe(`${TOKEN}\n`);
    expect(refreshes(e)).toHaveLength(0);
  });

  it('two commands started together with an expiring token both succeed; one refresh, the newest refresh token stored', async () => {
    const { e, dir, env, read, patch } = await setup();
    patch({ expiresAt: Date.now() + 10_000 }); // within the 60 s margin: both want to refresh
    const [a, b] = await Promise.all([
      runCli(['text', 'hello'], { env, cwd: dir }),
      runCli(['text', 'hi there'], { env, cwd: dir }),
    ]);
    expect(a.stderr + b.stderr).not.toMatch(/error/);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(refreshes(e)).toHaveLength(1);
    expect(refreshes(e)[0]!.status).toBe(200);
    // The stored refresh token is the live one: it refreshes once more.
    patch({ expiresAt: Date.now() });
    const t = await runCli(['auth', 'token'], { env, cwd: dir });
    expect(t.code).toBe(0);
    expect(t.stdout.trim()).toBe(read().accessToken);
    expect(refreshes(e)).toHaveLength(2);
    expect(refreshes(e)[1]!.status).toBe(200);
  });
});

describe('a long session', () => {
  it('refreshes the token while it runs: later requests carry the new token on the same connection', async () => {
    const { e, dir, env } = await setup({ tokenLifetimeSeconds: 2 });
    const { spawn } = await import('node:child_process');
    const { baseEnv, CLI } = await import('../helpers/cli.js');
    const child = spawn(process.execPath, [CLI, 'text', '-', '--json'], { cwd: dir, env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.stdin.write('hello\n');
    await sleep(4500); // two lifetimes: the first token is dead by now
    child.stdin.end('how are you\n');
    const code = await closed;
    clearTimeout(killer);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.match(/"type":"response"/g)).toHaveLength(2);
    expect(refreshes(e).length).toBeGreaterThanOrEqual(2);
    expect(e.record.downchannels).toHaveLength(1);
  });
});

describe('a 401 on an event', () => {
  it('refreshes once, opens a new downchannel and sends that event again; earlier utterances are not repeated', async () => {
    const { e, dir, env, patch } = await setup({ tokenLifetimeSeconds: 3 });
    patch({ expiresAt: Date.now() + 3600_000 }); // no refresh is planned: only the 401 can start one
    const { spawn } = await import('node:child_process');
    const { baseEnv, CLI } = await import('../helpers/cli.js');
    const child = spawn(process.execPath, [CLI, 'text', '-', '--json'], { cwd: dir, env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.stdin.write('first utterance\n');
    for (let i = 0; i < 100 && !out.includes('"type":"response"'); i++) await sleep(50);
    await sleep(3500); // the token has expired on the server
    child.stdin.end('second utterance\n');
    const code = await closed;
    clearTimeout(killer);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.match(/"type":"response"/g)).toHaveLength(2);
    expect(refreshes(e)).toHaveLength(1);
    expect(e.record.downchannels.length).toBeGreaterThanOrEqual(2);
    const texts = e.record.events.map((ev) => JSON.stringify(ev)).filter((t) => t.includes('first utterance'));
    expect(texts).toHaveLength(1);
    const refused = e.record.requests.filter((r) => r.status === 401).map((r) => `${r.method} ${r.path}`);
    expect(refused).toContain('POST /v1/events');
    expect(JSON.stringify(e.record.requests)).not.toContain(SECRET);
  });
});

describe('401 answers by fault', () => {
  it('event-status=401:1: one refresh, the event sent again, exit 0', async () => {
    const { e, dir, env } = await setup({ faults: ['event-status=401:1'] });
    const r = await runCli(['text', 'hello', '--json'], { env, cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(refreshes(e)).toHaveLength(1);
    expect(r.stdout).toContain('"type":"response"');
  });

  it('downchannel-status=401:2: the refreshed token is refused too, exit 3 saying to log in again; the newest refresh token is kept', async () => {
    const { e, dir, env, read } = await setup({ faults: ['downchannel-status=401:2'] });
    const r = await runCli(['text', 'hello'], { env, cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('clova-cli: error: CIC refused the refreshed token too (401): run clova-cli login again\n');
    expect(refreshes(e)).toHaveLength(1);
    // The refresh itself succeeded: the rotated refresh token is the one stored (the old one is dead).
    const t = await runCli(['auth', 'token'], { env: { ...env }, cwd: dir });
    expect(t.code).toBe(0);
    expect(t.stdout.trim()).toBe(read().accessToken);
  });
});

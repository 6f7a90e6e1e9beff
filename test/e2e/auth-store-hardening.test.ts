import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';

const CLIENT_ID = 'clova-e2e-client';
const SECRET = 'secret-e2e-5d1c9a7f3b';
const MODEL = 'model-e2e';
const NAVER = 'naver-e2e-3b8e6f1a2c';

async function setup(options: EmulatorOptions = {}) {
  const e = await emulator({ clientId: CLIENT_ID, clientSecret: SECRET, ...options });
  const dir = mkdtempSync(join(tmpdir(), 'clova-hardening-'));
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

describe('auth hardening (issue 17)', () => {
  it('4: a stale lock of a dead process and six commands at once: all succeed, one refresh', async () => {
    const { e, dir, file, env, patch } = await setup();
    patch({ expiresAt: 0 });
    writeFileSync(`${file}.lock`, '999999999\n', { mode: 0o600 });
    // `auth token` refreshes and prints the token: six refreshes race for the lock and nothing else.
    const runs = await Promise.all(Array.from({ length: 6 }, () => runCli(['auth', 'token'], { env, cwd: dir })));
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(/log in again|error/i);
    }
    expect(() => readFileSync(`${file}.lock`)).toThrow();
    expect(refreshes(e).length).toBe(1);
    expect(new Set(runs.map((r) => r.stdout.trim())).size).toBe(1);
  });

  it('5: a stored file with expiresAt 1e308 or a bad authUrl is exit 3 naming the field', async () => {
    const { dir, env, patch } = await setup();
    for (const [field, value] of [
      ['expiresAt', 1e308],
      ['authUrl', '::not a url'],
      ['accessToken', 'a\r\nX: y'],
    ] as const) {
      patch({ [field]: value });
      const r = await runCli(['text', 'hello'], { env, cwd: dir });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(field);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      patch({ expiresAt: Date.now() + 3600_000, authUrl: env.CLOVA_AUTH_URL, accessToken: 'tok-ok' });
    }
  });

  it('6: a stored cleartext authUrl to another host is refused (exit 3: the stored login cannot be used) and nothing is sent', async () => {
    const { e, dir, env, patch } = await setup();
    patch({ expiresAt: 0, authUrl: 'http://192.0.2.1:9' });
    const r = await runCli(['text', 'hello'], { env, cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cleartext/);
    expect(refreshes(e).length).toBe(0);
  });

  it('8: a refresh that cannot reach the Auth API is exit 4 and the login stays', async () => {
    const { dir, env, patch, read } = await setup();
    patch({ expiresAt: 0, authUrl: 'http://127.0.0.1:1' });
    const before = read();
    const r = await runCli(['text', 'hello'], { env, cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/stored login is kept/);
    expect(read()).toEqual(before);
  });

  it('9: a non-ASCII token is exit 2 before any connection', async () => {
    const { e, dir, env } = await setup();
    const before = e.record.auth.length;
    const r = await runCli(['text', 'hello'], { env: { ...env, CLOVA_ACCESS_TOKEN: 'tökén' }, cwd: dir });
    expect(r.code).toBe(2);
    expect(e.record.auth.length).toBe(before);
  });

  it('11: a 0666 file in a 0777 folder is used with one warning naming chmod 600', async () => {
    const { dir, env, file } = await setup();
    chmodSync(file, 0o666);
    chmodSync(join(dir, 'config', 'clova-cli'), 0o777);
    const r = await runCli(['text', 'hello'], { env, cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/chmod 600/g)).toHaveLength(1);
    expect(r.stderr).toContain(file);
  });
});

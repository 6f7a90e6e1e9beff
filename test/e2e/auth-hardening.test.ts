import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { MAX_TOKEN_LENGTH, tokenProblem } from '../../src/auth/header-values.js';

// Issue 17: every field of the stored credentials is untrusted input, every token passes one check,
// and a refresh that fails for network reasons is the network's exit code with the login kept.

const work = mkdtempSync(join(tmpdir(), 'clova-auth-hard-'));

function storedLogin(fields: Record<string, unknown>): { config: string; file: string } {
  const config = mkdtempSync(join(work, 'config-'));
  mkdirSync(join(config, 'clova-cli'), { mode: 0o700 });
  const file = join(config, 'clova-cli', 'credentials.json');
  const creds = {
    version: 1,
    accessToken: 'stored-access-1234',
    refreshToken: 'stored-refresh-5678',
    expiresAt: Date.now() + 3600_000,
    deviceId: 'device-1',
    modelId: 'model-1',
    clientId: 'client-1',
    authUrl: 'https://auth.example.invalid',
    ...fields,
  };
  writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return { config, file };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('the stored credentials are validated field by field (issue 17)', () => {
  for (const [what, fields, says] of [
    ['expiresAt 1e308', { expiresAt: 1e308 }, /field expiresAt is not a time/],
    ['authUrl "::not a url"', { authUrl: '::not a url' }, /field authUrl/],
    ['an authUrl of another scheme (no "Auth API at null")', { authUrl: 'foo:bar' }, /field authUrl/],
    ['an accessToken with CR/LF', { accessToken: 'a\r\nX: y' }, /field accessToken contains whitespace, control or non-ASCII/],
    ['a refreshToken that is not ASCII', { refreshToken: 'réfresh' }, /field refreshToken contains whitespace, control or non-ASCII/],
    ['a cleartext authUrl to another host', { authUrl: 'http://auth.example.com' }, /cleartext \(http:\/\/\) Auth API on another host \(auth\.example\.com\)/],
  ] as const) {
    it(`${what}: exit 3, one line, no connection`, async () => {
      const { config } = storedLogin(fields);
      const r = await runCli(['text', 'hi', '--server', 'http://127.0.0.1:9'], { env: { XDG_CONFIG_HOME: config } });
      expect(r.code, r.stderr).toBe(3);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(says)]);
      expect(r.stderr).not.toContain('internal error');
    });
  }
});

describe('tokens and the User-Agent are checked before any connection (issue 17)', () => {
  it('a non-ASCII CLOVA_ACCESS_TOKEN is exit 2 at once', async () => {
    const r = await runCli(['text', 'hi', '--server', 'http://127.0.0.1:9'], { env: { CLOVA_ACCESS_TOKEN: 'tökén' } });
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr)).toEqual(['clova-cli: error: CLOVA_ACCESS_TOKEN contains whitespace, control or non-ASCII characters']);
  });

  it('a 100 KB CLOVA_USER_AGENT is exit 2 at once', async () => {
    const ua = `Maker/Product/1.0.0 (Linux;${'x'.repeat(100_000)})`;
    const r = await runCli(['text', 'hi', '--server', 'http://127.0.0.1:9'], { env: { CLOVA_ACCESS_TOKEN: 'tok-ua', CLOVA_USER_AGENT: ua } });
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringContaining('CLOVA_USER_AGENT is longer than 1024 characters')]);
  });

  it('tokenProblem: one rule for every source', () => {
    expect(tokenProblem('abc.DEF-123_~+/=')).toBeUndefined();
    for (const bad of ['', 'a b', 'a\r\nX: y', 'a\u0000', 'tökén', 'x'.repeat(MAX_TOKEN_LENGTH + 1), 42]) expect(tokenProblem(bad)).toBeDefined();
  });
});

describe('a refresh that fails for network reasons (issue 17)', () => {
  it('is exit 4 (the network), and the stored login is kept', async () => {
    const { config, file } = storedLogin({ expiresAt: Date.now() - 1000, authUrl: 'http://127.0.0.1:9' });
    const before = readFileSync(file, 'utf8');
    const r = await runCli(['text', 'hi', '--server', 'http://127.0.0.1:9'], { env: { XDG_CONFIG_HOME: config, CLOVA_CLIENT_SECRET: 'secret-abc' } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('cannot reach the Auth API at http://127.0.0.1:9');
    expect(r.stderr).not.toContain('log in again');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

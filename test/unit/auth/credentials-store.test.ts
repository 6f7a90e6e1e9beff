import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  credentialsPath,
  readCredentials,
  withCredentialsLock,
  writeCredentials,
  type StoredCredentials,
} from '../../../src/auth/credentials-store.js';
import { AuthError, TimeoutError } from '../../../src/protocol/errors.js';

const creds = (n: number): StoredCredentials => ({
  version: 1,
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresAt: 1_000_000 + n,
  deviceId: 'dev',
  modelId: 'model',
  clientId: 'client',
  authUrl: 'http://127.0.0.1:1',
});

const fresh = () => join(mkdtempSync(join(tmpdir(), 'clova-store-')), 'clova-cli', 'credentials.json');

describe('credentials store', () => {
  it('follows XDG_CONFIG_HOME, else ~/.config', () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/h' })).toBe('/x/cfg/clova-cli/credentials.json');
    expect(credentialsPath({ HOME: '/h' })).toBe('/h/.config/clova-cli/credentials.json');
    expect(credentialsPath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' })).toBe('/h/.config/clova-cli/credentials.json');
  });

  it('writes 0600 in a 0700 folder, replaces atomically and leaves no temporary file', () => {
    const path = fresh();
    expect(readCredentials(path)).toBeUndefined();
    writeCredentials(path, creds(1));
    writeCredentials(path, creds(2));
    expect(readCredentials(path)).toEqual(creds(2));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(path, '..'))).toEqual(['credentials.json']);
  });

  it.each([
    ['not JSON', '{', /is not JSON: run clova-cli login/],
    ['an unknown version', '{"version":2}', /has an unknown version/],
    ['missing fields', '{"version":1,"accessToken":"a"}', /field refreshToken is missing/],
  ])('refuses a file that is %s with AuthError naming it', (_, text, message) => {
    const path = fresh();
    writeCredentials(path, creds(1));
    writeFileSync(path, text);
    expect(() => readCredentials(path)).toThrow(AuthError);
    expect(() => readCredentials(path)).toThrow(message);
    expect(() => readCredentials(path)).toThrow(path);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('the lock serialises its holders', async () => {
    const path = fresh();
    const order: string[] = [];
    const hold = (name: string) =>
      withCredentialsLock(path, async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 30));
        order.push(`${name}-`);
      });
    await Promise.all([hold('a'), hold('b'), hold('c')]);
    for (let i = 0; i < order.length; i += 2) expect(order[i]!.slice(0, -1)).toBe(order[i + 1]!.slice(0, -1));
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('recovers a lock left by a process that is gone, and times out on a live one', async () => {
    const path = fresh();
    writeCredentials(path, creds(1));
    writeFileSync(`${path}.lock`, '2147483646\n'); // no such process
    await expect(withCredentialsLock(path, async () => 'taken')).resolves.toBe('taken');
    writeFileSync(`${path}.lock`, `${process.pid}\n`);
    await expect(withCredentialsLock(path, async () => 'never', 200)).rejects.toThrow(TimeoutError);
  });
});

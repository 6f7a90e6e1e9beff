import { chmodSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readCredentials, writeCredentials, withCredentialsLock, type StoredCredentials } from '../../../src/auth/credentials-store.js';
import { freshCredentials } from '../../../src/auth/refresh.js';
import { tokenProblem } from '../../../src/auth/header-values.js';
import { renewalDelay } from '../../../src/auth/renewal-delay.js';
import { resolveRequestSettings } from '../../../src/cli/config.js';
import { AuthError, ConnectionError, UsageError } from '../../../src/protocol/errors.js';

const base: StoredCredentials = {
  version: 1,
  accessToken: 'access-1',
  refreshToken: 'refresh-1',
  expiresAt: 1_000_000,
  deviceId: 'dev',
  modelId: 'model',
  clientId: 'client',
  authUrl: 'http://127.0.0.1:1',
};
const fresh = () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'clova-hard-')), 'clova-cli');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, 'credentials.json');
};
const stored = (over: Record<string, unknown>) => {
  const path = fresh();
  writeFileSync(path, JSON.stringify({ ...base, ...over }), { mode: 0o600 });
  return path;
};
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
};

describe('auth hardening (issue 17)', () => {
  it('1: renews at a fraction of a short lifetime, never more often than every 10 s', () => {
    expect(renewalDelay(30_000, 0)).toBe(24_000);
    expect(renewalDelay(60_000, 0)).toBe(48_000);
    expect(renewalDelay(12_000, 0)).toBe(10_000 * 0.96);
    expect(renewalDelay(2_000, 0)).toBe(1_600);
    expect(renewalDelay(-5, 0)).toBe(1_000);
    expect(renewalDelay(3_600_000, 0)).toBe(3_540_000);
  });

  it('5: every field of the stored file is validated (exit 3, naming the field)', () => {
    for (const [field, value] of [
      ['expiresAt', 1e308],
      ['expiresAt', -1],
      ['authUrl', '::not a url'],
      ['authUrl', 'foo:bar'],
      ['accessToken', 'a\r\nX: y'],
      ['refreshToken', 'é'],
      ['deviceId', 'a\nb'],
    ] as const) {
      const err = reason(() => readCredentials(stored({ [field]: value })));
      expect(err).toBeInstanceOf(AuthError);
      expect(err.message).toContain(field);
    }
  });

  it('6: a stored cleartext authUrl to another host is refused before the refresh', async () => {
    const path = stored({ authUrl: 'http://192.0.2.1:9', expiresAt: 0 });
    await expect(freshCredentials({ path, clientSecret: 's' })).rejects.toThrow(/cleartext/);
    await expect(freshCredentials({ path, clientSecret: 's' })).rejects.toBeInstanceOf(UsageError);
  });

  it('7/9: one token check for every source', () => {
    expect(tokenProblem('abc.DEF-123')).toBeUndefined();
    expect(tokenProblem('a\r\nX: y')).toBeDefined();
    expect(tokenProblem('tökén')).toBeDefined();
    expect(tokenProblem('x'.repeat(9000))).toBeDefined();
    expect(() => resolveRequestSettings({ timeout: '5000', helloTimeout: '5000', pingInterval: '60000', pingTimeout: '10000' } as never, { CLOVA_ACCESS_TOKEN: 'tökén' })).toThrow(/CLOVA_ACCESS_TOKEN contains/);
    expect(() =>
      resolveRequestSettings({ timeout: '5000', helloTimeout: '5000', pingInterval: '60000', pingTimeout: '10000' } as never, {
        CLOVA_ACCESS_TOKEN: 'ok',
        CLOVA_USER_AGENT: `Maker/Product/1.2.3 (Linux;x86;k=${'v'.repeat(100_000)})`,
      }),
    ).toThrow(/CLOVA_USER_AGENT is longer than 1024/);
  });

  it('8: a refresh that cannot reach the Auth API is a network failure (exit 4), the login stays', async () => {
    const path = stored({ authUrl: 'http://127.0.0.1:1', expiresAt: 0 });
    await expect(freshCredentials({ path, clientSecret: 's', timeoutMs: 2000 })).rejects.toBeInstanceOf(ConnectionError);
    expect(readCredentials(path)?.refreshToken).toBe('refresh-1');
  });

  it('11: a world-writable file in a world-writable folder is used with one warning', () => {
    const path = stored({});
    chmodSync(path, 0o666);
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      readCredentials(path);
      readCredentials(path);
      const lines = write.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('chmod 600'));
      expect(lines.length).toBe(1);
      expect(lines[0]).toContain(path);
    } finally {
      write.mockRestore();
    }
  });

  it('2: ENOSPC writing the new file keeps the old file and reports a clear error', () => {
    const path = stored({});
    const enospc = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    const err = reason(() => writeCredentials(path, { ...base, accessToken: 'access-2' }, { write: enospc }));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(/no space/);
    expect(readCredentials(path)?.accessToken).toBe('access-1');
  });

  it('2: ENOSPC writing the lock leaves no empty lock behind', async () => {
    const path = stored({});
    const enospc = () => {
      throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
    };
    await expect(withCredentialsLock(path, async () => 1, 1000, { write: enospc })).rejects.toBeInstanceOf(AuthError);
    expect(await withCredentialsLock(path, async () => 2, 1000)).toBe(2);
  });

  it('4: a stale lock of a dead process is taken over by one taker at a time', async () => {
    const path = stored({});
    writeFileSync(`${path}.lock`, '999999999\n');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withCredentialsLock(path, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setImmediate(r));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAuthUrl, requirePartner, resolveAuthSettings } from '../../../src/cli/auth-settings.js';
import { formatExpiry, shortDeviceId } from '../../../src/cli/expiry.js';
import { UsageError } from '../../../src/protocol/errors.js';

describe('Auth API settings', () => {
  it('defaults to https://auth.clova.ai and the XDG credentials path', () => {
    const s = resolveAuthSettings({}, { HOME: '/h' });
    expect(s.authUrl.href).toBe('https://auth.clova.ai/');
    expect(s.credentialsPath).toBe('/h/.config/clova-cli/credentials.json');
    expect(s.timeoutMs).toBe(15000);
  });

  it('cleartext only to this machine, unless --insecure-auth (then a warning)', () => {
    expect(parseAuthUrl('http://127.0.0.1:8443', false).warning).toBeUndefined();
    expect(() => parseAuthUrl('http://auth.example:80', false)).toThrow(/--insecure-auth/);
    expect(parseAuthUrl('http://auth.example:80', true).warning).toMatch(/^warning: --insecure-auth: cleartext/);
    expect(() => parseAuthUrl('https://user:pw@auth.example', false)).toThrow(UsageError);
  });

  it('names every missing partner variable', () => {
    const s = resolveAuthSettings({}, { HOME: '/h', CLOVA_CLIENT_ID: 'c' });
    expect(() => requirePartner(s)).toThrow('CLOVA_CLIENT_SECRET, CLOVA_MODEL_ID are not set');
  });

  it('shows an expiry as local time and how far away it is', () => {
    const now = new Date(2026, 11, 1, 9, 0).getTime();
    expect(formatExpiry(new Date(2026, 11, 3, 10, 0).getTime(), now)).toBe('2026-12-03 10:00 (in 2 days)');
    expect(formatExpiry(now + 3600_000, now)).toBe('2026-12-01 10:00 (in 1 hour)');
    expect(formatExpiry(now - 120_000, now)).toBe('2026-12-01 08:58 (2 minutes ago)');
    expect(shortDeviceId('1b2c3d4e-0000')).toBe('1b2c…');
  });

  it('.env.example and the README document every login variable and command', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const envExample = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    for (const v of ['CLOVA_CLIENT_ID', 'CLOVA_CLIENT_SECRET', 'CLOVA_MODEL_ID', 'CLOVA_AUTH_URL', 'CLOVA_DEVICE_ID']) {
      expect(envExample).toContain(v);
      expect(readme).toContain(`| \`${v}\``);
    }
    for (const c of ['clova-cli login', 'clova-cli logout', 'clova-cli auth status', 'clova-cli auth token', '`--timeout <ms>`', '`--insecure-auth`']) {
      expect(readme).toContain(c);
    }
  });
});

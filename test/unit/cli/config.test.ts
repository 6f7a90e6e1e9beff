import { BlockList, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleartextWarning,
  durationMs,
  durationSeconds,
  isLoopbackHost,
  MAX_TIMER_MS,
  parseServerUrl,
  resolveRequestSettings,
  type RequestOptions,
} from '../../../src/cli/config.js';
import { UsageError } from '../../../src/protocol/errors.js';

const defaults: RequestOptions = { lang: 'ko', timeout: '30000', helloTimeout: '10000', pingInterval: '60000', pingTimeout: '10000' };

describe('durationMs: the one rule for <ms> options', () => {
  it('accepts whole milliseconds from 1 to 2^31-1', () => {
    expect(durationMs('1', '--x')).toBe(1);
    expect(durationMs(' 30000 ', '--x')).toBe(30000);
    expect(durationMs(String(MAX_TIMER_MS), '--x')).toBe(2147483647);
  });

  it('refuses everything else, naming the option and the range', () => {
    for (const bad of ['0', '2147483648', '3000000000', '1e3', '1.5', '-1', '', 'soon', '0x10', '99999999999999999999']) {
      expect(() => durationMs(bad, '--ping-timeout'), bad).toThrow(UsageError);
      expect(() => durationMs(bad, '--ping-timeout'), bad).toThrow(/--ping-timeout .* from 1 to 2147483647/);
    }
  });
});

describe('durationSeconds', () => {
  it('accepts decimals above 0 up to the maximum', () => {
    expect(durationSeconds('0.5', '--s', 600)).toBe(0.5);
    expect(durationSeconds('.5', '--s', 600)).toBe(0.5);
    expect(durationSeconds('600', '--s', 600)).toBe(600);
  });

  it('refuses 0, above the maximum, exponents and words', () => {
    for (const bad of ['0', '600.1', '1e2', 'soon', '-3', '']) expect(() => durationSeconds(bad, '--s', 600), bad).toThrow(/--s .* at most 600/);
  });

  it('never allows more than the timer range, whatever the maximum asked for', () => {
    expect(() => durationSeconds('2147484', '--s', Infinity)).toThrow(/at most 2147483 /);
    expect(durationSeconds('2147483', '--s', Infinity)).toBe(2147483);
  });
});

describe('parseServerUrl', () => {
  it('accepts https with or without a port, and http with an explicit port (:80 included)', () => {
    expect(parseServerUrl('https://prod-ni-cic.clova.ai', 'X').port).toBe('');
    expect(parseServerUrl('http://127.0.0.1:8443', 'X').port).toBe('8443');
    // WHATWG URL drops the default port, but it was asked for: the URL still goes to port 80.
    const eighty = parseServerUrl('http://127.0.0.1:80', 'X');
    expect(eighty.host).toBe('127.0.0.1');
    expect(parseServerUrl('http://[::1]:80/', 'X').hostname).toBe('[::1]');
  });

  it('refuses http without a port, an empty port and port 0', () => {
    for (const bad of ['http://127.0.0.1', 'http://127.0.0.1/', 'http://127.0.0.1:', 'http://[::1]', 'http://localhost', 'http://127.0.0.1:0']) {
      expect(() => parseServerUrl(bad, 'X'), bad).toThrow(UsageError);
    }
    expect(() => parseServerUrl('http://127.0.0.1', 'X')).toThrow(/has no port.*:80 to mean port 80/);
  });

  it('refuses a user or password without repeating them', () => {
    for (const bad of ['https://u:pw-123@h', 'http://u@127.0.0.1:1', 'http://:pw-123@127.0.0.1:1']) {
      let message = '';
      try {
        parseServerUrl(bad, 'X');
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, bad).toMatch(/must not contain a user name or password/);
      expect(message).not.toContain('pw-123');
    }
  });
});

describe('cleartext to another host', () => {
  it('isLoopbackHost: 127.0.0.0/8, ::1 and localhost only', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '[::1]', '[::ffff:7f00:1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['128.0.0.1', '10.0.0.1', '192.0.2.1', '[::2]', '[fe80::1]', 'localhost.example.com', 'example.com', '127.0.0.1.nip.io', '0.0.0.0']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('isLoopbackHost agrees with net.BlockList on every spelling of IPv4 and IPv6 addresses', () => {
    const loopback = new BlockList();
    loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    loopback.addAddress('::1', 'ipv6');
    const byte = fc.integer({ min: 0, max: 255 });
    const v4 = fc.tuple(fc.constantFrom(127, 127, 10, 128, 0), byte, byte, byte).map((b) => b.join('.'));
    const group = fc.oneof(fc.constant(0), fc.constant(1), fc.constant(0xffff), fc.constant(0x7f00), fc.integer({ min: 0, max: 0xffff }));
    const v6 = fc.tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), fc.boolean()).map(
      ([g, from, len, upper]) => {
        let text = g.map((x) => x.toString(16)).join(':');
        // Compress one run of zero groups as "::", as any writer may.
        const end = Math.min(8, from + len);
        if (end > from && g.slice(from, end).every((x) => x === 0)) {
          text = `${g.slice(0, from).map((x) => x.toString(16)).join(':')}::${g.slice(end).map((x) => x.toString(16)).join(':')}`;
        }
        return upper ? text.toUpperCase() : text;
      },
    );
    const mapped = fc.tuple(fc.constantFrom('::ffff:', '0:0:0:0:0:ffff:', '::'), v4).map(([p, a]) => p + a);
    fc.assert(
      fc.property(fc.oneof(v4, v6, mapped), (host) => {
        const family = isIPv6(host) ? 'ipv6' : 'ipv4';
        expect(isLoopbackHost(family === 'ipv6' ? `[${host}]` : host), host).toBe(loopback.check(host, family));
      }),
      { numRuns: 3000 },
    );
  });

  it('TLS and loopback cleartext need nothing; remote cleartext is refused unless allowed, then warned about', () => {
    expect(cleartextWarning(new URL('https://example.com'), 'X', undefined)).toBeUndefined();
    expect(cleartextWarning(new URL('http://127.0.0.1:1'), 'X', undefined)).toBeUndefined();
    expect(cleartextWarning(new URL('http://localhost:1'), 'X', '--insecure')).toBeUndefined();
    expect(() => cleartextWarning(new URL('http://192.0.2.1:8080'), '--server', undefined)).toThrow(
      /--server http:\/\/192\.0\.2\.1:8080 is cleartext .*--insecure \(or CLOVA_ALLOW_INSECURE=1\)/,
    );
    expect(cleartextWarning(new URL('http://192.0.2.1:8080'), '--server', '--insecure')).toMatch(
      /^warning: --insecure: cleartext \(http:\/\/\) to 192\.0\.2\.1:8080, which is not this machine/,
    );
  });

  it('resolveRequestSettings: --insecure or CLOVA_ALLOW_INSECURE=1 allow it with one warning; other values are refused', () => {
    const env = { CLOVA_ACCESS_TOKEN: 'tok', CLOVA_CIC_URL: 'http://192.0.2.1:8080' };
    expect(() => resolveRequestSettings(defaults, env)).toThrow(/CLOVA_CIC_URL http:\/\/192\.0\.2\.1:8080 is cleartext/);
    const flag = resolveRequestSettings({ ...defaults, insecure: true }, env);
    expect(flag.warnings).toEqual([expect.stringMatching(/^warning: --insecure: cleartext/)]);
    const variable = resolveRequestSettings(defaults, { ...env, CLOVA_ALLOW_INSECURE: '1' });
    expect(variable.warnings).toEqual([expect.stringMatching(/^warning: CLOVA_ALLOW_INSECURE=1: cleartext/)]);
    expect(variable.insecure).toBe(true);
    expect(() => resolveRequestSettings(defaults, { ...env, CLOVA_ALLOW_INSECURE: 'yes' })).toThrow(/CLOVA_ALLOW_INSECURE must be 1/);
    expect(() => resolveRequestSettings(defaults, { ...env, CLOVA_ALLOW_INSECURE: '0' })).toThrow(/is cleartext/);
  });

  it('--insecure with https warns that the certificate is not verified; loopback h2c warns about nothing', () => {
    const tls = resolveRequestSettings({ ...defaults, insecure: true }, { CLOVA_ACCESS_TOKEN: 'tok', CLOVA_CIC_URL: 'https://example.com' });
    expect(tls.warnings).toEqual(["warning: --insecure: the server's certificate is not verified"]);
    const local = resolveRequestSettings({ ...defaults, insecure: true }, { CLOVA_ACCESS_TOKEN: 'tok', CLOVA_CIC_URL: 'http://127.0.0.1:8443' });
    expect(local.warnings).toEqual([]);
  });
});

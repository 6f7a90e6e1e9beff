import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretVariable, redact, SecretRegistry, withoutSecrets } from '../../../src/protocol/redact.js';

const TOKEN = 'XHapQasdfsdfFsdfasdflQQ7w'; // the docs' example token

describe('redact', () => {
  it('removes the token wherever it appears', () => {
    const text = `token=${TOKEN} again:${TOKEN}${TOKEN} "${TOKEN}"`;
    const out = redact(text, TOKEN);
    expect(out).not.toContain(TOKEN);
    expect(out).toBe('token=[REDACTED] again:[REDACTED][REDACTED] "[REDACTED]"');
  });

  it.each([
    [`authorization: Bearer ${TOKEN}`, 'authorization: Bearer [REDACTED]'],
    [`Authorization: bearer ${TOKEN}\r\nuser-agent: x`, 'Authorization: bearer [REDACTED]\r\nuser-agent: x'],
    [`{"authorization":"Bearer ${TOKEN}","x":1}`, '{"authorization":"Bearer [REDACTED]","x":1}'],
    [`BEARER\t${TOKEN}, next`, 'BEARER\t[REDACTED], next'],
    ['Bearer a.b-c_d~e+f/g==', 'Bearer [REDACTED]'],
  ])('redacts bearer credentials without knowing the token: %s', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('leaves text without secrets alone', () => {
    expect(redact('GET /v1/directives 200 (stream 1)', TOKEN)).toBe('GET /v1/directives 200 (stream 1)');
    expect(redact('bearer', TOKEN)).toBe('bearer');
  });

  it('does not redact secrets shorter than 4 characters (they would blank out ordinary text)', () => {
    expect(redact('abc abc', 'abc')).toBe('abc abc');
  });

  // BUG (minor, src/protocol/redact.ts): when the configured token already carries its scheme
  // (CLOVA_ACCESS_TOKEN="Bearer abc", a common paste), the header is "Bearer Bearer abc" and the
  // pattern redacts only the second "Bearer"; without the secret argument the token leaks.
  // Fix: /(bearer\s+)(?:bearer\s+)*[^\s"',;]+/gi.
  it('redacts a doubled scheme "Bearer Bearer <token>" without knowing the token', () => {
    expect(redact(`authorization: Bearer Bearer ${TOKEN}`)).not.toContain(TOKEN);
  });

  it('property: a token never appears in the output, whatever surrounds it', () => {
    const tokenArb = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/'.split('')),
      minLength: 8,
      maxLength: 64,
    });
    fc.assert(
      fc.property(
        tokenArb,
        fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('Bearer ', 'authorization: ', '"', ' ', '\n')), {
          maxLength: 8,
        }),
        (token, pieces) => {
          const text = pieces.flatMap((p) => [p, token]).join('');
          const out = redact(text, token);
          expect(out).not.toContain(token);
          // Also without the token: every `Bearer <token>` header line is redacted by pattern alone.
          const headers = pieces.map((p, i) => `x-${i}: ${p.replace(/[\r\n]/g, '')}\r\nauthorization: Bearer ${token}\r\n`);
          expect(redact(headers.join(''))).not.toContain(token);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('SecretRegistry', () => {
  it('redacts every registered secret in its raw, JSON-escaped and URL-encoded forms', () => {
    const secrets = new SecretRegistry();
    const tricky = 'tok-"quoted"\\back/slash+plus';
    secrets.add('tok-plain-5d1f9e');
    secrets.add(tricky);
    const json = JSON.stringify({ a: `x ${tricky} y`, b: 'Bearer tok-plain-5d1f9e' });
    const out = secrets.redact(`${tricky} | ${json} | ?t=${encodeURIComponent(tricky)}`);
    expect(out).not.toContain(tricky);
    expect(out).not.toContain(JSON.stringify(tricky).slice(1, -1));
    expect(out).not.toContain(encodeURIComponent(tricky));
    expect(out).not.toContain('tok-plain-5d1f9e');
    // What is left of the JSON is still JSON, with the secrets replaced inside its strings.
    const jsonOut = out.split(' | ')[1]!;
    expect(JSON.parse(jsonOut)).toEqual({ a: 'x [REDACTED] y', b: 'Bearer [REDACTED]' });
  });

  it('takes later credentials too (a refresh token, a client secret) and ignores empty or tiny values', () => {
    const secrets = new SecretRegistry();
    secrets.add(undefined);
    secrets.add('');
    secrets.add('abc');
    secrets.add('  refresh-77aa11  ');
    expect(secrets.size).toBe(1);
    expect(secrets.redact('abc refresh-77aa11')).toBe('abc [REDACTED]');
    secrets.add('client-secret-0x99');
    expect(secrets.redact('client-secret-0x99/refresh-77aa11')).toBe('[REDACTED]/[REDACTED]');
  });

  it('redacts bytes, and hands back the same buffer when there is nothing to redact', () => {
    const secrets = new SecretRegistry();
    secrets.add('tok-bytes-123456');
    const clean = Buffer.from([0xff, 0x00, 0x41, 0x42]);
    expect(secrets.redactBytes(clean)).toBe(clean);
    const dirty = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('tok-bytes-123456'), Buffer.from([0x00])]);
    const out = Buffer.from(secrets.redactBytes(dirty));
    expect(out.includes('tok-bytes-123456')).toBe(false);
    expect(out).toEqual(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[REDACTED]'), Buffer.from([0x00])]));
  });

  it('property: no registered secret survives, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 40 })
        // (a secret made of the placeholder's own characters could reappear across it)
        .filter((s) => s.trim() === s && !/[[\]]/.test(s) && !'REDACTED'.includes(s)), fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }), (secret, pieces) => {
        const secrets = new SecretRegistry();
        secrets.add(secret);
        const text = pieces.flatMap((p) => [p, secret, JSON.stringify(secret)]).join('');
        const out = secrets.redact(text);
        expect(out.includes(secret)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('secret environment variables', () => {
  it('knows the token variables, present and future, and nothing else', () => {
    for (const name of ['CLOVA_ACCESS_TOKEN', 'CLOVA_EMULATOR_TOKEN', 'CLOVA_REFRESH_TOKEN', 'CLOVA_CLIENT_SECRET', 'CLOVA_API_KEY', 'CLOVA_PASSWORD']) {
      expect(isSecretVariable(name), name).toBe(true);
    }
    for (const name of ['CLOVA_CIC_URL', 'CLOVA_USER_AGENT', 'CLOVA_DEBUG', 'PATH', 'HOME', 'TOKEN', 'GITHUB_TOKEN']) {
      expect(isSecretVariable(name), name).toBe(false);
    }
  });

  it('withoutSecrets copies an environment minus its secret variables', () => {
    const env = { PATH: '/bin', CLOVA_ACCESS_TOKEN: 'tok', CLOVA_CIC_URL: 'http://127.0.0.1:1', CLOVA_CLIENT_SECRET: 's' };
    const out = withoutSecrets(env);
    expect(out).toEqual({ PATH: '/bin', CLOVA_CIC_URL: 'http://127.0.0.1:1' });
    expect(env.CLOVA_ACCESS_TOKEN).toBe('tok');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact } from '../../../src/protocol/redact.js';

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

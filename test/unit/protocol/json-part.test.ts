import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { JsonPartAccumulator } from '../../../src/protocol/json-part.js';
import { splitAt } from './multipart-harness.js';

const HELLO = { directive: { header: { namespace: 'Clova', name: 'Hello', messageId: 'm-1' }, payload: {} } };
const b = (s: string) => Buffer.from(s, 'utf8');
const none = Buffer.alloc(0);

describe('JsonPartAccumulator', () => {
  it('parses the whole part and keeps multi-byte characters split across chunks intact', () => {
    const acc = new JsonPartAccumulator();
    const bytes = b(JSON.stringify({ text: '만나서 반가워요' }));
    for (const c of splitAt(bytes, [10, 11, 13])) acc.add(c); // cuts inside a 3-byte character
    expect(acc.parse()).toEqual({ text: '만나서 반가워요' });
    expect(acc.text()).toBe(JSON.stringify({ text: '만나서 반가워요' }));
  });

  it('parse() throws SyntaxError on bad JSON', () => {
    const acc = new JsonPartAccumulator();
    acc.add(b('{"a":'));
    expect(() => acc.parse()).toThrow(SyntaxError);
  });

  it('tryEarly returns undefined until the object is complete, then the object', () => {
    const acc = new JsonPartAccumulator();
    const text = JSON.stringify(HELLO, null, 2);
    expect(acc.tryEarly(none)).toBeUndefined(); // nothing yet
    acc.add(b(text.slice(0, 20)));
    expect(acc.tryEarly(none)).toBeUndefined();
    acc.add(b(text.slice(20, -1)));
    expect(acc.tryEarly(none)).toBeUndefined(); // ends in an inner `}` but is not complete
    acc.add(b(text.slice(-1)));
    expect(acc.tryEarly(none)).toEqual(HELLO);
  });

  it('tryEarly looks at the held-back bytes only as a tail that must be whitespace', () => {
    // The decoder holds back a prefix of `CRLF --boundary`: whitespace, then `--`, which no JSON value
    // contains outside a string (and a raw CR cannot be inside one). Held-back bytes therefore never
    // complete a value; a held-back delimiter prefix after a complete one means the end is not certain.
    const acc = new JsonPartAccumulator();
    acc.add(b('{"directive":{"payload":{'));
    expect(acc.tryEarly(b('}}}'))).toBeUndefined();
    const acc2 = new JsonPartAccumulator();
    acc2.add(b('{"a":1}'));
    expect(acc2.tryEarly(b('\r\n--b4bc'))).toBeUndefined();
    expect(acc2.tryEarly(b('\r\n-'))).toBeUndefined();
    expect(acc2.tryEarly(b('\r\n'))).toEqual({ a: 1 });
  });

  it('tryEarly tolerates trailing whitespace inside the last chunk', () => {
    const acc = new JsonPartAccumulator();
    acc.add(b('{"a":1}\r\n \t'));
    expect(acc.tryEarly(none)).toEqual({ a: 1 });
  });

  // BUG (src/protocol/json-part.ts, tryEarly): it looks for the last non-whitespace byte only in
  // `heldBack` when that is non-empty, else only in the last chunk. When the decoder holds back
  // `\r` or `\r\n` after a complete object (a downchannel part followed by CRLF, spec 2.2), or the
  // last chunk is whitespace only, it finds no `}` and returns undefined until the next delimiter,
  // which on the downchannel may come minutes later.
  // Fix: scan backwards across heldBack, then the chunks from last to first, skipping whitespace.
  it('tryEarly returns the object when the held-back bytes are only CR/LF', () => {
    const acc = new JsonPartAccumulator();
    acc.add(b(JSON.stringify(HELLO)));
    expect(acc.tryEarly(b('\r\n'))).toEqual(HELLO);
  });

  it('tryEarly returns the object when the last chunk is whitespace only', () => {
    const acc = new JsonPartAccumulator();
    acc.add(b(JSON.stringify(HELLO)));
    acc.add(b('\n'));
    expect(acc.tryEarly(none)).toEqual(HELLO);
  });

  it('tryEarly returns nothing for values that do not end in `}` and for invalid JSON', () => {
    for (const t of ['[1,2]', '"}"', '42', 'true', '{"a":}', '{"a":1}}', 'x}', '}', '{"a":"}"', '{"a":"\\"}"']) {
      const acc = new JsonPartAccumulator();
      acc.add(b(t));
      expect(acc.tryEarly(none)).toBeUndefined();
    }
  });

  it('tryEarly returns undefined once the part was delivered early', () => {
    const acc = new JsonPartAccumulator();
    acc.add(b('{"a":1}'));
    expect(acc.tryEarly(none)).toEqual({ a: 1 });
    acc.deliveredEarly = true;
    expect(acc.tryEarly(none)).toBeUndefined();
  });

  it('add() refuses bytes past the size cap (exactly the cap is fine) and drops the part', () => {
    const acc = new JsonPartAccumulator(10);
    expect(acc.add(b('{"a":"12"}'))).toBe(true); // 10 bytes
    expect(acc.parse()).toEqual({ a: '12' });
    expect(acc.add(b(' '))).toBe(false);
    expect(acc.add(b(' '))).toBe(false); // stays refused
    expect(acc.receivedBytes).toBe(12);
    // Nothing of an oversized part is kept: a hostile 100 MB part holds no memory.
    expect(acc.text()).toBe('');
    expect(() => acc.parse()).toThrow(SyntaxError);
    const big = new JsonPartAccumulator(4);
    expect(big.add(b('{"a":1}'))).toBe(false);
    expect(big.text()).toBe('');
    expect(big.overflowed).toBe(true);
    expect(big.tryEarly(none)).toBeUndefined();
  });

  it('strings, escapes and nested arrays do not end the object early', () => {
    const value = { a: '}{][', b: 'quote \\" and backslash \\\\', c: [[{ d: '}' }], []], e: '만나서' };
    const text = JSON.stringify(value);
    const acc = new JsonPartAccumulator();
    for (let i = 0; i < text.length - 1; i++) {
      acc.add(b(text[i]!));
      expect(acc.complete).toBe(false);
      expect(acc.tryEarly(none)).toBeUndefined();
    }
    acc.add(b(text[text.length - 1]!));
    expect(acc.complete).toBe(true);
    expect(acc.tryEarly(none)).toEqual(value);
  });

  it('parses a 4 MB object dripped in 1 KiB chunks once, however often tryEarly is asked', () => {
    const value = { directive: { header: { namespace: 'Clova', name: 'RenderText', messageId: 'm' }, payload: { text: 'x'.repeat(4_000_000) } } };
    const bytes = b(JSON.stringify(value));
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const acc = new JsonPartAccumulator();
      let got: unknown;
      for (let i = 0; i < bytes.length; i += 1024) {
        expect(acc.add(bytes.subarray(i, i + 1024))).toBe(true);
        // Every chunk ends in `}` (the worst case for the old re-parse-on-`}` rule).
        expect(acc.tryEarly(b('}'))).toBeUndefined();
        got ??= acc.tryEarly(none);
      }
      acc.add(b('\r\n'));
      expect(acc.tryEarly(none)).toBe(got);
      expect(acc.parse()).toBe(got);
      expect((got as typeof value).directive.payload.text.length).toBe(4_000_000);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('scans each byte once: the work does not depend on the chunking', () => {
    const bytes = b(JSON.stringify({ a: 'y'.repeat(200_000), b: [1, 2, { c: '}' }] }));
    for (const size of [1, 7, 1024, bytes.length]) {
      const acc = new JsonPartAccumulator();
      for (let i = 0; i < bytes.length; i += size) {
        acc.add(bytes.subarray(i, i + size));
        acc.tryEarly(none);
      }
      expect(acc.scannedBytes).toBe(bytes.length);
    }
  });

  it('defaults to a 4 MiB cap', () => {
    const acc = new JsonPartAccumulator();
    expect(acc.add(Buffer.alloc(4 * 1024 * 1024, 0x20))).toBe(true);
    expect(acc.add(b(' '))).toBe(false);
  });

  it('property: for any object and any chunking, tryEarly is undefined or the final object, and the final object once complete', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
        fc.constantFrom(undefined, 1, '\t'),
        fc.array(fc.nat(), { maxLength: 12 }),
        (value, indent, cuts) => {
          const bytes = b(JSON.stringify(value, null, indent));
          const expected: unknown = JSON.parse(bytes.toString('utf8')); // -0 travels as 0
          const acc = new JsonPartAccumulator();
          const chunks = splitAt(
            bytes,
            cuts.map((c) => c % (bytes.length + 1)),
          );
          chunks.forEach((c, i) => {
            acc.add(c);
            const v = acc.tryEarly(none);
            if (i < chunks.length - 1) {
              if (v !== undefined) expect(v).toEqual(expected); // never a wrong object
            } else {
              expect(v).toEqual(expected);
            }
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

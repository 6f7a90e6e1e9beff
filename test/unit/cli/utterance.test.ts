import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkArgumentUtterance, checkUtterance, MAX_UTTERANCE_BYTES, UtteranceLineSplitter } from '../../../src/cli/utterance.js';
import { UsageError } from '../../../src/protocol/errors.js';

/** Runs the splitter over `chunks`; returns the lines, or the error message it stopped with. */
function split(chunks: Buffer[]): { lines: string[]; error?: string; chunksRead: number } {
  const s = new UtteranceLineSplitter();
  const lines: string[] = [];
  let chunksRead = 0;
  try {
    for (const c of chunks) {
      chunksRead++;
      for (const l of s.push(c)) lines.push(l);
    }
    for (const l of s.end()) lines.push(l);
    return { lines, chunksRead };
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return { lines, error: (err as Error).message, chunksRead };
  }
}

/** Cuts `bytes` at the given offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  return out;
}

describe('UtteranceLineSplitter', () => {
  it('splits lines, trims spaces, tabs and CR, skips blank lines, keeps the last line without a newline', () => {
    const r = split([Buffer.from('  hello \r\n\n \t \r\n안녕하세요\nwhat\ttime\u3000\n\u3000\nlast')]);
    expect(r).toEqual({ lines: ['hello', '안녕하세요', 'what\ttime', 'last'], chunksRead: 1 });
  });

  it('any split of the input into chunks gives the same lines (multi-byte characters cut anywhere)', () => {
    const input = Buffer.from(' 가나다 \r\nhello world\n\n' + '한'.repeat(3333) + ' \nend');
    const whole = split([input]);
    expect(whole.error).toBeUndefined();
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (offsets) => {
        expect(split(cut(input, offsets))).toEqual({ ...whole, chunksRead: expect.any(Number) });
      }),
    );
  });

  it('the limit is on the line without its surrounding blanks, whatever the chunking', () => {
    const exact = 'a'.repeat(MAX_UTTERANCE_BYTES);
    const padded = Buffer.from(`${' '.repeat(50000)}${exact}${'\t'.repeat(50000)}\n`);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 8 }), (offsets) => {
        expect(split(cut(padded, offsets)).lines).toEqual([exact]);
        const over = split(cut(Buffer.from(`${exact.slice(1)} ${'  '.repeat(10)} ab\n`), offsets));
        expect(over.error).toMatch(/^line 1 of standard input is longer than 10000 bytes/);
      }),
    );
  });

  it('stops at the first chunk that makes a line too long: 100 MB are never read', () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const chunks = Array.from({ length: 1600 }, () => chunk);
    const r = split(chunks);
    expect(r.error).toMatch(/line 1 .* longer than 10000 bytes/);
    expect(r.chunksRead).toBe(1);
  });

  it('blank runs far past the limit are counted, not kept, and text after them is refused', () => {
    const r = split([Buffer.from('hi'), ...Array.from({ length: 20 }, () => Buffer.alloc(64 * 1024, 0x20)), Buffer.from('there\n')]);
    expect(r.error).toMatch(/line 1 .* longer than 10000 bytes/);
    const kept = split([Buffer.from('hi'), ...Array.from({ length: 20 }, () => Buffer.alloc(64 * 1024, 0x20)), Buffer.from('\nthere\n')]);
    expect(kept.lines).toEqual(['hi', 'there']);
  });

  it('yields the good lines before a bad one, then refuses it by number', () => {
    const s = new UtteranceLineSplitter();
    const it = s.push(Buffer.from('one\ntwo\n\u0000\nfour\n'));
    expect(it.next().value).toBe('one');
    expect(it.next().value).toBe('two');
    expect(() => it.next()).toThrow('line 3 of standard input contains a control character (U+0000); only tab is allowed');
  });

  it('refuses invalid UTF-8 (a lone continuation byte, an overlong form, a surrogate, a cut sequence)', () => {
    for (const bad of [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const r = split([Buffer.from('ok\n'), Buffer.from([0x61, ...bad, 0x0a])]);
      expect(r.lines).toEqual(['ok']);
      expect(r.error, bad.join(',')).toBe('line 2 of standard input is not valid UTF-8; give the text in UTF-8');
    }
    // U+FFFD written as valid UTF-8 is a character like any other on standard input.
    expect(split([Buffer.from('a\uFFFDb\n')]).lines).toEqual(['a\uFFFDb']);
  });
});

describe('checkUtterance and checkArgumentUtterance', () => {
  it('refuses empty, control characters (C0, DEL, C1; not tab) and more than 10000 bytes', () => {
    expect(checkUtterance(' \ta\tb ', 'x')).toBe('a\tb');
    expect(() => checkUtterance('  ', 'utterance 1')).toThrow(/^utterance 1 is empty/);
    for (const c of ['\u0001', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f']) {
      expect(() => checkUtterance(`a${c}b`, 'x'), JSON.stringify(c)).toThrow(/contains a control character \(U\+00[0-9A-F]{2}\)/);
    }
    expect(checkUtterance('é'.repeat(5000), 'x')).toHaveLength(5000);
    expect(() => checkUtterance('é'.repeat(5000) + 'a', 'x')).toThrow(/longer than 10000 bytes/);
  });

  it('an argument holding U+FFFD was not valid UTF-8', () => {
    expect(() => checkArgumentUtterance(['un', 'caf\uFFFD'])).toThrow('the utterance is not valid UTF-8; give the text in UTF-8');
    expect(checkArgumentUtterance(['café'])).toBe('café');
  });

  it('the words are one utterance joined by single spaces, checked as a whole', () => {
    expect(checkArgumentUtterance(['what', 'is', 'the', 'weather'])).toBe('what is the weather');
    expect(checkArgumentUtterance([' what is', 'the  weather '])).toBe('what is the  weather'); // as echo: only the ends are trimmed
    expect(() => checkArgumentUtterance(['', ' '])).toThrow(/^the utterance is empty/);
    const half = 'a'.repeat(MAX_UTTERANCE_BYTES / 2);
    expect(() => checkArgumentUtterance([half, half])).toThrow('the utterance is longer than 10000 bytes; send a shorter utterance');
    expect(checkArgumentUtterance([half, half.slice(1)])).toHaveLength(MAX_UTTERANCE_BYTES);
    expect(() => checkArgumentUtterance(['ring', '\u0007'])).toThrow('the utterance contains a control character (U+0007); only tab is allowed');
  });
});

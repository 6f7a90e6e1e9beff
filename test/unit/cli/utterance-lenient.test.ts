import { describe, expect, it } from 'vitest';
import { MAX_UTTERANCE_BYTES, UtteranceLineSplitter, utteranceLines } from '../../../src/cli/utterance.js';
import { UsageError } from '../../../src/protocol/errors.js';

/** `bytes` in pieces of `size` bytes (the last one shorter). */
function piecesOf(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/** Runs a lenient splitter (chat's) over `chunks`: the lines it yields and the refusals it hands over, in order. */
function lenient(chunks: Buffer[]): { lines: string[]; refused: string[]; events: string[] } {
  const events: string[] = [];
  const refused: string[] = [];
  const s = new UtteranceLineSplitter((err) => {
    expect(err).toBeInstanceOf(UsageError);
    refused.push(err.message);
    events.push(`refused: ${err.message}`);
  });
  const lines: string[] = [];
  const take = (l: string) => {
    lines.push(l);
    events.push(`line: ${l}`);
  };
  for (const c of chunks) for (const l of s.push(c)) take(l);
  for (const l of s.end()) take(l);
  return { lines, refused, events };
}

/** Piece sizes to feed the same input in: one byte at a time, odd sizes that cut UTF-8 sequences, whole. */
const SIZES = [1, 2, 3, 7, 64, 4096, Number.MAX_SAFE_INTEGER];

const tooLong = 'x'.repeat(MAX_UTTERANCE_BYTES + 1);
const INPUT = Buffer.concat([
  Buffer.from('hello\n'),
  Buffer.from(`${tooLong}\n`), // line 2: too long
  Buffer.from('안녕하세요\n'),
  Buffer.from([0x6f, 0x6b, 0xc0, 0xaf, 0x0a]), // line 4: "ok" and an overlong form: not UTF-8
  Buffer.from('ring \u0007 bell\n'), // line 5: a control character
  Buffer.from('\n  \n'), // lines 6 and 7: blank, skipped
  Buffer.from('/volume 3\n'),
  Buffer.from('last'), // line 9, no newline
]);

describe('UtteranceLineSplitter with a `refused` callback (chat on a pipe)', () => {
  it('a too-long line, invalid UTF-8 and a control character are handed over, skipped, and the lines after them come', () => {
    for (const size of SIZES) {
      const r = lenient(piecesOf(INPUT, size));
      expect(r.lines, `pieces of ${size}`).toEqual(['hello', '안녕하세요', '/volume 3', 'last']);
      expect(r.refused, `pieces of ${size}`).toEqual([
        `line 2 of standard input is longer than ${MAX_UTTERANCE_BYTES} bytes; send a shorter utterance`,
        'line 4 of standard input is not valid UTF-8; give the text in UTF-8',
        'line 5 of standard input contains a control character (U+0007); only tab is allowed',
      ]);
    }
  });

  it('each refusal comes in its place: after the lines before it, before the lines after it', () => {
    const r = lenient([INPUT]);
    expect(r.events.map((e) => e.replace(/ of standard input.*/, ''))).toEqual([
      'line: hello',
      'refused: line 2',
      'line: 안녕하세요',
      'refused: line 4',
      'refused: line 5',
      'line: /volume 3',
      'line: last',
    ]);
  });

  it('a very long line is refused once, however many pieces it comes in, and the next line is whole', () => {
    const pieces = [Buffer.from('a'), ...Array.from({ length: 200 }, () => Buffer.alloc(64 * 1024, 0x62)), Buffer.from('still the same line\nnext line\n')];
    const r = lenient(pieces);
    expect(r.refused).toEqual([`line 1 of standard input is longer than ${MAX_UTTERANCE_BYTES} bytes; send a shorter utterance`]);
    expect(r.lines).toEqual(['next line']);
  });

  it('a line that is too long only by the blanks inside it is refused too, and one that is long only by its surrounding blanks is kept', () => {
    const inner = lenient([Buffer.from(`a${' '.repeat(MAX_UTTERANCE_BYTES)}b\nafter\n`)]);
    expect(inner.refused).toHaveLength(1);
    expect(inner.lines).toEqual(['after']);
    const outer = lenient([Buffer.from(`${' '.repeat(MAX_UTTERANCE_BYTES * 2)}fine${'\t'.repeat(MAX_UTTERANCE_BYTES)}\nafter\n`)]);
    expect(outer.refused).toEqual([]);
    expect(outer.lines).toEqual(['fine', 'after']);
  });

  it('the last line, without a newline, is refused at the end of input when bad (too long: once)', () => {
    expect(lenient([Buffer.from('ok\nbad\u0001')])).toMatchObject({ lines: ['ok'], refused: [expect.stringMatching(/^line 2 .*control character \(U\+0001\)/)] });
    const long = lenient(piecesOf(Buffer.from(`ok\n${tooLong}${tooLong}`), 5000));
    expect(long.lines).toEqual(['ok']);
    expect(long.refused).toEqual([expect.stringMatching(/^line 2 .*longer than/)]);
  });

  it('a line that is only a bad character is refused and counted; the line numbers after it stay right', () => {
    const r = lenient([Buffer.from([0xff, 0x0a]), Buffer.from('\u001b[2J\n'), Buffer.from('two bad lines later\n\u0000')]);
    expect(r.lines).toEqual(['two bad lines later']);
    expect(r.refused.map((m) => /^line (\d+)/.exec(m)?.[1])).toEqual(['1', '2', '4']);
  });

  it('utteranceLines goes on after a refusal too', async () => {
    const refused: string[] = [];
    async function* input() {
      yield Buffer.from('one\n\u0007\n');
      yield 'two\n';
      yield Buffer.from([0xe2, 0x82, 0x0a]); // a cut sequence
      yield Buffer.from('three');
    }
    const lines: string[] = [];
    for await (const l of utteranceLines(input(), (err) => refused.push(err.message))) lines.push(l);
    expect(lines).toEqual(['one', 'two', 'three']);
    expect(refused.map((m) => /^line (\d+)/.exec(m)?.[1])).toEqual(['2', '4']);
  });

  it('an error that is not a refusal of the input still ends it (only UsageError is handed over)', () => {
    const s = new UtteranceLineSplitter(() => {
      throw new Error('the callback failed');
    });
    expect(() => [...s.push(Buffer.from('ok\n\u0001\n'))]).toThrow('the callback failed');
  });
});

describe('UtteranceLineSplitter without the callback (text -)', () => {
  it('still throws at the first bad line, after yielding the lines before it', () => {
    for (const size of SIZES) {
      const s = new UtteranceLineSplitter();
      const lines: string[] = [];
      let error: unknown;
      try {
        for (const c of piecesOf(INPUT, size)) for (const l of s.push(c)) lines.push(l);
        for (const l of s.end()) lines.push(l);
      } catch (err) {
        error = err;
      }
      expect(error, `pieces of ${size}`).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(`line 2 of standard input is longer than ${MAX_UTTERANCE_BYTES} bytes; send a shorter utterance`);
      expect(lines).toEqual(['hello']);
    }
  });

  it('utteranceLines without a callback rejects with the error', async () => {
    async function* input() {
      yield Buffer.from('one\nbad\u0002\ntwo\n');
    }
    const lines: string[] = [];
    await expect(
      (async () => {
        for await (const l of utteranceLines(input())) lines.push(l);
      })(),
    ).rejects.toThrow('line 2 of standard input contains a control character (U+0002); only tab is allowed');
    expect(lines).toEqual(['one']);
  });
});

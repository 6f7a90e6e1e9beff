import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { terminalLine, terminalSafeJson, terminalText } from '../../../src/protocol/sanitize.js';

/** Any C0 control but \n, DEL, or a C1 control. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('terminalLine', () => {
  it.each([
    ['window title (OSC ... BEL)', 'a\u001b]0;pwned\u0007b', 'ab'],
    ['window title (OSC ... ST)', 'a\u001b]2;pwned\u001b\\b', 'ab'],
    ['clear screen (CSI 2J)', 'a\u001b[2Jb', 'ab'],
    ['colours and cursor moves', '\u001b[31mred\u001b[0m \u001b[10;20H!', 'red !'],
    ['C1 CSI (U+009B)', 'a\u009b2Jb\u009b31mc', 'abc'],
    ['C1 OSC (U+009D) ended by C1 ST', 'a\u009d0;x\u009cb', 'ab'],
    ['a DCS string', 'a\u001bPq#0;2;0;0;0\u001b\\b', 'ab'],
    ['two-character escapes (RIS, keypad)', 'a\u001bcb\u001b=c', 'abc'],
    ['backspace, bell, DEL, NUL', 'a\u0008\u0007\u007f\u0000b', 'ab'],
    ['a forged error line after a carriage return', 'ok\rclova-cli: error: forged', 'ok clova-cli: error: forged'],
    ['a forged error line after a newline', 'ok\nclova-cli: error: forged', 'ok clova-cli: error: forged'],
    ['CRLF and tabs', 'a\r\n\tb', 'a  b'],
    ['Unicode line separators and NEL', 'a\u2028b\u2029c\u0085d', 'a b c d'],
    ['ordinary text, Korean, emoji', '서울 날씨 ☀️ 25°C', '서울 날씨 ☀️ 25°C'],
  ])('%s', (_what, input, expected) => {
    expect(terminalLine(input)).toBe(expected);
  });

  it('property: the result holds no control character and no line break', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const out = terminalLine(s);
        expect(CONTROL.test(out)).toBe(false);
        expect(out).not.toMatch(/[\n\u2028\u2029]/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('terminalText', () => {
  it('keeps line breaks as \\n (a carriage return becomes one) and strips the rest', () => {
    expect(terminalText('one\r\ntwo\rthree\nfour')).toBe('one\ntwo\nthree\nfour');
    expect(terminalText('\u001b]0;t\u0007hi\u001b[2J\tthere\u009b1m')).toBe('hi there');
  });

  it('property: the result holds no control character but \\n', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        expect(CONTROL.test(terminalText(s))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('invisible format characters (issue 17)', () => {
  const INVISIBLE = /[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

  it('bidirectional overrides, isolates, marks and zero-width characters are removed from terminal text', () => {
    expect(terminalLine('file\u202egpj.exe')).toBe('filegpj.exe');
    expect(terminalText('a\u2066b\u2069c\u200bd\u200fe\ufefff\u2060g')).toBe('abcdefg');
    expect(terminalLine('clo\u200dva-cli: error')).toBe('clova-cli: error');
  });

  it('property: nothing invisible survives', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        expect(INVISIBLE.test(terminalLine(s))).toBe(false);
        expect(INVISIBLE.test(terminalText(s))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('terminalSafeJson (issue 17)', () => {
  it('escapes DEL, C1 controls, separators and invisible characters; the value parses back the same', () => {
    const value = { text: 'a\u009b2Jb\u007fc\u0085d\u202ee\u2028f\u200bg' };
    const json = terminalSafeJson(value);
    expect(json).toBe('{"text":"a\\u009b2Jb\\u007fc\\u0085d\\u202ee\\u2028f\\u200bg"}');
    expect(JSON.parse(json)).toEqual(value);
  });

  it('property: only printable ASCII and ordinary characters remain raw, and it round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const json = terminalSafeJson({ s });
        expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f]/);
        expect(JSON.parse(json)).toEqual({ s });
      }),
      { numRuns: 1000 },
    );
  });
});

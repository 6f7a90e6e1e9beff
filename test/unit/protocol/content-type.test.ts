import { describe, expect, it } from 'vitest';
import { isValidBoundary, multipartBoundary, parseMediaType } from '../../../src/protocol/content-type.js';

const HEX60 = 'b4bc211bbd32e5cb5989bc7ab2d3088fdd72dcc6696253151c98176f88ba';

describe('multipartBoundary', () => {
  it.each([
    [`multipart/related; boundary=${HEX60};`, HEX60], // CIC's own header, trailing `;` (spec 1.6)
    [`multipart/related; boundary=${HEX60}`, HEX60],
    ['multipart/related; boundary=abc;', 'abc'],
    ['multipart/related;boundary=abc', 'abc'],
    ['multipart/related ; boundary = abc ;', 'abc'],
    ['multipart/form-data; boundary=920d6335ba920d6337a319f', '920d6335ba920d6337a319f'], // U-05
    ['Multipart/Related; Boundary=AbC', 'AbC'], // names are case-insensitive, the value is not
    ['MULTIPART/FORM-DATA; BOUNDARY=xyz', 'xyz'],
    ['multipart/related; boundary="quoted value:with (specials)"', 'quoted value:with (specials)'],
    ['multipart/related; boundary="abc";', 'abc'],
    ['multipart/related; type="application/json"; boundary=abc; start="<x>"', 'abc'],
    ['multipart/related; charset=utf-8; boundary=abc; boundary=second', 'abc'], // first one wins
    [`multipart/related; boundary=${'a'.repeat(70)}`, 'a'.repeat(70)],
  ])('accepts %s', (value, boundary) => {
    expect(multipartBoundary(value)).toBe(boundary);
  });

  it.each([
    ['undefined', undefined],
    ['an empty value', ''],
    ['application/json', 'application/json; boundary=abc'],
    ['text/plain', 'text/plain'],
    ['multipart/mixed (not accepted by default)', 'multipart/mixed; boundary=abc'],
    ['multipart/alternative', 'multipart/alternative; boundary=abc'],
    ['a missing boundary', 'multipart/related'],
    ['a missing boundary with a trailing `;`', 'multipart/related;'],
    ['an empty boundary', 'multipart/related; boundary='],
    ['an empty quoted boundary', 'multipart/related; boundary=""'],
    ['a boundary over 70 characters', `multipart/related; boundary=${'a'.repeat(71)}`],
    ['a boundary ending in a space', 'multipart/related; boundary="abc "'],
    ['a boundary with a forbidden character', 'multipart/related; boundary="a@b"'],
    ['a boundary with a CR', 'multipart/related; boundary="a\rb"'],
    ['a boundary only inside another quoted parameter', 'multipart/related; x="y; boundary=abc"'],
    ['a boundary without a `;` before it', 'multipart/related boundary=abc'],
    ['a malformed media type', 'multipart; boundary=abc'],
    ['a media type with spaces inside', 'multipart / related; boundary=abc'],
  ])('rejects %s', (_, value) => {
    expect(multipartBoundary(value)).toBeUndefined();
  });

  it('accepts other multipart types when asked to', () => {
    expect(multipartBoundary('multipart/mixed; boundary=abc', ['multipart/mixed'])).toBe('abc');
    expect(multipartBoundary('multipart/related; boundary=abc', ['multipart/mixed'])).toBeUndefined();
  });
});

describe('parseMediaType', () => {
  it('lower-cases the type and parameter names, unquotes values and keeps their case', () => {
    expect(parseMediaType('Application/JSON; Charset="UTF-8"; q=0.5;')).toEqual({
      type: 'application/json',
      params: { charset: 'UTF-8', q: '0.5' },
    });
    expect(parseMediaType('text/plain; a="x\\"y\\\\z"')?.params.a).toBe('x"y\\z');
    expect(parseMediaType('text/plain')).toEqual({ type: 'text/plain', params: {} });
  });

  it('rejects what is not a media type', () => {
    expect(parseMediaType(undefined)).toBeUndefined();
    expect(parseMediaType('')).toBeUndefined();
    expect(parseMediaType('json')).toBeUndefined();
    expect(parseMediaType('a/b/c')).toBeUndefined();
  });
});

describe('isValidBoundary', () => {
  it('follows RFC 2046: 1-70 characters from the bchars set, no trailing space', () => {
    expect(isValidBoundary('a')).toBe(true);
    expect(isValidBoundary("0aZ'()+_,-./:=? x")).toBe(true);
    expect(isValidBoundary('a'.repeat(70))).toBe(true);
    expect(isValidBoundary('')).toBe(false);
    expect(isValidBoundary('a'.repeat(71))).toBe(false);
    expect(isValidBoundary('a ')).toBe(false);
    expect(isValidBoundary('a"b')).toBe(false);
    expect(isValidBoundary('a;b')).toBe(false);
    expect(isValidBoundary('é')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isValidBoundary, multipartBoundary } from '../../../src/protocol/content-type.js';
import {
  AUDIO_PART_HEADERS,
  METADATA_PART_HEADERS,
  MultipartEncoder,
  newBoundary,
} from '../../../src/protocol/multipart-encoder.js';
import { decode } from './multipart-harness.js';

describe('MultipartEncoder', () => {
  it('writes the request framing of spec 3.8 (metadata part, then audio parts, then the close delimiter)', () => {
    const enc = new MultipartEncoder('920d6335ba920d6337a319f');
    const body = Buffer.concat([
      enc.part(METADATA_PART_HEADERS, '{"event":1}'),
      enc.beginPart(AUDIO_PART_HEADERS),
      Buffer.from([1, 2, 3]),
      enc.part(AUDIO_PART_HEADERS, Buffer.from([4])),
      enc.end(),
    ]);
    expect(body.toString('latin1')).toBe(
      [
        '--920d6335ba920d6337a319f',
        'Content-Disposition: form-data; name="metadata"',
        'Content-Type: application/json; charset=UTF-8',
        '',
        '{"event":1}',
        '--920d6335ba920d6337a319f',
        'Content-Disposition: form-data; name="audio"',
        'Content-Type: application/octet-stream',
        '',
        '\x01\x02\x03',
        '--920d6335ba920d6337a319f',
        'Content-Disposition: form-data; name="audio"',
        'Content-Type: application/octet-stream',
        '',
        '\x04',
        '--920d6335ba920d6337a319f--',
        '',
      ].join('\r\n'),
    );
    expect(multipartBoundary(enc.contentType())).toBe('920d6335ba920d6337a319f');
    const r = decode(enc.boundary, [body]);
    expect(r.parts.map((p) => p.parsed.dispositionName)).toEqual(['metadata', 'audio', 'audio']);
    expect(r.closed).toBe(1);
  });

  it('makes random hex boundaries that are valid RFC 2046 boundaries', () => {
    expect(newBoundary()).toMatch(/^[0-9a-f]{32}$/);
    expect(newBoundary(60)).toMatch(/^[0-9a-f]{60}$/);
    expect(newBoundary(7)).toMatch(/^[0-9a-f]{7}$/);
    expect(newBoundary()).not.toBe(newBoundary());
    expect(isValidBoundary(new MultipartEncoder().boundary)).toBe(true);
    expect(new MultipartEncoder('abc').contentType('multipart/related')).toBe('multipart/related; boundary=abc');
  });

  it('refuses header injection and parts after the end', () => {
    const enc = new MultipartEncoder('abc');
    expect(() => enc.beginPart([['X', 'a\r\nEvil: 1']])).toThrow();
    expect(() => enc.beginPart([['X\n', 'a']])).toThrow();
    enc.end();
    expect(enc.end().length).toBe(0); // idempotent
    expect(() => enc.part([], 'x')).toThrow(/closed/);
  });

  it('closes an empty body as `--boundary--`', () => {
    const enc = new MultipartEncoder('abc');
    expect(enc.end().toString()).toBe('--abc--\r\n');
  });
});

import { describe, expect, it } from 'vitest';
import { multipartBoundary } from '../../../src/protocol/content-type.js';
import { MultipartError } from '../../../src/protocol/errors.js';
import { JsonPartAccumulator } from '../../../src/protocol/json-part.js';
import { MultipartDecoder, PartHeaders } from '../../../src/protocol/multipart-decoder.js';
import { chunksOf, crlf, decode, splitAt, type DecodeResult } from './multipart-harness.js';

const CIC_BOUNDARY = 'b4bc211bbd32e5cb5989bc7ab2d3088fdd72dcc6696253151c98176f88ba';
const CIC_CONTENT_TYPE = `multipart/related; boundary=${CIC_BOUNDARY};`;

const HELLO_JSON = JSON.stringify(
  {
    directive: {
      header: { messageId: '2ca2ec70-c39d-4741-8a34-8aedd3b24760', namespace: 'Clova', name: 'Hello' },
      payload: {},
    },
  },
  null,
  4,
).replace(/\n/g, '\r\n');

/** Spec 2.2: the downchannel body, ending with `--<term>` and no close delimiter. */
const HELLO_BODY = Buffer.from(
  crlf(
    `--${CIC_BOUNDARY}`,
    'Content-Disposition: form-data; name="helloDirective-836d8db7-5e72-4fb2-9834-7c59291e1f8e"',
    'Content-Type: application/json; charset=utf-8',
    '',
    HELLO_JSON,
    `--${CIC_BOUNDARY}`,
  ),
  'utf8',
);

const SPEAK_JSON = JSON.stringify({
  directive: {
    header: {
      namespace: 'SpeechSynthesizer',
      name: 'Speak',
      messageId: 'dd4d463e-85a3-4514-927e-c90103c2dd02',
      dialogRequestId: '4e4080d6-c440-498a-bb73-ae86c6312806',
    },
    payload: {
      format: 'AUDIO_MPEG',
      token: 'e81f7dec-63fb-453d-8bd8-6944bed9a306',
      ttsLang: 'ko',
      url: 'cid:d329085c-379e-48aa-b871-7ecebdbe831d',
      'x-clova-pause-before': 0,
    },
  },
});
const RENDER_TEXT_JSON = JSON.stringify(
  {
    directive: {
      header: {
        namespace: 'Clova',
        name: 'RenderText',
        messageId: '0fa1b36f-e86c-4979-9494-b00a162c4515',
        dialogRequestId: '4e4080d6-c440-498a-bb73-ae86c6312806',
      },
      payload: { text: '만나서 반가워요' },
    },
  },
  null,
  2,
);

/** Fake MP3 bytes: a frame sync, then every byte value, CR/LF/dash runs and delimiter look-alikes. */
function fakeMp3(): Buffer {
  const bytes: number[] = [0xff, 0xfb, 0x90, 0x64];
  for (let i = 0; i < 3000; i++) bytes.push((i * 131 + 7) & 0xff);
  const lookAlikes = Buffer.from(`\r\n--${CIC_BOUNDARY.slice(0, 40)}\r\n-\r\r\n\n--${CIC_BOUNDARY}\r\n`, 'latin1');
  return Buffer.concat([Buffer.from(bytes), lookAlikes, Buffer.from([0x0d])]);
}
const MP3 = fakeMp3();

/** Spec 3.8: Speak + attachment + RenderText, with the blank lines the docs show after the JSON parts. */
const SPEAK_BODY = Buffer.concat([
  Buffer.from(
    crlf(
      `--${CIC_BOUNDARY}`,
      'Content-Disposition: form-data; name="speakDirective-836d8db7-5e72-4fb2-9834-7c59291e1f8e"',
      'Content-Type: application/json; charset=utf-8',
      '',
      SPEAK_JSON,
      '',
      `--${CIC_BOUNDARY}`,
      'Content-Disposition: form-data; name="attachment-39b2f844-b168-4dc2-bea7-d5c249e446e3"',
      'Content-ID: d329085c-379e-48aa-b871-7ecebdbe831d',
      'Content-Type: application/octet-stream',
      '',
      '',
    ),
    'utf8',
  ),
  MP3,
  Buffer.from(
    crlf(
      '',
      `--${CIC_BOUNDARY}`,
      'Content-Disposition: form-data; name="renderTextDirective-b2c92b0f-27af-4f5c-b7e7-af7a270c464b"',
      'Content-Type: application/json; charset=utf-8',
      '',
      RENDER_TEXT_JSON,
      '',
      `--${CIC_BOUNDARY}--`,
      '',
    ),
    'utf8',
  ),
]);

const EXCEPTION_BOUNDARY = '883fd3b825c9b883f99b9ffb4d2a2cbd7a24c9c61bfa69d70c51140f34ca';
const EXCEPTION_JSON = JSON.stringify(
  {
    directive: {
      header: { namespace: 'System', name: 'Exception', messageId: '369b362b-258c-4104-bdf8-dc276548fe51' },
      payload: { code: 400, description: 'Could not decode multipart' },
    },
  },
  null,
  2,
);
/** Spec 3.7: a System.Exception body with its close delimiter. */
const EXCEPTION_BODY = Buffer.from(
  crlf(
    `--${EXCEPTION_BOUNDARY}`,
    'Content-Disposition: form-data; name="exception-bde71903-dab4-46c5-9714-416cf12debf0"',
    'Content-Type: application/json; charset=utf-8',
    '',
    EXCEPTION_JSON,
    `--${EXCEPTION_BOUNDARY}--`,
  ),
  'utf8',
);

/** Every way of cutting `body` into two chunks, plus 1-byte and 7-byte chunks. */
function everySplit(body: Buffer): Buffer[][] {
  const out: Buffer[][] = [[body], chunksOf(body, 1), chunksOf(body, 7)];
  for (let i = 1; i < body.length; i++) out.push(splitAt(body, [i]));
  return out;
}

function expectSameResult(a: DecodeResult, b: DecodeResult): void {
  expect(b.error).toBe(a.error);
  expect(b.closed).toBe(a.closed);
  expect(b.parts.map((p) => [p.headers, p.body.toString('base64'), p.ended])).toEqual(
    a.parts.map((p) => [p.headers, p.body.toString('base64'), p.ended]),
  );
}

function expectMultipartError(r: DecodeResult, message?: RegExp): void {
  expect(r.error).toBeInstanceOf(MultipartError);
  if (message) expect((r.error as Error).message).toMatch(message);
}

describe('MultipartDecoder: CIC wire examples', () => {
  it('decodes the Hello downchannel body (spec 2.2), which has no close delimiter', () => {
    const boundary = multipartBoundary(`multipart/related; boundary=${CIC_BOUNDARY};`);
    expect(boundary).toBe(CIC_BOUNDARY);
    const r = decode(boundary!, [HELLO_BODY]);
    expect(r.error).toBeUndefined();
    expect(r.parts).toHaveLength(1);
    const [hello] = r.parts;
    expect(hello!.ended).toBe(true);
    expect(hello!.parsed.isJson).toBe(true);
    expect(hello!.parsed.dispositionName).toBe('helloDirective-836d8db7-5e72-4fb2-9834-7c59291e1f8e');
    expect(hello!.parsed.contentId).toBeUndefined();
    // The CRLF before `--term` belongs to the delimiter: the body is the JSON exactly.
    expect(hello!.body.toString('utf8')).toBe(HELLO_JSON);
    expect(JSON.parse(hello!.body.toString('utf8'))).toMatchObject({
      directive: { header: { namespace: 'Clova', name: 'Hello' }, payload: {} },
    });
    // end() right after `--term`: accepted, and reported as the close.
    expect(r.closed).toBe(1);
  });

  it('hands out the Hello part before end() and before any close delimiter', () => {
    const events: string[] = [];
    const d = new MultipartDecoder(CIC_BOUNDARY, {
      partBegin: () => events.push('begin'),
      partData: () => events.push('data'),
      partEnd: () => events.push('end'),
      close: () => events.push('close'),
    });
    d.write(HELLO_BODY);
    expect(events.at(-1)).toBe('end');
    expect(d.finished).toBe(false);
    expect(d.parts).toBe(1);
    d.end();
    expect(events.at(-1)).toBe('close');
    expect(d.finished).toBe(true);
  });

  it('decodes Speak + attachment + RenderText (spec 3.8) with the attachment byte-exact', () => {
    const r = decode(multipartBoundary(CIC_CONTENT_TYPE)!, [SPEAK_BODY]);
    expect(r.error).toBeUndefined();
    expect(r.closed).toBe(1);
    expect(r.parts.map((p) => p.parsed.dispositionName)).toEqual([
      'speakDirective-836d8db7-5e72-4fb2-9834-7c59291e1f8e',
      'attachment-39b2f844-b168-4dc2-bea7-d5c249e446e3',
      'renderTextDirective-b2c92b0f-27af-4f5c-b7e7-af7a270c464b',
    ]);
    const [speak, attachment, render] = r.parts;
    // The docs' blank line after each JSON part stays in the body (only the delimiter's CRLF goes).
    expect(speak!.body.toString('utf8')).toBe(SPEAK_JSON + '\r\n');
    const speakMsg = JSON.parse(speak!.body.toString('utf8'));
    expect(speakMsg.directive.payload.url).toBe('cid:d329085c-379e-48aa-b871-7ecebdbe831d');
    expect(attachment!.parsed.contentId).toBe('d329085c-379e-48aa-b871-7ecebdbe831d');
    expect(attachment!.parsed.mediaType).toBe('application/octet-stream');
    expect(attachment!.parsed.isJson).toBe(false);
    expect(attachment!.body.equals(MP3)).toBe(true);
    expect(`cid:${attachment!.parsed.contentId}`).toBe(speakMsg.directive.payload.url);
    expect(JSON.parse(render!.body.toString('utf8')).directive.payload.text).toBe('만나서 반가워요');
    expect(render!.headers).toEqual([
      ['content-disposition', 'form-data; name="renderTextDirective-b2c92b0f-27af-4f5c-b7e7-af7a270c464b"'],
      ['content-type', 'application/json; charset=utf-8'],
    ]);
  });

  it('decodes the System.Exception body (spec 3.7)', () => {
    const r = decode(multipartBoundary(`multipart/related; boundary=${EXCEPTION_BOUNDARY};`)!, [EXCEPTION_BODY]);
    expect(r.error).toBeUndefined();
    expect(r.closed).toBe(1);
    expect(r.parts).toHaveLength(1);
    const msg = JSON.parse(r.parts[0]!.body.toString('utf8'));
    expect(msg.directive.header).toMatchObject({ namespace: 'System', name: 'Exception' });
    expect(msg.directive.payload).toEqual({ code: 400, description: 'Could not decode multipart' });
  });

  it.each([
    ['Hello', CIC_BOUNDARY, HELLO_BODY],
    ['Speak', CIC_BOUNDARY, SPEAK_BODY],
    ['System.Exception', EXCEPTION_BOUNDARY, EXCEPTION_BODY],
  ] as const)('gives the same parts for every 2-way split, 1-byte and 7-byte chunks (%s)', (_, boundary, body) => {
    const whole = decode(boundary, [body]);
    for (const chunks of everySplit(body)) expectSameResult(whole, decode(boundary, chunks));
  });

  it('accepts Uint8Array chunks that are not Buffers', () => {
    const u8 = new Uint8Array(EXCEPTION_BODY); // a copy with its own ArrayBuffer
    const view = new Uint8Array(u8.buffer, 5, u8.length - 5);
    const r = decode(EXCEPTION_BOUNDARY, [u8.subarray(0, 5), view]);
    expectSameResult(decode(EXCEPTION_BOUNDARY, [EXCEPTION_BODY]), r);
  });
});

describe('MultipartDecoder: framing details', () => {
  const B = 'xyz';
  const one = (s: string, opts = {}) => decode(B, [Buffer.from(s, 'latin1')], opts);
  const bodies = (r: DecodeResult) => r.parts.map((p) => p.body.toString('latin1'));

  it('ignores preamble and epilogue, even when they contain boundary-like text', () => {
    const r = one(
      crlf('This is the preamble. --xyz is not at line start', '-xyz and --xy z are not delimiters', '--xyz', 'A: 1', '', 'body') +
        crlf('', '--xyz--', 'epilogue', '--xyz', 'B: 2', '', 'ignored', '--xyz--'),
    );
    expect(r.error).toBeUndefined();
    expect(bodies(r)).toEqual(['body']);
    expect(r.closed).toBe(1);
  });

  it('does not treat `--xyzz` in the preamble as a delimiter (it fails loudly instead)', () => {
    // `\r\n--xyz` followed by `z` is a delimiter match followed by garbage (RFC 2046 forbids the
    // boundary as a prefix of a line), so it is an error, not silently skipped.
    expectMultipartError(one(crlf('pre', '--xyzz', 'A: 1', '', 'b', '--xyz--')), /delimiter/);
  });

  it('treats CRLF before a delimiter as part of the delimiter and keeps every other CR/LF in the body', () => {
    const tricky = ['\r', '\n', '\r\r\n', '\n--xyz', '\r\n-', '\r\n--', '\r\n--xy', 'a\r\n--xY', '\r\n\r\n', 'end\r'];
    let s = '--xyz\r\n\r\n';
    s += tricky.join('\r\n--xyz\r\n\r\n');
    s += '\r\n--xyz--';
    for (const chunks of [[s], s.split(''), chunksOf(Buffer.from(s, 'latin1'), 3).map((c) => c.toString('latin1'))]) {
      const r = decode(
        B,
        chunks.map((c) => Buffer.from(c, 'latin1')),
      );
      expect(r.error).toBeUndefined();
      expect(bodies(r)).toEqual(tricky);
      expect(r.closed).toBe(1);
    }
  });

  it('accepts a bare LF after a delimiter but needs CRLF CRLF to end a header block', () => {
    const r = one('--xyz\nA: 1\r\n\r\nbody\r\n--xyz--\n');
    expect(r.error).toBeUndefined();
    expect(bodies(r)).toEqual(['body']);
    // LF-only framing (U-04: the digest chose CRLF) is rejected with a MultipartError, not misparsed.
    const lf = one('--xyz\nA: 1\n\nbody\n--xyz--\n');
    expectMultipartError(lf);
    expect(lf.parts).toHaveLength(0);
  });

  it('accepts a CRLF before the first delimiter', () => {
    expect(bodies(one('\r\n--xyz\r\n\r\nx\r\n--xyz--'))).toEqual(['x']);
  });

  it('decodes an empty part (no partData call) and a part without headers', () => {
    const r = one(crlf('--xyz', 'A: 1', '', '', '--xyz', '', 'no headers here', '--xyz', '', '', '--xyz--'));
    expect(r.error).toBeUndefined();
    expect(r.parts.map((p) => [p.headers, p.body.toString(), p.dataCalls])).toEqual([
      [[['a', '1']], '', 0],
      [[], 'no headers here', 1],
      [[], '', 0],
    ]);
    expect(r.parts[1]!.parsed.mediaType).toBe('');
    expect(r.parts[1]!.parsed.isJson).toBe(false);
  });

  it('decodes a body with no parts at all (`--xyz--`)', () => {
    const r = one('--xyz--\r\n');
    expect(r.error).toBeUndefined();
    expect(r.parts).toHaveLength(0);
    expect(r.closed).toBe(1);
  });

  it('skips transport padding (spaces, tabs) after a delimiter and after the close delimiter', () => {
    const r = one('--xyz \t \r\nA: 1\r\n\r\none\r\n--xyz\t\r\n\r\ntwo\r\n--xyz-- \t\r\n');
    expect(r.error).toBeUndefined();
    expect(bodies(r)).toEqual(['one', 'two']);
    expect(r.closed).toBe(1);
  });

  it('rejects transport padding over the limit', () => {
    expectMultipartError(one(`--xyz${' '.repeat(300)}\r\n\r\nx\r\n--xyz--`), /padding/);
    expect(one(`--xyz${' '.repeat(10)}\r\n\r\nx\r\n--xyz--`, { maxPaddingBytes: 10 }).error).toBeUndefined();
    expectMultipartError(one(`--xyz${' '.repeat(11)}\r\n\r\nx\r\n--xyz--`, { maxPaddingBytes: 10 }), /padding/);
    // Padding fed one byte at a time is cut off at the limit, not buffered without end.
    const d = new MultipartDecoder(B, { partBegin() {}, partData() {}, partEnd() {} }, { maxPaddingBytes: 10 });
    d.write(Buffer.from('--xyz'));
    expect(() => {
      for (let i = 0; i < 1000; i++) d.write(Buffer.from(' '));
    }).toThrow(MultipartError);
  });

  it('unfolds obsolete header folding', () => {
    const r = one(crlf('--xyz', 'X-Long: first', '  second', '\tthird', 'Content-Type: text/plain', '', 'b', '--xyz--'));
    expect(r.error).toBeUndefined();
    expect(r.parts[0]!.headers).toEqual([
      ['x-long', 'first second third'],
      ['content-type', 'text/plain'],
    ]);
  });

  it('reads Content-ID with and without angle brackets (U-07)', () => {
    const r = one(
      crlf('--xyz', 'Content-ID: <abc-1>', '', 'a', '--xyz', 'content-id:   abc-2  ', '', 'b', '--xyz', 'Content-Id: < abc-3 >', '', 'c') +
        crlf('', '--xyz', 'Content-ID: <only-open', '', 'd', '--xyz', '', 'e', '--xyz--'),
    );
    expect(r.error).toBeUndefined();
    expect(r.parts.map((p) => p.parsed.contentId)).toEqual(['abc-1', 'abc-2', 'abc-3', '<only-open', undefined]);
  });

  it('PartHeaders: case-insensitive lookup, first value wins, media type, JSON detection, disposition name', () => {
    const h = new PartHeaders([
      ['content-type', 'Application/Vnd.Api+JSON ; charset=UTF-8'],
      ['content-type', 'text/plain'],
      ['content-disposition', 'form-data; name="a \\"quoted\\" name"; filename=x'],
    ]);
    expect(h.get('Content-Type')).toBe('Application/Vnd.Api+JSON ; charset=UTF-8');
    expect(h.get('missing')).toBeUndefined();
    expect(h.mediaType).toBe('application/vnd.api+json');
    expect(h.isJson).toBe(true);
    expect(h.dispositionName).toBe('a \\"quoted\\" name');
    expect(new PartHeaders([['content-disposition', 'form-data; NAME=plain']]).dispositionName).toBe('plain');
    expect(new PartHeaders([['content-disposition', 'form-data']]).dispositionName).toBeUndefined();
    expect(new PartHeaders([['content-type', 'application/json; charset=utf-8']]).isJson).toBe(true);
    expect(new PartHeaders([['content-type', 'application/jsonx']]).isJson).toBe(false);
  });

  it('accepts a body that ends right after `--boundary` (the downchannel case)', () => {
    const r = one(crlf('--xyz', '', 'last', '--xyz'));
    expect(r.error).toBeUndefined();
    expect(bodies(r)).toEqual(['last']);
    expect(r.parts[0]!.ended).toBe(true);
    expect(r.closed).toBe(1);
  });

  it.each([
    ['inside a part body', crlf('--xyz', 'A: 1', '', 'partial body')],
    ['inside a part body, mid-delimiter', crlf('--xyz', 'A: 1', '', 'partial body', '--x')],
    ['inside a header block', crlf('--xyz', 'A: 1', 'B: ')],
    ['right after the delimiter line', crlf('--xyz', '')],
    ['before any delimiter', 'just a preamble'],
    ['with an empty body', ''],
  ])('end() throws MultipartError when the body is truncated %s', (_, s) => {
    const events: string[] = [];
    const d = new MultipartDecoder(B, {
      partBegin: () => events.push('begin'),
      partData: () => events.push('data'),
      partEnd: () => events.push('end'),
      close: () => events.push('close'),
    });
    d.write(Buffer.from(s, 'latin1'));
    expect(() => d.end()).toThrow(MultipartError);
    expect(events).not.toContain('close');
    expect(events).not.toContain('end');
    // The failure sticks: later calls throw the same error.
    expect(() => d.write(Buffer.from('\r\n--xyz--'))).toThrow(MultipartError);
    expect(() => d.end()).toThrow(MultipartError);
  });

  it('rejects a header block over the cap quickly and without buffering on (no hang)', () => {
    const huge = Buffer.alloc(1024 * 1024, 0x61); // 1 MiB header line, never terminated
    const r = decode(B, [Buffer.from('--xyz\r\nX: '), huge]);
    expectMultipartError(r, /header block too large/);
    // Byte by byte it stops as soon as the cap is passed.
    let written = 0;
    const d = new MultipartDecoder(B, { partBegin() {}, partData() {}, partEnd() {} }, { maxHeaderBytes: 100 });
    d.write(Buffer.from('--xyz\r\n'));
    const t0 = Date.now();
    expect(() => {
      for (; written < 100_000; written++) d.write(Buffer.from('a'));
    }).toThrow(MultipartError);
    expect(written).toBeLessThanOrEqual(110);
    expect(Date.now() - t0).toBeLessThan(1000);
    // A complete header block that is too large is rejected too.
    expectMultipartError(one(crlf('--xyz', `X: ${'a'.repeat(200)}`, '', 'b', '--xyz--'), { maxHeaderBytes: 100 }));
  });

  it('accepts a header block of exactly the cap when it arrives whole', () => {
    const block = `ab: ${'c'.repeat(6)}`; // 10 bytes
    const s = `--xyz\r\n${block}\r\n\r\nbody\r\n--xyz--`;
    const r = one(s, { maxHeaderBytes: 10 });
    expect(r.error).toBeUndefined();
    expect(r.parts[0]!.headers).toEqual([['ab', 'cccccc']]);
  });

  // BUG (src/protocol/multipart-decoder.ts, readHeaders): while the terminating CRLF CRLF is still
  // incomplete, the cap is checked against the whole buffer, which may hold up to 3 bytes of the
  // terminator. A header block of exactly maxHeaderBytes is accepted when the terminator arrives in
  // one chunk and rejected when it is split, so the result depends on chunking.
  // Fix: `if (b.length > this.maxHeaderBytes + 3) this.fail(...)` in the "not found yet" branch.
  it('gives the same answer when the terminator of a header block of exactly the cap is split', () => {
    const block = `ab: ${'c'.repeat(6)}`; // 10 bytes
    const s = Buffer.from(`--xyz\r\n${block}\r\n\r\nbody\r\n--xyz--`);
    const cut = `--xyz\r\n${block}\r\n\r`.length;
    const r = decode(B, splitAt(s, [cut]), { maxHeaderBytes: 10 });
    expect(r.error).toBeUndefined();
  });

  it('rejects too many header lines', () => {
    const lines = Array.from({ length: 5 }, (_, i) => `H${i}: v`);
    expect(one(crlf('--xyz', ...lines, '', 'b', '--xyz--'), { maxHeaders: 5 }).error).toBeUndefined();
    expectMultipartError(one(crlf('--xyz', ...lines, 'H5: v', '', 'b', '--xyz--'), { maxHeaders: 5 }), /too many/);
  });

  it.each([
    ['a header line without a colon', crlf('--xyz', 'no colon here', '', 'b', '--xyz--'), /header/],
    ['an empty header name', crlf('--xyz', ': value', '', 'b', '--xyz--'), /header/],
    ['a header name with a space', crlf('--xyz', 'Bad Name: v', '', 'b', '--xyz--'), /header name/],
    ['a header name with a non-token byte', crlf('--xyz', 'Bad(Name): v', '', 'b', '--xyz--'), /header name/],
    ['`--xyz-` then something else', crlf('--xyz', '', 'b', '--xyz-x'), /delimiter/],
    ['boundary text followed by other text', crlf('--xyz', '', 'b', '--xyzabc', '', 'c', '--xyz--'), /delimiter/],
    ['a CR not followed by LF after a delimiter', '--xyz\rA: 1\r\n\r\nb\r\n--xyz--', /delimiter/],
  ])('throws MultipartError for %s', (_, s, message) => {
    expectMultipartError(one(s), message);
    // The same error, byte by byte.
    expectMultipartError(
      decode(
        B,
        s.split('').map((c) => Buffer.from(c, 'latin1')),
      ),
      message,
    );
  });

  it('throws MultipartError for garbage and for random text without a delimiter', () => {
    expectMultipartError(one('hello world, this is not multipart at all'), /no delimiter/);
    expectMultipartError(decode(B, [Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x2d, 0x2d])]), /no delimiter/);
    expectMultipartError(one('--xyz\r\nA: 1\r\n\r\n\u0000\u0001garbage without end'), /inside a part/);
  });

  it('rejects an empty or over-long boundary in the constructor', () => {
    const h = { partBegin() {}, partData() {}, partEnd() {} };
    expect(() => new MultipartDecoder('', h)).toThrow(MultipartError);
    expect(() => new MultipartDecoder('a'.repeat(201), h)).toThrow(MultipartError);
    expect(() => new MultipartDecoder('a'.repeat(200), h)).not.toThrow();
  });

  it('ignores writes after the close delimiter and empty writes', () => {
    const d = new MultipartDecoder(B, { partBegin() {}, partData() {}, partEnd() {} });
    d.write(Buffer.alloc(0));
    d.write(Buffer.from('--xyz--'));
    expect(d.finished).toBe(true);
    expect(() => d.write(Buffer.from('anything at all, even \r\n--xyz\r\nA\r\n'))).not.toThrow();
    expect(() => d.end()).not.toThrow();
  });
});

describe('MultipartDecoder: heldBack()', () => {
  const B = 'xyz';
  function decoder() {
    const data: Buffer[] = [];
    const d = new MultipartDecoder(B, {
      partBegin() {},
      partData: (c) => data.push(Buffer.from(c)),
      partEnd() {},
    });
    return { d, data, body: () => Buffer.concat(data).toString('latin1') };
  }

  it('is empty outside a part body', () => {
    const { d } = decoder();
    expect(d.heldBack().length).toBe(0);
    d.write(Buffer.from('preamble\r\n--x')); // a possible delimiter start, but not in a body
    expect(d.inBody).toBe(false);
    expect(d.heldBack().length).toBe(0);
    d.write(Buffer.from('yz\r\nA: 1\r')); // inside the header block
    expect(d.heldBack().length).toBe(0);
    d.write(Buffer.from('\n\r\n'));
    // The blank line could still be the start of the next delimiter (a part without a body).
    expect(d.inBody).toBe(false);
    d.write(Buffer.from('b'));
    expect(d.inBody).toBe(true);
    expect(d.heldBack().length).toBe(0);
  });

  it('reads a part that has headers but no body, and one with neither (RFC 2046)', () => {
    for (const [text, count] of [
      ['--xyz\r\nA: 1\r\n\r\n--xyz--', 1],
      ['--xyz\r\n\r\n--xyz--', 1],
      ['--xyz\r\n\r\n--xyz\r\nB: 2\r\n\r\nbody\r\n--xyz--', 2],
    ] as const) {
      for (const step of [1, 2, 3, 1000]) {
        const parts: Array<{ headers: string; body: string }> = [];
        const d = new MultipartDecoder('xyz', {
          partBegin: (h) => parts.push({ headers: h.list.map(([k, v]) => `${k}=${v}`).join(','), body: '' }),
          partData: (c) => (parts[parts.length - 1]!.body += c.toString()),
          partEnd: () => undefined,
        });
        const b = Buffer.from(text);
        for (let i = 0; i < b.length; i += step) d.write(b.subarray(i, i + step));
        d.end();
        expect(parts.length, `${text} / ${step}`).toBe(count);
        expect(parts[0]!.body).toBe('');
        if (count === 2) expect(parts[1]).toEqual({ headers: 'b=2', body: 'body' });
      }
    }
  });

  it('holds back exactly the tail that could start a delimiter, and hands out the rest at once', () => {
    const { d, body } = decoder();
    d.write(Buffer.from('--xyz\r\n\r\nhello'));
    expect(body()).toBe('hello');
    expect(d.heldBack().length).toBe(0);
    d.write(Buffer.from(' world\r'));
    expect(body()).toBe('hello world');
    expect(d.heldBack().toString()).toBe('\r');
    d.write(Buffer.from('\n--x'));
    expect(d.heldBack().toString()).toBe('\r\n--x');
    expect(body()).toBe('hello world');
    // Not a delimiter after all: the held bytes are released in order.
    d.write(Buffer.from('Q\r\n-'));
    expect(body()).toBe('hello world\r\n--xQ');
    expect(d.heldBack().toString()).toBe('\r\n-');
    // `\r\r\n--` keeps only the part that can still match.
    d.write(Buffer.from('\r\r\n--'));
    expect(body()).toBe('hello world\r\n--xQ\r\n-\r');
    expect(d.heldBack().toString()).toBe('\r\n--');
    // The delimiter completes: the part ends and nothing is held.
    d.write(Buffer.from('xyz'));
    expect(d.inBody).toBe(false);
    expect(d.heldBack().length).toBe(0);
    expect(body()).toBe('hello world\r\n--xQ\r\n-\r');
  });

  it('is never as long as the delimiter, and body + heldBack is everything received so far', () => {
    const { d, body } = decoder();
    d.write(Buffer.from('--xyz\r\n\r\n'));
    let sent = '';
    const pieces = ['a', '\r', '\n', '-', '-', 'x', 'y', 'Z', '\r\n--xy', '\r', '\r\n', '-', 'b'];
    for (const p of pieces) {
      d.write(Buffer.from(p, 'latin1'));
      sent += p;
      expect(d.heldBack().length).toBeLessThan('\r\n--xyz'.length);
      expect(body() + d.heldBack().toString('latin1')).toBe(sent);
    }
  });

  it('lets a JSON part be read early from body + heldBack (downchannel, spec 2.2)', () => {
    const acc = new JsonPartAccumulator();
    let early: unknown;
    const d = new MultipartDecoder(CIC_BOUNDARY, {
      partBegin() {},
      partData: (c) => {
        acc.add(c);
      },
      partEnd() {},
    });
    // The emulator's form: `<delimiter><CRLF><headers><CRLF><CRLF><json>`, the next delimiter comes later.
    const wire = Buffer.from(
      crlf(`--${CIC_BOUNDARY}`, 'Content-Type: application/json; charset=utf-8', '', HELLO_JSON),
      'utf8',
    );
    for (const c of chunksOf(wire, 5)) {
      d.write(c);
      const v = acc.tryEarly(d.heldBack());
      if (v !== undefined) {
        expect(early).toBeUndefined();
        early = v;
      }
    }
    expect(early).toEqual(JSON.parse(HELLO_JSON));
  });
});

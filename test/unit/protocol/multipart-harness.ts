import {
  MultipartDecoder,
  type MultipartDecoderOptions,
  type PartHeaders,
} from '../../../src/protocol/multipart-decoder.js';

/** One decoded part: lower-cased header list, the PartHeaders object and the body bytes. */
export interface DecodedPart {
  headers: Array<[string, string]>;
  parsed: PartHeaders;
  body: Buffer;
  /** Number of partData calls (0 for an empty body). */
  dataCalls: number;
  ended: boolean;
}

/** What a decoder produced for a whole input. */
export interface DecodeResult {
  parts: DecodedPart[];
  closed: number;
  error: unknown;
  /** Longest heldBack() seen after any write while inside a part body. */
  maxHeldBack: number;
}

/**
 * Feeds `chunks` to a fresh decoder and records every callback. `callEnd` calls end() after the
 * last chunk. Errors are caught and returned, never rethrown.
 */
export function decode(
  boundary: string,
  chunks: Iterable<Uint8Array>,
  options: MultipartDecoderOptions & { callEnd?: boolean } = {},
): DecodeResult {
  const parts: DecodedPart[] = [];
  let current: { headers: Array<[string, string]>; parsed: PartHeaders; data: Buffer[]; calls: number } | undefined;
  const result: DecodeResult = { parts, closed: 0, error: undefined, maxHeldBack: 0 };
  const d = new MultipartDecoder(
    boundary,
    {
      partBegin(h) {
        if (current) throw new Error('partBegin while a part is open');
        current = { headers: h.list.map(([k, v]) => [k, v]), parsed: h, data: [], calls: 0 };
      },
      partData(c) {
        if (!current) throw new Error('partData outside a part');
        if (c.length === 0) throw new Error('empty partData');
        current.data.push(Buffer.from(c)); // copy: the test must not depend on input buffers
        current.calls++;
      },
      partEnd() {
        if (!current) throw new Error('partEnd outside a part');
        parts.push({
          headers: current.headers,
          parsed: current.parsed,
          body: Buffer.concat(current.data),
          dataCalls: current.calls,
          ended: true,
        });
        current = undefined;
      },
      close() {
        result.closed++;
      },
    },
    options,
  );
  try {
    for (const c of chunks) {
      d.write(c);
      result.maxHeldBack = Math.max(result.maxHeldBack, d.heldBack().length);
    }
    if (options.callEnd !== false) d.end();
  } catch (err) {
    result.error = err;
  }
  if (current) {
    parts.push({
      headers: current.headers,
      parsed: current.parsed,
      body: Buffer.concat(current.data),
      dataCalls: current.calls,
      ended: false,
    });
  }
  return result;
}

/** Splits a buffer at the given offsets (any order, duplicates and out-of-range values ignored). */
export function splitAt(buf: Buffer, offsets: Iterable<number>): Buffer[] {
  const cuts = [...new Set([...offsets].filter((o) => o > 0 && o < buf.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Chunks of `size` bytes (the last one shorter). */
export function chunksOf(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  if (out.length === 0) out.push(buf);
  return out;
}

/** Every offset where `needle` occurs in `buf`. */
export function occurrences(buf: Buffer, needle: Buffer): number[] {
  const out: number[] = [];
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + 1)) out.push(i);
  return out;
}

/**
 * Removes every occurrence of the delimiter `\r\n--boundary` from `body` by changing the CR that
 * starts it. The delimiter holds exactly one CR (boundary characters exclude it), so this cannot
 * create a new occurrence.
 */
export function scrubDelimiter(body: Buffer, boundary: string): Buffer {
  const delim = Buffer.from(`\r\n--${boundary}`, 'latin1');
  const out = Buffer.from(body);
  for (let i = out.indexOf(delim); i >= 0; i = out.indexOf(delim, i + 1)) out[i] = 0x78; // 'x'
  // A body that starts with `--boundary` turns the blank line before it into a delimiter too.
  if (out.subarray(0, delim.length - 2).equals(delim.subarray(2)) && out.length > 0) out[0] = 0x78;
  return out;
}

/** CRLF-joined lines, the way the spec's wire examples travel. */
export function crlf(...lines: string[]): string {
  return lines.join('\r\n');
}

/** The largest JSON part (one directive) a reader keeps: 4 MiB. Larger parts are dropped. */
export const MAX_JSON_PART_BYTES = 4 * 1024 * 1024;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Where the scan of a part stands. */
type Shape =
  /** Only whitespace so far. */
  | 'empty'
  /** Inside the top-level object. */
  | 'open'
  /** The top-level object closed, only whitespace after it. */
  | 'complete'
  /** Not an object, or bytes after the object: never complete early (parse() still decides). */
  | 'other';

/**
 * Collects the body of a JSON part and finds, in one pass over the bytes, the moment its
 * top-level object is complete. That lets a downchannel directive (Hello, a push) count as soon as
 * its JSON is complete (spec 2.2), although the server sends the next delimiter only with the next
 * directive. The part is parsed once: re-parsing a growing buffer on every chunk is quadratic (a
 * 4 MB part in 1 KiB chunks cost 10-21 s of CPU and 320 MB, audit 2026-11-29). Bytes are scanned
 * one by one, which is safe for UTF-8: the structural characters are ASCII and never occur inside
 * a multi-byte sequence.
 */
export class JsonPartAccumulator {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly maxBytes: number;
  private shape: Shape = 'empty';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private parsed: { value: unknown } | { error: unknown } | undefined;
  /** Bytes looked at by the scanner (each byte once, whatever the chunking). */
  scannedBytes = 0;
  /** True once the part grew past the size limit (its bytes were dropped). */
  overflowed = false;
  /** Set once the part was handed out early, so it is not handed out again at its end. */
  deliveredEarly = false;

  constructor(maxBytes = MAX_JSON_PART_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** Bytes received so far, including any dropped past the limit. */
  get receivedBytes(): number {
    return this.size;
  }

  /** True when the bytes so far are one complete object (plus whitespace): it cannot change. */
  get complete(): boolean {
    return this.shape === 'complete';
  }

  /** Adds body bytes; returns false when the part grew past the size limit (it is then dropped). */
  add(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.overflowed) return false;
    if (this.size > this.maxBytes) {
      this.overflowed = true;
      this.chunks = [];
      this.parsed = undefined;
      return false;
    }
    if (chunk.length === 0) return true;
    this.chunks.push(chunk);
    const before = this.shape;
    this.scan(chunk);
    // Whitespace after a complete object leaves its value as it was; anything else must be parsed anew.
    if (!(before === 'complete' && this.shape === 'complete')) this.parsed = undefined;
    return true;
  }

  private scan(chunk: Buffer): void {
    this.scannedBytes += chunk.length;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const shape = this.shape;
      if (shape === 'other') return;
      const c = chunk[i++]!;
      if (shape === 'open') {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) this.inString = false;
        } else if (c === QUOTE) this.inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          if (--this.depth === 0) this.shape = c === CLOSE_BRACE ? 'complete' : 'other';
        }
      } else if (!isSpace(c)) {
        if (shape === 'empty' && c === OPEN_BRACE) {
          this.shape = 'open';
          this.depth = 1;
        } else this.shape = 'other';
      }
    }
  }

  /** The whole text received so far. */
  text(extra?: Buffer): string {
    const all = extra && extra.length > 0 ? [...this.chunks, extra] : this.chunks;
    return Buffer.concat(all).toString('utf8');
  }

  /** Parses the part (once: the result is kept until more bytes change it); throws SyntaxError on bad JSON. */
  parse(): unknown {
    this.parsed ??= this.parseNow();
    if ('error' in this.parsed) throw this.parsed.error;
    return this.parsed.value;
  }

  private parseNow(): { value: unknown } | { error: unknown } {
    try {
      return { value: JSON.parse(this.text()) as unknown };
    } catch (error) {
      return { error };
    }
  }

  /**
   * The object, when the bytes so far are already one complete JSON object; undefined when not
   * (yet), or when it is not valid JSON. A complete object cannot become a different valid value by
   * appending bytes, so an early result never differs from the final one. `heldBack` (the bytes a
   * multipart decoder holds back because they may start the next delimiter, `CRLF--boundary`) can
   * only be a tail: when it is not whitespace, the end is not certain yet. It never completes an
   * object: `--` is not JSON outside a string, and a raw CR cannot be inside one.
   */
  tryEarly(heldBack?: Buffer): unknown {
    if (this.deliveredEarly || this.shape !== 'complete' || this.overflowed) return undefined;
    if (heldBack) for (const c of heldBack) if (!isSpace(c)) return undefined;
    try {
      return this.parse();
    } catch {
      return undefined;
    }
  }
}

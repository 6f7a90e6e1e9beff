import { MultipartError } from './errors.js';

/** The header block of one part, names lower-cased. */
export class PartHeaders {
  readonly list: ReadonlyArray<readonly [string, string]>;
  constructor(list: ReadonlyArray<readonly [string, string]>) {
    this.list = list;
  }
  /** The first value of a header (case-insensitive), or undefined. */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    for (const [k, v] of this.list) if (k === n) return v;
    return undefined;
  }
  /** The media type without parameters, lower-cased ('' when absent). */
  get mediaType(): string {
    return (this.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  }
  /** True for `application/json` (and `+json`) parts. */
  get isJson(): boolean {
    const t = this.mediaType;
    return t === 'application/json' || t.endsWith('+json');
  }
  /** Content-ID with one optional pair of angle brackets removed (spec 1.7, U-07). */
  get contentId(): string | undefined {
    const v = this.get('content-id')?.trim();
    if (v === undefined) return undefined;
    return v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1).trim() : v;
  }
  /** The `name` parameter of Content-Disposition (informational only, spec 1.6). */
  get dispositionName(): string | undefined {
    const v = this.get('content-disposition');
    if (!v) return undefined;
    const m = /;\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(v);
    return m ? (m[1] ?? m[2]) : undefined;
  }
}

/** Receives the parts of a multipart body as they are decoded. */
export interface MultipartHandler {
  /** A part's header block is complete. */
  partBegin(headers: PartHeaders): void;
  /** Body bytes of the current part, in order; the buffer is not reused by the decoder. */
  partData(chunk: Buffer): void;
  /** The current part's body is complete (its closing delimiter was seen). */
  partEnd(): void;
  /** The close delimiter `--boundary--` was seen. */
  close?(): void;
}

/** Limits that keep hostile input from using unbounded memory. */
export interface MultipartDecoderOptions {
  /** Largest header block of one part, in bytes (default 16 KiB). */
  maxHeaderBytes?: number;
  /** Most header lines in one part (default 64). */
  maxHeaders?: number;
  /** Longest transport padding after a delimiter (default 256). */
  maxPaddingBytes?: number;
}

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'done' | 'error';

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * Streaming decoder for multipart bodies (RFC 2046 framing as CIC uses it). Feed it bytes split
 * anywhere; it hands out each part as soon as its bytes are certain, holding back only a tail
 * that might be the start of a delimiter. Pure: no I/O, no timers.
 */
export class MultipartDecoder {
  private readonly delimiter: Buffer;
  private readonly handler: MultipartHandler;
  private readonly maxHeaderBytes: number;
  private readonly maxHeaders: number;
  private readonly maxPadding: number;
  private buf: Buffer;
  private state: State = 'preamble';
  private failure: MultipartError | undefined;
  private partCount = 0;

  constructor(boundary: string, handler: MultipartHandler, options: MultipartDecoderOptions = {}) {
    if (boundary.length === 0 || boundary.length > 200) throw new MultipartError('invalid multipart boundary');
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.handler = handler;
    this.maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
    this.maxHeaders = options.maxHeaders ?? 64;
    this.maxPadding = options.maxPaddingBytes ?? 256;
    // A virtual CRLF lets the first delimiter (which has none in front) match like every other one.
    this.buf = Buffer.from('\r\n');
  }

  /** Number of parts begun so far. */
  get parts(): number {
    return this.partCount;
  }

  /** True once the close delimiter has been seen. */
  get finished(): boolean {
    return this.state === 'done';
  }

  /** True while inside a part body. */
  get inBody(): boolean {
    return this.state === 'body';
  }

  /** Bytes of the current part body that are held back because they might start a delimiter. */
  heldBack(): Buffer {
    return this.state === 'body' ? this.buf : Buffer.alloc(0);
  }

  /** Decodes the next chunk. Throws MultipartError (and keeps throwing) on malformed input. */
  write(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (this.state === 'done' || chunk.length === 0) return;
    const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buf = this.buf.length === 0 ? c : Buffer.concat([this.buf, c]);
    try {
      this.run();
    } catch (err) {
      if (err instanceof MultipartError) {
        this.state = 'error';
        this.failure = err;
      }
      throw err;
    }
  }

  /** Signals the end of the body; throws MultipartError when it ended inside a part. */
  end(): void {
    if (this.failure) throw this.failure;
    switch (this.state) {
      case 'done':
        return;
      case 'delimiter':
        // `--boundary` followed by nothing: the last part ended cleanly, only the `--` is missing.
        this.state = 'done';
        this.handler.close?.();
        return;
      default: {
        const message =
          this.state === 'preamble' ? 'multipart body has no delimiter' : 'multipart body ended inside a part';
        this.state = 'error';
        this.failure = new MultipartError(message);
        throw this.failure;
      }
    }
  }

  private fail(message: string): never {
    throw new MultipartError(message);
  }

  private run(): void {
    for (;;) {
      switch (this.state) {
        case 'preamble': {
          const i = this.buf.indexOf(this.delimiter);
          if (i < 0) {
            this.buf = this.buf.subarray(this.safeLength());
            return;
          }
          this.buf = this.buf.subarray(i + this.delimiter.length);
          this.state = 'delimiter';
          break;
        }
        case 'delimiter': {
          if (!this.afterDelimiter()) return;
          break;
        }
        case 'headers': {
          if (!this.readHeaders()) return;
          break;
        }
        case 'body': {
          const i = this.buf.indexOf(this.delimiter);
          if (i >= 0) {
            if (i > 0) this.handler.partData(this.buf.subarray(0, i));
            this.buf = this.buf.subarray(i + this.delimiter.length);
            this.state = 'delimiter';
            this.handler.partEnd();
            break;
          }
          const safe = this.safeLength();
          if (safe > 0) {
            this.handler.partData(this.buf.subarray(0, safe));
            this.buf = this.buf.subarray(safe);
          }
          return;
        }
        case 'done':
        case 'error':
          this.buf = Buffer.alloc(0);
          return;
      }
    }
  }

  /** How many leading bytes of buf cannot be part of a delimiter that continues in later data. */
  private safeLength(): number {
    const b = this.buf;
    const d = this.delimiter;
    const start = Math.max(0, b.length - d.length + 1);
    for (let p = start; p < b.length; p++) {
      if (b[p] !== CR) continue;
      const n = b.length - p;
      if (b.compare(d, 0, n, p, b.length) === 0) return p;
    }
    return b.length;
  }

  /** After `\r\n--boundary`: `--` closes the body, optional padding then CRLF starts a part. */
  private afterDelimiter(): boolean {
    const b = this.buf;
    if (b.length === 0) return false;
    if (b[0] === DASH) {
      if (b.length < 2) return false;
      if (b[1] !== DASH) this.fail('malformed multipart delimiter');
      this.state = 'done';
      this.buf = Buffer.alloc(0);
      this.handler.close?.();
      return true;
    }
    let i = 0;
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09)) i++;
    if (i > this.maxPadding) this.fail('malformed multipart delimiter (padding too long)');
    if (i === b.length) return false;
    if (b[i] === CR) {
      if (i + 1 === b.length) return false;
      if (b[i + 1] !== LF) this.fail('malformed multipart delimiter');
      this.buf = b.subarray(i + 2);
    } else if (b[i] === LF) {
      this.buf = b.subarray(i + 1);
    } else {
      this.fail('malformed multipart delimiter (boundary text inside a part?)');
    }
    this.state = 'headers';
    return true;
  }

  private readHeaders(): boolean {
    const b = this.buf;
    let end: number; // end of the header text
    let crlf: number; // where the CRLF after the header lines starts
    if (b.length >= 2 && b[0] === CR && b[1] === LF) {
      end = 0;
      crlf = 0; // a part with no headers at all
    } else {
      if (b.length === 1 && b[0] === CR) return false;
      end = b.indexOf(CRLF_CRLF);
      if (end < 0) {
        // +3: up to three bytes of the closing CRLF CRLF may already be here.
        if (b.length > this.maxHeaderBytes + 3) this.fail('multipart part header block too large');
        return false;
      }
      crlf = end + 2;
    }
    if (end > this.maxHeaderBytes) this.fail('multipart part header block too large');
    // That CRLF is either the blank line before the body, or the start of the next delimiter
    // (a part with no body, RFC 2046 allows it). Wait until the bytes tell which.
    const d = this.delimiter;
    const rest = b.length - crlf;
    let bodyStart = crlf + 2;
    if (rest < d.length) {
      if (b.compare(d, 0, rest, crlf, b.length) === 0) return false;
    } else if (b.compare(d, 0, d.length, crlf, crlf + d.length) === 0) {
      bodyStart = crlf;
    }
    const headers = this.parseHeaderBlock(b.toString('utf8', 0, end));
    this.buf = b.subarray(bodyStart);
    this.state = 'body';
    this.partCount++;
    this.handler.partBegin(headers);
    return true;
  }

  private parseHeaderBlock(text: string): PartHeaders {
    const list: Array<[string, string]> = [];
    if (text.length === 0) return new PartHeaders(list);
    for (const line of text.split('\r\n')) {
      if ((line.startsWith(' ') || line.startsWith('\t')) && list.length > 0) {
        list[list.length - 1]![1] += ' ' + line.trim(); // obsolete line folding
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) this.fail('malformed multipart part header');
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) this.fail('malformed multipart part header name');
      list.push([name, line.slice(colon + 1).trim()]);
      if (list.length > this.maxHeaders) this.fail('too many multipart part headers');
    }
    return new PartHeaders(list);
  }
}

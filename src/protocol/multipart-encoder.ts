import { randomBytes } from 'node:crypto';

/** Part headers in wire order, e.g. `[['Content-Disposition', 'form-data; name="metadata"']]`. */
export type PartHeaderList = ReadonlyArray<readonly [string, string]>;

/** A fresh boundary of `hexChars` random lowercase hex characters (32 for requests, 60 as CIC uses). */
export function newBoundary(hexChars = 32): string {
  return randomBytes(Math.ceil(hexChars / 2)).toString('hex').slice(0, hexChars);
}

/**
 * Streaming multipart writer (RFC 2046, CRLF). It returns the bytes to send; the caller writes them
 * as parts become available, so a part body can be streamed between `beginPart` and the next call.
 * The CRLF before each delimiter belongs to the delimiter.
 */
export class MultipartEncoder {
  readonly boundary: string;
  private started = false;
  private closed = false;

  constructor(boundary: string = newBoundary()) {
    this.boundary = boundary;
  }

  /** The content-type header value for this body. */
  contentType(mediaType = 'multipart/form-data'): string {
    return `${mediaType}; boundary=${this.boundary}`;
  }

  /** Delimiter and header block of a new part; the part's body bytes follow it. */
  beginPart(headers: PartHeaderList): Buffer {
    if (this.closed) throw new Error('multipart body already closed');
    const lead = this.started ? `\r\n--${this.boundary}\r\n` : `--${this.boundary}\r\n`;
    this.started = true;
    let head = lead;
    for (const [name, value] of headers) {
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`invalid part header ${name}`);
      head += `${name}: ${value}\r\n`;
    }
    return Buffer.from(head + '\r\n', 'utf8');
  }

  /** A whole part: delimiter, headers and body. */
  part(headers: PartHeaderList, body: Buffer | string): Buffer {
    const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return Buffer.concat([this.beginPart(headers), b]);
  }

  /** The close delimiter `--boundary--`. */
  end(): Buffer {
    if (this.closed) return Buffer.alloc(0);
    this.closed = true;
    return Buffer.from(this.started ? `\r\n--${this.boundary}--\r\n` : `--${this.boundary}--\r\n`, 'utf8');
  }
}

/** Part headers of the JSON `metadata` part of an event request (spec 1.6). */
export const METADATA_PART_HEADERS: PartHeaderList = [
  ['Content-Disposition', 'form-data; name="metadata"'],
  ['Content-Type', 'application/json; charset=UTF-8'],
];

/** Part headers of one raw audio part of a Recognize request (spec 1.6). */
export const AUDIO_PART_HEADERS: PartHeaderList = [
  ['Content-Disposition', 'form-data; name="audio"'],
  ['Content-Type', 'application/octet-stream'],
];

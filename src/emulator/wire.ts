import type { ServerHttp2Stream } from 'node:http2';
import { buildDirective, type DirectiveMessage } from '../protocol/messages.js';
import { MultipartEncoder, newBoundary, type PartHeaderList } from '../protocol/multipart-encoder.js';
import { newId } from '../protocol/ids.js';
import type { FaultReader } from './active-faults.js';
import { mulberry32 } from './random.js';

/** One part of a multipart answer: a directive, or a binary attachment referenced by `cid:`. */
export type ResponsePart =
  | { kind: 'directive'; message: DirectiveMessage }
  | { kind: 'attachment'; contentId: string; bytes: Buffer };

/** How bodies are framed and written; derived from the faults in force when a response starts. */
export interface WireStyle {
  mediaType: 'multipart/related' | 'multipart/form-data';
  quirkyContentType: boolean;
  contentIdBrackets: boolean;
  /** When set, bodies are written in pieces of this many bytes, one DATA frame each. */
  slowFrameBytes?: number;
}

/** The wire style the given faults ask for. */
export function wireStyle(faults: FaultReader): WireStyle {
  const style: WireStyle = {
    mediaType: faults.has('form-data-response') ? 'multipart/form-data' : 'multipart/related',
    quirkyContentType: faults.has('quirky-content-type'),
    contentIdBrackets: faults.has('content-id-brackets'),
  };
  const slow = faults.get('slow-frames');
  if (slow) style.slowFrameBytes = slow.bytes;
  return style;
}

/** Wraps a part as a directive part. */
export function directivePart(message: DirectiveMessage): ResponsePart {
  return { kind: 'directive', message };
}

/** A fresh multipart encoder with a CIC-style boundary (60 lowercase hex characters, spec 7.12). */
export function newResponseEncoder(): MultipartEncoder {
  return new MultipartEncoder(newBoundary(60));
}

/** The response content-type for an encoder's boundary. */
export function contentTypeFor(encoder: MultipartEncoder, style: WireStyle): string {
  return style.quirkyContentType
    ? `${style.mediaType}; boundary="${encoder.boundary}";`
    : `${style.mediaType}; boundary=${encoder.boundary}`;
}

/** Content-Disposition name of a directive part: `<lowerCamelName>Directive-<uuid>` (U-06). */
export function directivePartName(message: DirectiveMessage): string {
  const h = message.directive.header;
  if (h.namespace === 'System' && h.name === 'Exception') return `exception-${newId()}`;
  const camel = h.name.length > 0 ? h.name[0]!.toLowerCase() + h.name.slice(1) : 'unnamed';
  return `${camel}Directive-${newId()}`;
}

/** The bytes of one part (delimiter, headers, body) as the next part of `encoder`'s body. */
export function encodePart(encoder: MultipartEncoder, part: ResponsePart, style: WireStyle): Buffer {
  if (part.kind === 'directive') {
    const headers: PartHeaderList = [
      ['Content-Disposition', `form-data; name="${directivePartName(part.message)}"`],
      ['Content-Type', 'application/json; charset=utf-8'],
    ];
    return encoder.part(headers, JSON.stringify(part.message));
  }
  const headers: PartHeaderList = [
    ['Content-Disposition', `form-data; name="attachment-${newId()}"`],
    ['Content-ID', style.contentIdBrackets ? `<${part.contentId}>` : part.contentId],
    ['Content-Type', 'application/octet-stream'],
  ];
  return encoder.part(headers, part.bytes);
}

/** A whole multipart body: every part, then the close delimiter. */
export function encodeBody(encoder: MultipartEncoder, parts: readonly ResponsePart[], style: WireStyle): Buffer {
  return Buffer.concat([...parts.map((p) => encodePart(encoder, p, style)), encoder.end()]);
}

/** The System.Exception directive that goes with every status >= 400 (spec 3.7, U-26). */
export function exceptionDirective(status: number, description: string): DirectiveMessage {
  return buildDirective('System', 'Exception', { code: status, description });
}

/**
 * Writes to one stream in order. With a slow-frame size, each piece waits for the previous write's
 * callback and a turn of the event loop, so nghttp2 sends every piece as its own DATA frame and the
 * client sees delimiters cut at arbitrary places.
 */
export class StreamWriter {
  private chain: Promise<void> = Promise.resolve();
  private readonly stream: ServerHttp2Stream;

  constructor(stream: ServerHttp2Stream) {
    this.stream = stream;
  }

  /** Queues bytes; resolves once they were handed to the stream (never rejects). */
  write(bytes: Buffer, slowFrameBytes?: number): Promise<void> {
    return this.enqueue(() => this.writeNow(bytes, slowFrameBytes));
  }

  /** Queues the last bytes and END_STREAM. */
  end(bytes: Buffer | undefined, slowFrameBytes?: number): Promise<void> {
    return this.enqueue(async () => {
      if (bytes && bytes.length > 0) await this.writeNow(bytes, slowFrameBytes);
      if (this.usable()) this.stream.end();
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task).catch(() => undefined);
    this.chain = next;
    return next;
  }

  private usable(): boolean {
    return !this.stream.destroyed && !this.stream.closed && this.stream.writable;
  }

  private async writeNow(bytes: Buffer, slowFrameBytes?: number): Promise<void> {
    if (!slowFrameBytes) {
      if (this.usable()) await this.writeOne(bytes);
      return;
    }
    for (let off = 0; off < bytes.length; off += slowFrameBytes) {
      if (!this.usable()) return;
      await this.writeOne(bytes.subarray(off, off + slowFrameBytes));
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  private writeOne(chunk: Buffer): Promise<void> {
    return new Promise<void>((resolve) => {
      this.stream.write(chunk, () => resolve());
    });
  }
}

/** Response headers with the `date` header CIC sends (spec 7.12). */
export function responseHeaders(status: number, contentType?: string): Record<string, string | number> {
  const h: Record<string, string | number> = { ':status': status, date: new Date().toUTCString() };
  if (contentType !== undefined) h['content-type'] = contentType;
  return h;
}

/** Sends a complete multipart response and ends the stream; never rejects. */
export async function sendMultipart(
  stream: ServerHttp2Stream,
  status: number,
  parts: readonly ResponsePart[],
  style: WireStyle,
): Promise<void> {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  const encoder = newResponseEncoder();
  try {
    stream.respond(responseHeaders(status, contentTypeFor(encoder, style)));
  } catch {
    return; // the client reset the stream meanwhile: nobody to answer
  }
  await new StreamWriter(stream).end(encodeBody(encoder, parts, style), style.slowFrameBytes);
}

/** Sends `status` with one System.Exception part (`code` = status). */
export function sendException(
  stream: ServerHttp2Stream,
  status: number,
  description: string,
  style: WireStyle,
): Promise<void> {
  return sendMultipart(stream, status, [directivePart(exceptionDirective(status, description))], style);
}

/** Sends a bodiless response (204 and the like). */
export function sendEmpty(stream: ServerHttp2Stream, status: number): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  try {
    stream.respond(responseHeaders(status), { endStream: true });
  } catch {
    // the client reset the stream meanwhile
  }
}

/**
 * Reorders answer parts for the `attachment-first` and `shuffle` faults (spec 1.6: order is not
 * guaranteed, clients must cope). `seed` makes shuffles repeatable.
 */
export function arrangeParts(parts: readonly ResponsePart[], faults: FaultReader, seed: number): ResponsePart[] {
  let out = [...parts];
  if (faults.has('attachment-first')) {
    const byId = new Map<string, ResponsePart>();
    for (const p of out) if (p.kind === 'attachment') byId.set(p.contentId, p);
    const placed = new Set<ResponsePart>();
    const next: ResponsePart[] = [];
    for (const p of out) {
      if (p.kind === 'directive') {
        const url = p.message.directive.payload.url;
        const att = typeof url === 'string' && url.startsWith('cid:') ? byId.get(url.slice(4)) : undefined;
        if (att && !placed.has(att)) {
          next.push(att);
          placed.add(att);
        }
        next.push(p);
      }
    }
    // Attachments no Speak refers to go last.
    for (const p of out) if (p.kind === 'attachment' && !placed.has(p)) next.push(p);
    out = next;
  }
  if (faults.has('shuffle')) {
    const rand = mulberry32(seed);
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    // A shuffle that happens to keep the order would test nothing: rotate instead.
    if (out.length > 1 && out.every((p, i) => p === parts[i])) out.push(out.shift()!);
  }
  return out;
}

import type { ServerHttp2Stream } from 'node:http2';
import { buildDirective, type DirectiveMessage } from '../protocol/messages.js';
import type { MultipartEncoder } from '../protocol/multipart-encoder.js';
import type { RecordedDownchannel } from './record.js';
import { contentTypeFor, directivePart, encodePart, newResponseEncoder, responseHeaders, StreamWriter, type WireStyle } from './wire.js';

/**
 * One open `GET /v1/directives` stream. The body is a multipart that never closes while the
 * downchannel lives: Hello is written as `--b CRLF headers CRLF CRLF json` and every later directive
 * as `CRLF --b CRLF headers CRLF CRLF json`, each in one write, so a part is complete as soon as its
 * JSON is (spec 2.2).
 */
export class Downchannel {
  readonly client: string;
  readonly connectionId: number;
  readonly stream: ServerHttp2Stream;
  readonly entry: RecordedDownchannel;
  /** Set when the server itself is taking this downchannel down (GOAWAY sent on its connection). */
  releasing = false;
  private readonly encoder: MultipartEncoder = newResponseEncoder();
  private readonly writer: StreamWriter;
  private readonly style: () => WireStyle;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly onChange: () => void;
  private isEnded = false;

  constructor(opts: {
    client: string;
    connectionId: number;
    stream: ServerHttp2Stream;
    style: () => WireStyle;
    onChange: () => void;
  }) {
    this.client = opts.client;
    this.connectionId = opts.connectionId;
    this.stream = opts.stream;
    this.style = opts.style;
    this.onChange = opts.onChange;
    this.writer = new StreamWriter(opts.stream);
    this.entry = { connectionId: opts.connectionId, streamId: opts.stream.id ?? 0, at: Date.now(), status: 200 };
    opts.stream.on('close', () => this.closed());
  }

  /** True once the close delimiter was queued or the stream went away. */
  get ended(): boolean {
    return this.isEnded;
  }

  /** True once Clova.Hello was written. */
  get helloSent(): boolean {
    return this.entry.helloAt !== undefined;
  }

  /** Sends the 200 response headers (the body stays open); false when the stream is already gone. */
  open(): boolean {
    try {
      this.stream.respond(responseHeaders(200, contentTypeFor(this.encoder, this.style())));
      return true;
    } catch {
      this.markEnded(); // reset by the client before we could answer
      return false;
    }
  }

  /** Writes Clova.Hello; resolves once it was handed to the stream. */
  hello(): Promise<void> {
    const done = this.write(buildDirective('Clova', 'Hello', {}));
    this.entry.helloAt = Date.now();
    this.onChange();
    return done ?? Promise.resolve();
  }

  /** Queues a directive; returns undefined when the downchannel has ended. */
  write(message: DirectiveMessage): Promise<void> | undefined {
    if (this.isEnded) return undefined;
    const style = this.style();
    return this.writer.write(encodePart(this.encoder, directivePart(message), style), style.slowFrameBytes);
  }

  /** Runs `fn` after `ms` unless the downchannel has ended by then. */
  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.isEnded) fn();
    }, ms);
    this.timers.add(t);
  }

  /** Runs `fn` every `ms` while the downchannel lives. */
  every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      if (this.isEnded) clearInterval(t);
      else fn();
    }, ms);
    this.timers.add(t);
  }

  /** Ends the downchannel the way CIC releases one: close delimiter and END_STREAM (U-08). */
  end(): Promise<void> {
    if (this.isEnded) return Promise.resolve();
    this.markEnded();
    const style = this.style();
    return this.writer.end(this.encoder.end(), style.slowFrameBytes);
  }

  private closed(): void {
    if (!this.isEnded) this.markEnded();
  }

  private markEnded(): void {
    this.isEnded = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.entry.endedAt = Date.now();
    this.onChange();
  }
}

import http2, { type ClientHttp2Stream } from 'node:http2';
import type { DirectiveMessage } from '../protocol/messages.js';
import { asDirectiveMessage } from '../protocol/messages.js';
import { MultipartDecoder, type MultipartHandler, type PartHeaders } from '../protocol/multipart-decoder.js';
import { JsonPartAccumulator, MAX_JSON_PART_BYTES } from '../protocol/json-part.js';
import type { AttachmentSink, AttachmentTarget } from './attachments.js';
import type { WireObserver, WireStream } from './wire-observer.js';

/** A Speak's audio that arrived complete. `path` is set when it was saved. */
export interface AudioInfo {
  contentId: string;
  bytes: number;
  path?: string;
  directive: DirectiveMessage;
}

/** Callbacks from the reader to whoever routes directives. */
export interface ReaderHooks {
  /** A directive arrived; return whether it (and any attachment it cites) is wanted. */
  directive(message: DirectiveMessage): 'deliver' | 'discard';
  /** A wanted attachment is complete. */
  audio(info: AudioInfo): void;
  /** A protocol trace line (for --verbose). */
  trace(line: string): void;
  /** Something the user should know although the body goes on (an oversized directive was dropped). */
  notice?(line: string): void;
  /** Bytes of an attachment arrived (the first of them is a turn's first speech byte, --timings). */
  attachmentData?(): void;
}

interface AttachmentState {
  contentId: string;
  target: AttachmentTarget | undefined;
  bytes: number;
  done: boolean;
  decision?: 'deliver' | 'discard';
  directive?: DirectiveMessage;
  settled: boolean;
}

type Current =
  | { kind: 'json'; acc: JsonPartAccumulator; headers: PartHeaders }
  | { kind: 'attachment'; state: AttachmentState }
  | { kind: 'ignored' }
  | { kind: 'oversized'; acc: JsonPartAccumulator; headers: PartHeaders };

const MAX_JSON_MIB = MAX_JSON_PART_BYTES / (1024 * 1024);

/** The Content-ID cited by a Speak's `cid:` url, brackets removed. */
export function citedContentId(message: DirectiveMessage): string | undefined {
  const url = message.directive.payload?.url;
  if (typeof url !== 'string' || !url.toLowerCase().startsWith('cid:')) return undefined;
  let id = url.slice(4).trim();
  if (id.startsWith('<') && id.endsWith('>')) id = id.slice(1, -1);
  return id;
}

/**
 * Turns one multipart response body (an event response or the downchannel) into directives and
 * attachments. Directives are handed out in order of arrival; an attachment is matched to the
 * directive citing it (before or after it) within the same body, streamed to the sink as it
 * arrives, and committed or discarded with its directive (spec 1.7, 4.3).
 */
export class ResponseReader implements MultipartHandler {
  private readonly decoder: MultipartDecoder;
  private current: Current | undefined;
  private readonly attachments = new Map<string, AttachmentState>();
  private readonly citations = new Map<string, { decision: 'deliver' | 'discard'; directive: DirectiveMessage }>();
  private readonly pending = new Set<Promise<void>>();
  private drainWait: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    boundary: string,
    private readonly hooks: ReaderHooks,
    private readonly sink: AttachmentSink | undefined,
    private readonly early: boolean,
    private readonly wire?: { observer: WireObserver; stream: WireStream },
  ) {
    this.decoder = new MultipartDecoder(boundary, this);
  }

  /** Feeds body bytes. Returns a promise when the caller must wait (disk backpressure) before more. */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    this.decoder.write(chunk);
    if (this.early && this.current?.kind === 'json' && this.decoder.inBody) {
      const value = this.current.acc.tryEarly(this.decoder.heldBack());
      if (value !== undefined) {
        this.current.acc.deliveredEarly = true;
        this.handleJson(value, this.current.headers);
      }
    }
    const wait = this.drainWait;
    this.drainWait = undefined;
    return wait;
  }

  /** The body ended: checks framing, drops unreferenced attachments, waits for files to be final. */
  async end(): Promise<void> {
    try {
      this.decoder.end();
    } finally {
      for (const a of this.attachments.values()) {
        if (!a.settled && a.decision === undefined) {
          this.hooks.trace(`attachment ${a.contentId} (${a.bytes} B) is cited by no directive: dropped`);
          this.settle(a, 'discard');
        } else if (!a.settled && !a.done) this.settle(a, 'discard');
      }
      await this.flush();
    }
    if (this.failure) throw this.failure;
  }

  /** Abandons the body: discards every attachment not yet final. */
  async abort(): Promise<void> {
    for (const a of this.attachments.values()) if (!a.settled) this.settle(a, 'discard');
    await this.flush();
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  partBegin(headers: PartHeaders): void {
    const cid = headers.contentId;
    if (headers.isJson) {
      this.hooks.trace(`part: "${headers.dispositionName ?? ''}" ${headers.mediaType}`);
      this.current = { kind: 'json', acc: new JsonPartAccumulator(), headers };
    } else if (cid !== undefined && cid.length > 0) {
      if (this.attachments.has(cid)) {
        this.hooks.trace(`duplicate attachment ${cid}: ignored`);
        this.current = { kind: 'ignored' };
        return;
      }
      const cite = this.citations.get(cid);
      const state: AttachmentState = {
        contentId: cid,
        target: cite?.decision === 'discard' ? undefined : this.sink?.open(cid),
        bytes: 0,
        done: false,
        settled: false,
      };
      if (cite) {
        state.decision = cite.decision;
        state.directive = cite.directive;
      }
      this.attachments.set(cid, state);
      this.current = { kind: 'attachment', state };
      this.wire?.observer.attachmentBegin?.(this.wire.stream, cid, headers.mediaType);
      this.hooks.trace(`part: attachment ${cid} (${headers.mediaType || 'no type'})`);
    } else {
      this.hooks.trace(`part: ${headers.mediaType || 'untyped'} without Content-ID: ignored`);
      this.current = { kind: 'ignored' };
    }
  }

  partData(chunk: Buffer): void {
    const c = this.current;
    if (!c) return;
    if (c.kind === 'json') {
      if (!c.acc.add(chunk)) {
        // Said once, at once: the rest of a 100 MB part is only counted (for the trace) and dropped.
        this.current = { kind: 'oversized', acc: c.acc, headers: c.headers };
        const where = this.early ? 'on the downchannel' : 'in the answer';
        this.hooks.notice?.(`a directive of more than ${MAX_JSON_MIB} MiB ${where} was dropped`);
      }
    } else if (c.kind === 'oversized') {
      c.acc.add(chunk);
    } else if (c.kind === 'attachment') {
      const s = c.state;
      s.bytes += chunk.length;
      this.wire?.observer.attachmentData?.(this.wire.stream, s.contentId, chunk);
      this.hooks.attachmentData?.();
      if (s.target && !s.target.write(chunk)) {
        const target = s.target;
        this.drainWait = new Promise((resolve) => target.onceDrain(resolve));
      }
    }
  }

  partEnd(): void {
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    if (c.kind === 'oversized') {
      this.hooks.trace(
        `JSON part "${c.headers.dispositionName ?? ''}" of ${c.acc.receivedBytes} B dropped: larger than ${MAX_JSON_MIB} MiB`,
      );
      return;
    }
    if (c.kind === 'json') {
      if (c.acc.deliveredEarly) return;
      let value: unknown;
      try {
        value = c.acc.parse();
      } catch {
        this.hooks.trace(`JSON part "${c.headers.dispositionName ?? ''}" is not valid JSON: skipped`);
        return;
      }
      this.handleJson(value, c.headers);
    } else if (c.kind === 'attachment') {
      const s = c.state;
      s.done = true;
      this.wire?.observer.attachmentEnd?.(this.wire.stream, s.contentId);
      this.hooks.trace(`attachment ${s.contentId} complete: ${s.bytes} B`);
      if (s.decision !== undefined) this.settle(s, s.decision);
    }
  }

  private handleJson(value: unknown, headers: PartHeaders): void {
    this.wire?.observer.jsonPart?.(this.wire.stream, value);
    const message = asDirectiveMessage(value);
    if (typeof message === 'string') {
      this.hooks.trace(`JSON part "${headers.dispositionName ?? ''}" is not a directive (${message}): skipped`);
      return;
    }
    if (message.directive.payload === undefined) message.directive.payload = {};
    const decision = this.hooks.directive(message);
    const cid = citedContentId(message);
    if (cid === undefined || this.citations.has(cid)) return;
    this.citations.set(cid, { decision, directive: message });
    const a = this.attachments.get(cid);
    if (a) {
      a.directive = message;
      if (decision === 'discard') this.settle(a, 'discard');
      else {
        a.decision = 'deliver';
        if (a.done) this.settle(a, 'deliver');
      }
    }
  }

  private settle(a: AttachmentState, decision: 'deliver' | 'discard'): void {
    if (a.settled) return;
    a.decision = decision;
    const directive = a.directive ?? this.citations.get(a.contentId)?.directive;
    if (decision === 'deliver' && !a.done) return; // waits for partEnd
    a.settled = true;
    const target = a.target;
    let p: Promise<void>;
    if (decision === 'discard') {
      p = target ? target.discard() : Promise.resolve();
    } else {
      p = (target ? target.commit() : Promise.resolve(undefined)).then((path) => {
        if (directive) {
          const info: AudioInfo = { contentId: a.contentId, bytes: a.bytes, directive };
          if (path !== undefined) info.path = path;
          this.hooks.audio(info);
        }
      });
    }
    const tracked = p.catch((err: unknown) => {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}

/**
 * Pipes a response stream into a reader with backpressure (the stream pauses while the
 * attachment file catches up). Resolves when the body ended cleanly.
 */
export function pipeToReader(stream: ClientHttp2Stream, reader: ResponseReader): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      void reader.abort().finally(() => reject(err));
    };
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        const wait = reader.write(chunk);
        if (wait) {
          stream.pause();
          void wait.then(() => stream.resume());
        }
      } catch (err) {
        fail(err as Error);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
    stream.on('end', () => {
      if (failed) return;
      reader.end().then(resolve, (err: Error) => fail(err));
    });
    stream.on('error', (err) => fail(err));
    stream.on('close', () => {
      if (!stream.readableEnded) fail(new Error(`stream closed before its body ended (code ${stream.rstCode})`));
    });
  });
}

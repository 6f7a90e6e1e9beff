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
  /** An uncited attachment's bytes, held in memory (within the budget) until a directive cites it. */
  held?: Buffer[];
  /** It arrived uncited and was dropped (over the budget, or its window passed): it can no longer be delivered. */
  dropped?: boolean;
  begunAt: number;
}

/** All uncited attachments of one body together hold at most this many bytes in memory: 4 MiB. */
export const MAX_HELD_UNCITED_BYTES = 4 * 1024 * 1024;
/** On the downchannel, an attachment or a citation unmatched for this long is forgotten: 10 s. */
export const UNMATCHED_WINDOW_MS = 10_000;
/** At most this many citations wait for their attachment at once (the oldest is forgotten). */
export const MAX_PENDING_CITATIONS = 64;

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
  private readonly citations = new Map<string, { decision: 'deliver' | 'discard'; directive: DirectiveMessage; at: number }>();
  private heldBytes = 0;
  private readonly pending = new Set<Promise<void>>();
  private drainWait: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    boundary: string,
    private readonly hooks: ReaderHooks,
    private readonly sink: AttachmentSink | undefined,
    private readonly early: boolean,
    private readonly wire?: { observer: WireObserver; stream: WireStream },
    private readonly now: () => number = Date.now,
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
          this.release(a);
          this.settle(a, 'discard');
        } else if (!a.settled && !a.done) this.settle(a, 'discard');
      }
      await this.flush();
    }
    if (this.failure) throw this.failure;
  }

  /** Abandons the body: discards every attachment not yet final. */
  async abort(): Promise<void> {
    for (const a of this.attachments.values()) {
      this.release(a);
      if (!a.settled) this.settle(a, 'discard');
    }
    await this.flush();
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** How many attachments and citations this reader still holds (for tests: both stay bounded). */
  get held(): { attachments: number; citations: number; bytes: number } {
    return { attachments: this.attachments.size, citations: this.citations.size, bytes: this.heldBytes };
  }

  /** Forgets an uncited attachment's held bytes. */
  private release(a: AttachmentState): void {
    if (a.held === undefined) return;
    for (const b of a.held) this.heldBytes -= b.length;
    a.held = undefined;
  }

  /** Drops an uncited attachment that can no longer be delivered. */
  private drop(a: AttachmentState, why: string): void {
    this.release(a);
    a.dropped = true;
    this.hooks.trace(`attachment ${a.contentId} (${a.bytes} B) is cited by no directive (${why}): dropped`);
    if (a.done) {
      this.settle(a, 'discard');
      this.attachments.delete(a.contentId);
    }
  }

  /** On the downchannel, forgets what waited too long for its match; everywhere, bounds the citations. */
  private sweep(): void {
    const now = this.now();
    if (this.early) {
      for (const a of [...this.attachments.values()]) {
        if (a.decision === undefined && !a.dropped && a.done && now - a.begunAt >= UNMATCHED_WINDOW_MS) this.drop(a, 'its window passed');
      }
      for (const [cid, c] of this.citations) if (now - c.at >= UNMATCHED_WINDOW_MS) this.citations.delete(cid);
    }
    while (this.citations.size > MAX_PENDING_CITATIONS) {
      const oldest = this.citations.keys().next().value as string;
      this.citations.delete(oldest);
    }
  }

  partBegin(headers: PartHeaders): void {
    this.sweep();
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
      // Only a cited attachment opens a target (a file, a playback copy): an uncited one is held
      // in memory within the budget until a directive cites it, so what nobody cites costs no fd.
      const state: AttachmentState = {
        contentId: cid,
        target: cite?.decision === 'deliver' ? this.sink?.open(cid) : undefined,
        bytes: 0,
        done: false,
        settled: false,
        begunAt: this.now(),
      };
      if (cite) {
        state.decision = cite.decision;
        state.directive = cite.directive;
        this.citations.delete(cid);
      } else state.held = [];
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
      if (s.held !== undefined) {
        if (this.heldBytes + chunk.length > MAX_HELD_UNCITED_BYTES) this.drop(s, `more than ${MAX_HELD_UNCITED_BYTES} B held uncited`);
        else {
          s.held.push(chunk);
          this.heldBytes += chunk.length;
        }
      } else if (s.target && !s.target.write(chunk)) {
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
      else if (s.dropped) {
        this.settle(s, 'discard');
        this.attachments.delete(s.contentId);
      }
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
    const a = this.attachments.get(cid);
    if (!a) {
      this.citations.set(cid, { decision, directive: message, at: this.now() });
      this.sweep();
      return;
    }
    if (a.decision !== undefined || a.dropped) return; // already matched, or gone
    a.directive = message;
    const held = a.held ?? [];
    this.release(a);
    if (decision === 'discard') this.settle(a, 'discard');
    else {
      a.decision = 'deliver';
      a.target = this.sink?.open(cid);
      for (const b of held) if (a.target) a.target.write(b);
      if (a.done) this.settle(a, 'deliver');
    }
  }

  private settle(a: AttachmentState, decision: 'deliver' | 'discard'): void {
    if (a.settled) return;
    a.decision = decision;
    const directive = a.directive ?? this.citations.get(a.contentId)?.directive;
    if (decision === 'deliver' && !a.done) return; // waits for partEnd
    a.settled = true;
    // The downchannel never ends: what is settled is forgotten (a repeated Content-ID is then
    // just another uncited attachment, dropped in its turn).
    if (this.early) this.attachments.delete(a.contentId);
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

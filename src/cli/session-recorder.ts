import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { performance } from 'node:perf_hooks';
import type { EventMessage } from '../protocol/messages.js';
import { UsageError } from '../protocol/errors.js';
import { redact } from '../protocol/redact.js';
import { fillSecrets, redactBytesStream, type BytesRedactor } from '../protocol/redact-bytes.js';
import { RECORD_FLAGS, refusal, type RecordMode } from './record-mode.js';
import { RECORD_FORMAT, RECORD_VERSION, type RecordHeaderLine, type RecordLine } from '../protocol/session-record.js';
import type { WireObserver, WireStream } from '../client/wire-observer.js';

/** What the recorder needs besides its file. */
export interface RecorderOptions {
  /** Keep the audio sent (base64), not only its size and sha256 (--record-audio). */
  audio: boolean;
  /** Every secret form out of a line (the run's SecretRegistry). */
  redact(text: string): string;
  /** The token of this run (also removed, whatever the registry holds). */
  token: string | undefined;
  tool: string;
  /** Secrets as bytes (the registry's `secretBytes()`): overwritten in attachment and audio bytes (the token is always among them). */
  secretBytes?: Buffer[];
  /** Told once when writing fails: the record stops, the conversation goes on. */
  failed(message: string): void;
}

interface Digest {
  hash: Hash;
  bytes: number;
  parts: number;
}

/**
 * `--record <file>`: a WireObserver that writes each thing seen on the wire as one line of the
 * session record (protocol/session-record.ts, README "Record format") at once, with a synchronous
 * write: nothing is kept but one running sha256 per open upload or attachment, so memory does not
 * grow with the session, the lines are in the order things happened, and what was written survives
 * a crash. Attachments go base64 into the file itself: one self-contained file is the fixture.
 */
export class SessionRecorder implements WireObserver {
  private fd: number | undefined;
  private readonly start = performance.now();
  private readonly uploads = new Map<string, Digest>();
  private readonly attachments = new Map<string, Digest & { redactor: BytesRedactor }>();
  private readonly secretBytes: Buffer[];

  private constructor(
    fd: number,
    private readonly opts: RecorderOptions,
  ) {
    this.fd = fd;
    const token = opts.token?.trim();
    this.secretBytes = [...(opts.secretBytes ?? []), ...(token && token.length >= 4 ? [Buffer.from(token)] : [])];
    const header: RecordHeaderLine = {
      type: RECORD_FORMAT,
      version: RECORD_VERSION,
      startedAt: new Date().toISOString(),
      tool: opts.tool,
      audio: opts.audio ? 'full' : 'digest',
      attachments: 'inline',
    };
    this.write(header);
  }

  /** Creates `path` (or overwrites or appends to it, as `mode` says), private to the user (0600): a UsageError when it cannot be written. */
  static open(path: string, opts: RecorderOptions, mode: RecordMode = 'overwrite'): SessionRecorder {
    let fd: number;
    try {
      fd = openSync(path, RECORD_FLAGS[mode], 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(refusal(path));
      throw new UsageError(`--record ${path} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    return new SessionRecorder(fd, opts);
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // nothing left to save
    }
  }

  requestSent(s: WireStream, headers: OutgoingHttpHeaders, event?: EventMessage): void {
    const line: RecordLine = { type: 'request', ...this.where(s), kind: s.kind, headers: headerStrings(headers) };
    if (event !== undefined) line.event = event;
    this.write(line);
  }

  audioSent(s: WireStream, chunk: Buffer): void {
    const key = streamKey(s);
    let d = this.uploads.get(key);
    if (!d) {
      d = { hash: createHash('sha256'), bytes: 0, parts: 0 };
      this.uploads.set(key, d);
    }
    d.hash.update(chunk);
    d.bytes += chunk.length;
    d.parts++;
    if (this.opts.audio) {
      const data = fillSecrets(Buffer.from(chunk), this.secretBytes).toString('base64');
      this.write({ type: 'audio', ...this.where(s), bytes: chunk.length, data });
    }
  }

  requestEnded(s: WireStream, why?: string): void {
    const key = streamKey(s);
    const d = this.uploads.get(key);
    this.uploads.delete(key);
    const line: RecordLine = { type: 'request-end', ...this.where(s) };
    if (why !== undefined) line.ended = why;
    if (d) line.audio = { parts: d.parts, bytes: d.bytes, sha256: d.hash.digest('hex') };
    this.write(line);
  }

  responseStarted(s: WireStream, status: number, headers: IncomingHttpHeaders): void {
    this.write({ type: 'response', ...this.where(s), source: s.kind, status, headers: headerStrings(headers) });
  }

  jsonPart(s: WireStream, value: unknown): void {
    this.write({ type: 'directive', ...this.where(s), source: s.kind, message: value });
  }

  attachmentBegin(s: WireStream, contentId: string, mediaType: string): void {
    const redactor = redactBytesStream(this.secretBytes);
    this.attachments.set(`${streamKey(s)} ${contentId}`, { hash: createHash('sha256'), bytes: 0, parts: 0, redactor });
    this.write({ type: 'attachment', ...this.where(s), source: s.kind, contentId, contentType: mediaType });
  }

  attachmentData(s: WireStream, contentId: string, chunk: Buffer): void {
    if (chunk.length === 0) return;
    const d = this.attachments.get(`${streamKey(s)} ${contentId}`);
    // Without its begin line there is nothing to hold back for: redacted alone.
    const safe = d ? d.redactor.push(chunk) : fillSecrets(Buffer.from(chunk), this.secretBytes);
    this.keepData(s, contentId, safe, d);
  }

  /** One attachment-data line of bytes already redacted; the digest is of what the record keeps. */
  private keepData(s: WireStream, contentId: string, safe: Buffer, d: Digest | undefined): void {
    if (safe.length === 0) return;
    d?.hash.update(safe);
    if (d) d.bytes += safe.length;
    this.write({ type: 'attachment-data', ...this.where(s), contentId, data: safe.toString('base64') });
  }

  attachmentEnd(s: WireStream, contentId: string): void {
    const key = `${streamKey(s)} ${contentId}`;
    const d = this.attachments.get(key);
    if (d) this.keepData(s, contentId, d.redactor.end(), d);
    this.attachments.delete(key);
    this.write({ type: 'attachment-end', ...this.where(s), contentId, bytes: d?.bytes ?? 0, sha256: d ? d.hash.digest('hex') : '' });
  }

  responseEnded(s: WireStream, outcome: { error?: string; description?: string }): void {
    // Attachments cut off with their body are forgotten with it.
    for (const key of this.attachments.keys()) if (key.startsWith(`${streamKey(s)} `)) this.attachments.delete(key);
    this.write({ type: 'response-end', ...this.where(s), ...outcome });
  }

  private where(s: WireStream): { t: number; conn: number; stream: number } {
    return { t: Math.round((performance.now() - this.start) * 10) / 10, conn: s.connectionId, stream: s.streamId };
  }

  private write(line: RecordLine | RecordHeaderLine): void {
    if (this.fd === undefined) return;
    // Every line, whole: a server may echo the token anywhere (a description, a RenderText).
    const text = redact(this.opts.redact(JSON.stringify(line)), this.opts.token);
    try {
      const bytes = Buffer.from(`${text}\n`, 'utf8');
      for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off);
    } catch (err) {
      this.close();
      this.opts.failed(`the record stopped: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}

function streamKey(s: WireStream): string {
  return `${s.connectionId}:${s.streamId}`;
}

/** Headers as strings, without `authorization` (the token never goes into a record). */
function headerStrings(headers: OutgoingHttpHeaders | IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k.toLowerCase() === 'authorization') continue;
    out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/**
 * `clova-cli emulator --replay <file>`: serves a session record (protocol/session-record.ts) instead
 * of the emulator's own answers. Each event gets the recorded answer of the next recorded event of
 * the same name (matched by name, then by order), with the recorded status, directives and
 * attachments (byte for byte) after the recorded server latency; downchannel directives of a dialog
 * are pushed at their recorded time after that dialog's event arrives, the others at their recorded
 * time after Clova.Hello. An event with no recorded answer left, or whose text differs from the
 * recorded one, is a mismatch: logged (and the first kind answered 400 with a System.Exception).
 * Recorded dialogRequestIds are replaced by the replaying client's own, or it would skip every
 * answer as belonging to an older dialog.
 */
import { statSync } from 'node:fs';
import { specialKind } from '../fs/bounded-files.js';
import { readRecordLines } from './record-lines.js';
import { qualifiedName, type DirectiveMessage, type EventMessage } from '../protocol/messages.js';
import { parseRecordHeader, parseRecordLine, type RecordLine } from '../protocol/session-record.js';
import type { EventHandler, HandlerResult } from './handlers/types.js';
import type { ResponsePart } from './wire.js';

/** The longest recorded pause the replay reproduces (a latency, a push's offset). */
const MAX_WAIT_MS = 60_000;

interface RecordedDirectiveAt {
  message: DirectiveMessage;
  /** ms after its anchor: the event of its dialog, or Hello. */
  offset: number;
}

/** One recorded event and its answer. */
interface RecordedExchange {
  name: string;
  dialogRequestId: string | undefined;
  text: string | undefined;
  requestAt: number;
  requestEndAt: number | undefined;
  status: number | undefined;
  responseAt: number | undefined;
  parts: ResponsePart[];
  description: string | undefined;
  brokenOff: boolean;
  /** Downchannel directives of this event's dialog. */
  followers: RecordedDirectiveAt[];
}

/** A session record, read: the answers by event name, the pushes after Hello. */
export interface ReplayScript {
  exchanges: RecordedExchange[];
  /** Downchannel directives of no recorded dialog, by their time after the first Hello. */
  pushes: RecordedDirectiveAt[];
  /** Attachments sent on a downchannel (not replayed: counted for the log). */
  downchannelAttachments: number;
  /** Recorded events that got no answer (left out). */
  unanswered: number;
}

function headerOf(message: unknown): { namespace?: unknown; name?: unknown; dialogRequestId?: unknown } | undefined {
  const d = (message as { directive?: { header?: unknown } } | undefined)?.directive;
  const h = d?.header;
  return typeof h === 'object' && h !== null ? (h as Record<string, unknown>) : undefined;
}

/** Reads a record line by line (a UsageError-worthy Error names the line that is wrong). */
export async function loadReplay(path: string): Promise<ReplayScript> {
  // Never opened for a blocking read when it is not a regular file (a FIFO that never writes, /dev/zero).
  const kind = specialKind(statSync(path));
  if (kind !== undefined) throw new Error(`it is ${kind}, not a record file`);
  const lines = readRecordLines(path);
  const exchanges: RecordedExchange[] = [];
  const events = new Map<string, RecordedExchange>();
  const downchannels = new Set<string>();
  const greeted = new Set<string>();
  const attachments = new Map<string, Buffer[]>();
  const dcDirectives: { message: DirectiveMessage; at: number }[] = [];
  let helloAt: number | undefined;
  let downchannelAttachments = 0;
  let n = 0;
  for await (const text of lines) {
    n++;
    if (n === 1) {
      parseRecordHeader(text);
      continue;
    }
    if (text.trim() === '') continue;
    const line: RecordLine | undefined = parseRecordLine(text, n);
    if (!line) continue;
    const key = `${line.conn}:${line.stream}`;
    const ex = events.get(key);
    switch (line.type) {
      case 'request': {
        if (line.kind === 'downchannel') {
          downchannels.add(key);
          break;
        }
        const header = (line.event as EventMessage | undefined)?.event?.header;
        if (!header) throw new Error(`line ${n}: an event request without its event`);
        const payload = (line.event as EventMessage).event.payload as Record<string, unknown> | undefined;
        const exchange: RecordedExchange = {
          name: qualifiedName(header),
          dialogRequestId: header.dialogRequestId,
          text: typeof payload?.text === 'string' ? payload.text : undefined,
          requestAt: line.t,
          requestEndAt: undefined,
          status: undefined,
          responseAt: undefined,
          parts: [],
          description: undefined,
          brokenOff: false,
          followers: [],
        };
        events.set(key, exchange);
        exchanges.push(exchange);
        break;
      }
      case 'request-end':
        if (ex) ex.requestEndAt = line.t;
        break;
      case 'response':
        if (ex) {
          ex.status = line.status;
          ex.responseAt = line.t;
        }
        break;
      case 'directive': {
        if (ex) {
          ex.parts.push({ kind: 'directive', message: line.message as DirectiveMessage });
          break;
        }
        if (!downchannels.has(key)) break;
        const h = headerOf(line.message);
        if (!greeted.has(key) && h?.namespace === 'Clova' && h.name === 'Hello') {
          greeted.add(key);
          helloAt ??= line.t;
          break;
        }
        dcDirectives.push({ message: line.message as DirectiveMessage, at: line.t });
        break;
      }
      case 'attachment':
        if (ex) attachments.set(`${key} ${line.contentId}`, []);
        else downchannelAttachments++;
        break;
      case 'attachment-data':
        attachments.get(`${key} ${line.contentId}`)?.push(Buffer.from(line.data, 'base64'));
        break;
      case 'attachment-end': {
        const chunks = attachments.get(`${key} ${line.contentId}`);
        if (!ex || !chunks) break;
        attachments.delete(`${key} ${line.contentId}`);
        ex.parts.push({ kind: 'attachment', contentId: line.contentId, bytes: Buffer.concat(chunks) });
        break;
      }
      case 'response-end':
        if (ex) {
          ex.description = line.description;
          ex.brokenOff = line.error !== undefined;
          events.delete(key);
        }
        break;
      case 'audio':
        break;
    }
  }
  if (n === 0) throw new Error('the file is empty: not a clova-cli record');
  // An event the server never answered (refused and sent again on a new connection, cancelled)
  // has no answer to replay: the event sent again has its own.
  const unanswered = exchanges.filter((e) => e.status === undefined).length;
  const answered = exchanges.filter((e) => e.status !== undefined);
  const pushes: RecordedDirectiveAt[] = [];
  for (const d of dcDirectives) {
    const id = headerOf(d.message)?.dialogRequestId;
    // The latest event of the same dialog sent before it: a StopCapture follows its Recognize.
    const owner =
      typeof id === 'string' ? [...answered].reverse().find((e) => e.dialogRequestId === id && e.requestAt <= d.at) : undefined;
    if (owner) owner.followers.push({ message: d.message, offset: d.at - owner.requestAt });
    else pushes.push({ message: d.message, offset: d.at - (helloAt ?? 0) });
  }
  return { exchanges: answered, pushes, downchannelAttachments, unanswered };
}

/** How a replay went so far. */
export interface ReplayStatus {
  /** Recorded events in the file. */
  recorded: number;
  /** Events answered from the record. */
  answered: number;
  /** One line per mismatch (also logged). */
  mismatches: string[];
}

/** What the replay needs from the emulator. */
export interface ReplayServices {
  log(line: string): void;
  /** Writes a directive to the client's downchannel; undefined when it has none. */
  push(client: string, message: DirectiveMessage): Promise<void> | undefined;
}

/** A running replay: answers events, pushes after Hello, reports mismatches. */
export class Replay {
  private readonly queues = new Map<string, RecordedExchange[]>();
  private readonly seen = new Map<string, number>();
  private readonly ids = new Map<string, string>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly sleepers = new Set<() => void>();
  private started = false;
  private closed = false;
  readonly status: ReplayStatus;

  constructor(
    private readonly script: ReplayScript,
    private readonly services: ReplayServices,
  ) {
    for (const ex of script.exchanges) {
      const q = this.queues.get(ex.name) ?? [];
      q.push(ex);
      this.queues.set(ex.name, q);
    }
    this.status = { recorded: script.exchanges.length, answered: 0, mismatches: [] };
    let dc = script.downchannelAttachments > 0 ? `; ${script.downchannelAttachments} downchannel attachment(s) are not replayed` : '';
    if (script.unanswered > 0) dc += `; ${script.unanswered} event(s) the server never answered are left out`;
    services.log(`replay: ${script.exchanges.length} recorded event(s), ${script.pushes.length} downchannel push(es) after Hello${dc}`);
  }

  /** The first downchannel was greeted: the pushes of no dialog start their clock. */
  greeted(client: string): void {
    if (this.started) return;
    this.started = true;
    for (const p of this.script.pushes) this.after(p.offset, () => void this.pushNow(client, p.message));
  }

  /** The handler that answers `event` from the record. */
  handler(event: EventMessage): EventHandler {
    const name = qualifiedName(event.event.header);
    const nth = (this.seen.get(name) ?? 0) + 1;
    this.seen.set(name, nth);
    const ex = this.queues.get(name)?.shift();
    if (!ex) {
      const recorded = this.script.exchanges.filter((e) => e.name === name).length;
      const why = `${name} #${nth} has no recorded answer (the record has ${recorded} ${name})`;
      this.mismatch(why);
      return () => ({ status: 400, description: `Replay mismatch: ${why}` });
    }
    const payload = event.event.payload as Record<string, unknown> | undefined;
    if (ex.text !== undefined && typeof payload?.text === 'string' && payload.text !== ex.text) {
      this.mismatch(`${name} #${nth} says ${JSON.stringify(payload.text)} where the record says ${JSON.stringify(ex.text)}: answered as recorded`);
    }
    const id = event.event.header.dialogRequestId;
    if (ex.dialogRequestId !== undefined && id !== undefined) this.ids.set(ex.dialogRequestId, id);
    this.status.answered++;
    return async (_event, ctx) => {
      const pending = new Set(ex.followers);
      for (const f of ex.followers) {
        this.after(f.offset, () => {
          if (pending.delete(f)) void this.pushNow(ctx.client, f.message);
        });
      }
      const status = ex.status ?? 500;
      if (status >= 300) return { status, description: ex.description ?? `Replayed status ${status}` };
      try {
        await ctx.body.ended;
      } catch {
        return { status: 204 }; // the client reset its request: nobody to answer
      }
      if (ex.responseAt !== undefined && ex.requestEndAt !== undefined) await this.sleep(ex.responseAt - ex.requestEndAt);
      // What the downchannel carried before the answer (a StopCapture) goes before it here too.
      const before = ex.responseAt !== undefined ? ex.responseAt - ex.requestAt : Infinity;
      for (const f of ex.followers) {
        if (f.offset <= before && pending.delete(f)) await this.pushNow(ctx.client, f.message);
      }
      if (status === 204) return { status: 204 };
      const parts = ex.parts.map((p) => (p.kind === 'directive' ? { kind: 'directive' as const, message: this.mapIds(p.message) } : p));
      const result: HandlerResult = ex.brokenOff ? { status: 200, parts, resetAfter: true } : { status: 200, parts };
      return result;
    };
  }

  /** Stops every timer; logs what the record had that nobody asked for. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    const left = [...this.queues.values()].flat().map((e) => e.name);
    if (left.length > 0) this.services.log(`replay: ${left.length} recorded event(s) were not sent: ${left.join(', ')}`);
  }

  private mismatch(why: string): void {
    this.status.mismatches.push(why);
    this.services.log(`replay mismatch: ${why}`);
  }

  /** The directive with the recorded dialogRequestIds replaced by the replaying client's. */
  private mapIds(message: DirectiveMessage): DirectiveMessage {
    const copy = structuredClone(message);
    const h = copy.directive?.header;
    if (h?.dialogRequestId !== undefined) h.dialogRequestId = this.ids.get(h.dialogRequestId) ?? h.dialogRequestId;
    return copy;
  }

  /** Pushes a recorded directive; resolves once it was handed to the downchannel's stream. */
  private async pushNow(client: string, message: DirectiveMessage): Promise<void> {
    const mapped = this.mapIds(message);
    const h = headerOf(mapped);
    const what = `${String(h?.namespace)}.${String(h?.name)}`;
    const written = this.services.push(client, mapped);
    if (!written) {
      this.services.log(`replay: ${what} not pushed: the client has no open downchannel`);
      return;
    }
    this.services.log(`replay: pushed ${what}`);
    await written;
  }

  private after(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        if (!this.closed) fn();
      },
      Math.min(Math.max(0, ms), MAX_WAIT_MS),
    );
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.timers.delete(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, Math.min(ms, MAX_WAIT_MS));
      this.timers.add(t);
      this.sleepers.add(wake);
    });
  }
}

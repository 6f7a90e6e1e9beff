/**
 * The session record (`clova-cli … --record <file>`, `clova-cli emulator --replay <file>`): a
 * conversation with CIC as it happened on the wire, one JSON object per line (JSON Lines). Pure:
 * the line shapes, their version, and their parsing; the CLI writes them, the emulator reads them.
 * README: "Record format".
 */

/** The `type` of the first line, and the format's version (bumped on an incompatible change). */
export const RECORD_FORMAT = 'clova-cli-record';
export const RECORD_VERSION = 1;

/** Where a line happened: the client's connection number, the HTTP/2 stream id, ms since the record began. */
export interface RecordWhere {
  /** Milliseconds since the record began (performance.now(), 0.1 ms steps). */
  t: number;
  conn: number;
  stream: number;
}

/** The first line. */
export interface RecordHeaderLine {
  type: typeof RECORD_FORMAT;
  version: number;
  /** Wall-clock time of t = 0 (ISO 8601). */
  startedAt: string;
  /** The program that wrote it (`clova-cli 0.1.0`). */
  tool: string;
  /** `digest`: audio sent as a count and sha256 only; `full`: every audio part too (--record-audio). */
  audio: 'digest' | 'full';
  /** How attachments are kept: base64 in `attachment-data` lines of this file. */
  attachments: 'inline';
}

/** A request stream opened: headers as sent without `authorization`; `event` for `POST /v1/events`. */
export interface RecordRequestLine extends RecordWhere {
  type: 'request';
  kind: 'event' | 'downchannel';
  headers: Record<string, string>;
  event?: unknown;
}

/** One audio part sent (only with --record-audio). */
export interface RecordAudioLine extends RecordWhere {
  type: 'audio';
  bytes: number;
  /** The part's PCM, base64. */
  data: string;
}

/** The request body was closed; for a voice request, its audio as a count and a sha256. */
export interface RecordRequestEndLine extends RecordWhere {
  type: 'request-end';
  /** What ended the upload (stop-capture, end-of-input, stopped, answered). */
  ended?: string;
  audio?: { parts: number; bytes: number; sha256: string };
}

/** Response headers. */
export interface RecordResponseLine extends RecordWhere {
  type: 'response';
  source: 'event' | 'downchannel';
  status: number;
  headers: Record<string, string>;
}

/** A JSON part of a response body (a directive, Clova.Hello included), as received. */
export interface RecordDirectiveLine extends RecordWhere {
  type: 'directive';
  source: 'event' | 'downchannel';
  message: unknown;
}

/** An attachment part began. */
export interface RecordAttachmentLine extends RecordWhere {
  type: 'attachment';
  source: 'event' | 'downchannel';
  contentId: string;
  contentType: string;
}

/** Attachment bytes, as they arrived (base64). */
export interface RecordAttachmentDataLine extends RecordWhere {
  type: 'attachment-data';
  contentId: string;
  data: string;
}

/** An attachment part ended: its size and sha256. */
export interface RecordAttachmentEndLine extends RecordWhere {
  type: 'attachment-end';
  contentId: string;
  bytes: number;
  sha256: string;
}

/** A response ended: cleanly, with an error status's description, or broken off (`error`). */
export interface RecordResponseEndLine extends RecordWhere {
  type: 'response-end';
  error?: string;
  description?: string;
}

export type RecordLine =
  | RecordRequestLine
  | RecordAudioLine
  | RecordRequestEndLine
  | RecordResponseLine
  | RecordDirectiveLine
  | RecordAttachmentLine
  | RecordAttachmentDataLine
  | RecordAttachmentEndLine
  | RecordResponseEndLine;

const LINE_TYPES = new Set<string>([
  'request',
  'audio',
  'request-end',
  'response',
  'directive',
  'attachment',
  'attachment-data',
  'attachment-end',
  'response-end',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the first line; throws an Error saying what is wrong (not a record, a newer version). */
export function parseRecordHeader(text: string): RecordHeaderLine {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('line 1 is not JSON: not a clova-cli record');
  }
  if (!isObject(v) || v.type !== RECORD_FORMAT) throw new Error(`line 1 is not a "${RECORD_FORMAT}" header: not a clova-cli record`);
  if (v.version !== RECORD_VERSION) {
    throw new Error(`record format version ${String(v.version)} is not supported (this clova-cli reads version ${RECORD_VERSION})`);
  }
  return v as unknown as RecordHeaderLine;
}

/**
 * Parses one line after the header; lines of an unknown `type` are returned as undefined (a newer
 * writer may add kinds of lines a reader can skip). Throws on a line that is not a JSON object with
 * the fields every line has.
 */
/** {"directive"|"event": {"header": {"namespace": string, "name": string, …}, "payload"?: object}}. */
function isMessageOf(m: unknown, key: 'directive' | 'event'): boolean {
  if (!isObject(m) || !isObject(m[key])) return false;
  const body = m[key] as Record<string, unknown>;
  const h = body.header;
  if (!isObject(h) || typeof h.namespace !== 'string' || typeof h.name !== 'string') return false;
  if (h.dialogRequestId !== undefined && typeof h.dialogRequestId !== 'string') return false;
  return body.payload === undefined || isObject(body.payload);
}

export function parseRecordLine(text: string, lineNumber: number): RecordLine | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`line ${lineNumber} is not JSON`);
  }
  if (!isObject(v) || typeof v.type !== 'string') throw new Error(`line ${lineNumber} has no "type"`);
  if (!LINE_TYPES.has(v.type)) return undefined;
  if (typeof v.t !== 'number' || typeof v.conn !== 'number' || typeof v.stream !== 'number') {
    throw new Error(`line ${lineNumber} (${v.type}) lacks t, conn or stream`);
  }
  const needs: Record<string, string[]> = {
    response: ['status'],
    'attachment-data': ['contentId', 'data'],
    attachment: ['contentId'],
    'attachment-end': ['contentId'],
  };
  for (const field of needs[v.type] ?? []) {
    if (v[field] === undefined) throw new Error(`line ${lineNumber} (${v.type}) lacks "${field}"`);
  }
  const bad = (what: string) => new Error(`line ${lineNumber} (${v.type}): ${what}`);
  if (!Number.isFinite(v.t) || !Number.isSafeInteger(v.conn) || !Number.isSafeInteger(v.stream)) throw bad('t, conn and stream must be finite numbers');
  if (v.type === 'response' && (!Number.isInteger(v.status) || (v.status as number) < 100 || (v.status as number) > 599)) {
    throw bad(`"status" must be an HTTP status from 100 to 599`);
  }
  if ('contentId' in v && typeof v.contentId !== 'string') throw bad('"contentId" must be a string');
  if (v.type === 'attachment-data' && typeof v.data !== 'string') throw bad('"data" must be base64 text');
  if (v.type === 'directive' && !isMessageOf(v.message, 'directive')) throw bad('"message" must be a directive: {"directive":{"header":{"namespace","name"},…}}');
  if (v.type === 'request' && v.event !== undefined && !isMessageOf(v.event, 'event')) throw bad('"event" must be an event: {"event":{"header":{"namespace","name"},…}}');
  return v as unknown as RecordLine;
}

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

/** A field check: undefined when right, else what it should be. */
type Check = (v: unknown) => string | undefined;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const str: Check = (v) => (typeof v === 'string' ? undefined : 'a string');
const count: Check = (v) => (isCount(v) ? undefined : 'a whole number of at least 0');
const oneOf = (...values: string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? undefined : values.map((x) => `"${x}"`).join(' or '));
const optional = (c: Check): Check => (v) => (v === undefined ? undefined : c(v));
const base64: Check = (v) => (typeof v === 'string' && v.length % 4 === 0 && BASE64.test(v) ? undefined : 'base64');
const status: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599 ? undefined : 'an HTTP status from 100 to 599');
const headers: Check = (v) => (isObject(v) && Object.values(v).every((x) => typeof x === 'string') ? undefined : 'an object of strings');
const sha256: Check = (v) => (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? undefined : 'a sha256 in hex');
/** A CIC message: `{ <key>: { header: { namespace, name, … }, payload? } }` with key directive or event. */
const message = (key: 'directive' | 'event'): Check => (v) => {
  const d = isObject(v) ? v[key] : undefined;
  const h = isObject(d) ? d.header : undefined;
  if (!isObject(h) || typeof h.namespace !== 'string' || typeof h.name !== 'string') return `a CIC ${key} (an object with ${key}.header.namespace and .name)`;
  if (d !== undefined && isObject(d) && d.payload !== undefined && !isObject(d.payload)) return `a CIC ${key} whose payload is an object`;
  return undefined;
};
const audioDigest: Check = (v) => (isObject(v) && isCount(v.parts) && isCount(v.bytes) && sha256(v.sha256) === undefined ? undefined : 'an object with parts, bytes and sha256');

const SOURCE = oneOf('event', 'downchannel');
/** Every field each kind of line may have, and what it must be. */
const SHAPES: Record<string, Record<string, Check>> = {
  request: { kind: oneOf('event', 'downchannel'), headers, event: optional(message('event')) },
  audio: { bytes: count, data: base64 },
  'request-end': { ended: optional(str), audio: optional(audioDigest) },
  response: { status, source: SOURCE, headers },
  directive: { source: SOURCE, message: message('directive') },
  attachment: { source: SOURCE, contentId: str, contentType: str },
  'attachment-data': { contentId: str, data: base64 },
  'attachment-end': { contentId: str, bytes: count, sha256 },
  'response-end': { error: optional(str), description: optional(str) },
};

/**
 * Parses one line after the header; lines of an unknown `type` are returned as undefined (a newer
 * writer may add kinds of lines a reader can skip). Throws an Error naming the line and the field
 * on a line that is not a JSON object of the documented shape (README: "Record format").
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
  const t = v.t;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || !isCount(v.conn) || !isCount(v.stream)) {
    throw new Error(`line ${lineNumber} (${v.type}) lacks t, conn or stream (numbers of at least 0)`);
  }
  const shape = SHAPES[v.type] ?? {};
  for (const [field, check] of Object.entries(shape)) {
    const wrong = check(v[field]);
    if (wrong === undefined) continue;
    if (v[field] === undefined) throw new Error(`line ${lineNumber} (${v.type}) lacks "${field}"`);
    throw new Error(`line ${lineNumber} (${v.type}): "${field}" must be ${wrong}`);
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

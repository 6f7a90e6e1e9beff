// A bare node:http2 client for the emulator tests: raw bytes and statuses, no clova-cli client code.
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { afterEach } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../../src/emulator/index.js';
import { spawnSync } from 'node:child_process';
import { multipartBoundary } from '../../../src/protocol/content-type.js';
import { buildEvent, type DirectiveMessage, type EventMessage } from '../../../src/protocol/messages.js';
import { MultipartDecoder, type PartHeaders } from '../../../src/protocol/multipart-decoder.js';
import { AUDIO_PART_HEADERS, METADATA_PART_HEADERS, MultipartEncoder } from '../../../src/protocol/multipart-encoder.js';
import { newId } from '../../../src/protocol/ids.js';

export const TOKEN = 'test-token-123456';
export const UA = 'Acme/clova-cli/0.1.0 (Linux 6.1;x86_64;node=20.20.2)';

/** One decoded part of a response. */
export interface Part {
  headers: PartHeaders;
  body: Buffer;
  json?: DirectiveMessage;
}

/** A complete response. */
export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  parts: Part[];
}

export function connect(url: string, ca?: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(url, ca ? { ca } : {});
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

export function closeSession(s: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.close(() => resolve());
    setTimeout(() => {
      s.destroy();
      resolve();
    }, 300).unref();
  });
}

/** Decodes a whole multipart body. */
export function decodeParts(contentType: string | undefined, body: Buffer): Part[] {
  const boundary = multipartBoundary(contentType);
  if (!boundary) throw new Error(`not a multipart content-type: ${contentType}`);
  const parts: Part[] = [];
  let cur: { headers: PartHeaders; chunks: Buffer[] } | undefined;
  const dec = new MultipartDecoder(boundary, {
    partBegin: (headers) => {
      cur = { headers, chunks: [] };
    },
    partData: (c) => cur!.chunks.push(c),
    partEnd: () => {
      const body = Buffer.concat(cur!.chunks);
      const p: Part = { headers: cur!.headers, body };
      if (cur!.headers.isJson) p.json = JSON.parse(body.toString('utf8')) as DirectiveMessage;
      parts.push(p);
    },
  });
  dec.write(body);
  dec.end();
  return parts;
}

function collect(stream: ClientHttp2Stream): Promise<Response> {
  return new Promise((resolve, reject) => {
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      headers = h;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const status = Number(headers[':status']);
      let parts: Part[] = [];
      if (body.length > 0) parts = decodeParts(headers['content-type'], body);
      resolve({ status, headers, body, parts });
    });
    stream.on('close', () => {
      if (headers[':status'] === undefined) reject(new Error(`stream closed without a response (rst ${stream.rstCode})`));
    });
  });
}

/** A plain request; resolves with the whole response. */
export function request(
  s: ClientHttp2Session,
  method: string,
  path: string,
  opts: { token?: string | null; ua?: string | null; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ':method': method, ':path': path, ...opts.headers };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  if (opts.ua !== null) headers['user-agent'] = opts.ua ?? UA;
  const stream = s.request(headers, { endStream: opts.body === undefined });
  const done = collect(stream);
  if (opts.body !== undefined) stream.end(opts.body);
  return done;
}

/** An open downchannel: its status and the parts decoded so far. */
export interface Downchannel {
  stream: ClientHttp2Stream;
  status: Promise<number>;
  headers: Promise<IncomingHttpHeaders>;
  parts: Part[];
  raw: Buffer[];
  ended: Promise<void>;
  /** Resolves once n parts were received (a part counts once its JSON parses). */
  waitParts(n: number, timeoutMs?: number): Promise<Part[]>;
}

/** Opens `GET /v1/directives` and decodes parts as they arrive (a part is complete once its JSON parses). */
export function openDownchannel(s: ClientHttp2Session, token: string = TOKEN): Downchannel {
  const stream = s.request({ ':method': 'GET', ':path': '/v1/directives', authorization: `Bearer ${token}`, 'user-agent': UA });
  const parts: Part[] = [];
  const raw: Buffer[] = [];
  const waiters: (() => void)[] = [];
  let resolveHeaders!: (h: IncomingHttpHeaders) => void;
  const headers = new Promise<IncomingHttpHeaders>((r) => (resolveHeaders = r));
  let decoder: MultipartDecoder | undefined;
  let cur: { headers: PartHeaders; chunks: Buffer[]; done: boolean } | undefined;
  const tryComplete = () => {
    if (!cur || cur.done) return;
    const body = Buffer.concat([...cur.chunks, decoder!.heldBack()]);
    try {
      const json = JSON.parse(body.toString('utf8')) as DirectiveMessage;
      cur.done = true;
      parts.push({ headers: cur.headers, body, json });
      for (const w of waiters.splice(0)) w();
    } catch {
      /* not complete yet */
    }
  };
  stream.on('response', (h) => {
    resolveHeaders(h);
    const b = multipartBoundary(h['content-type']);
    if (!b) return;
    decoder = new MultipartDecoder(b, {
      partBegin: (ph) => {
        cur = { headers: ph, chunks: [], done: false };
      },
      partData: (c) => cur!.chunks.push(c),
      partEnd: () => tryComplete(),
    });
  });
  stream.on('data', (c: Buffer) => {
    raw.push(c);
    decoder?.write(c);
    tryComplete();
  });
  stream.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => stream.on('close', () => resolve()));
  return {
    stream,
    status: headers.then((h) => Number(h[':status'])),
    headers,
    parts,
    raw,
    ended,
    waitParts(n, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (parts.length >= n) {
            clearTimeout(t);
            resolve(parts);
          } else waiters.push(check);
        };
        const t = setTimeout(() => reject(new Error(`only ${parts.length} of ${n} downchannel parts`)), timeoutMs);
        check();
      });
    },
  };
}

/** Opens a downchannel and waits for its Hello. */
export async function readyDownchannel(s: ClientHttp2Session, token: string = TOKEN): Promise<Downchannel> {
  const dc = openDownchannel(s, token);
  await dc.waitParts(1);
  return dc;
}

/** The multipart/form-data body of an event, optionally followed by audio parts. */
export function eventBody(event: EventMessage, audio: Buffer[] = []): { body: Buffer; contentType: string } {
  const enc = new MultipartEncoder();
  const chunks = [enc.part(METADATA_PART_HEADERS, JSON.stringify(event))];
  for (const a of audio) chunks.push(enc.part(AUDIO_PART_HEADERS, a));
  chunks.push(enc.end());
  return { body: Buffer.concat(chunks), contentType: enc.contentType('multipart/form-data') };
}

/** Sends an event and resolves with the whole response. */
export function sendEvent(s: ClientHttp2Session, event: EventMessage, opts: { token?: string; audio?: Buffer[] } = {}): Promise<Response> {
  const { body, contentType } = eventBody(event, opts.audio);
  return request(s, 'POST', '/v1/events', { token: opts.token, headers: { 'content-type': contentType }, body });
}

/** An event request whose body stays open: write audio parts at will, then end it. */
export interface OpenEvent {
  stream: ClientHttp2Stream;
  /** Writes one `audio` part. */
  audio(chunk: Buffer): void;
  /** Writes the close delimiter and ends the stream. */
  end(): void;
  /** The HTTP status once the response headers arrived, else undefined. */
  status(): number | undefined;
  /** The whole response; rejects when the stream closes without one. */
  response: Promise<Response>;
  /** Resolves with the RST_STREAM code once the stream closed. */
  closed: Promise<number>;
}

/** Opens `POST /v1/events`, sends the metadata part and leaves the body open. */
export function openEvent(s: ClientHttp2Session, event: EventMessage, token: string = TOKEN): OpenEvent {
  const enc = new MultipartEncoder();
  const stream = s.request({
    ':method': 'POST',
    ':path': '/v1/events',
    authorization: `Bearer ${token}`,
    'user-agent': UA,
    'content-type': enc.contentType('multipart/form-data'),
  });
  let status: number | undefined;
  stream.on('response', (h) => (status = Number(h[':status'])));
  const response = collect(stream);
  response.catch(() => undefined);
  const closed = new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode ?? 0)));
  stream.write(enc.part(METADATA_PART_HEADERS, JSON.stringify(event)));
  return {
    stream,
    audio: (chunk) => {
      if (!stream.destroyed) stream.write(enc.part(AUDIO_PART_HEADERS, chunk));
    },
    end: () => {
      if (!stream.destroyed) stream.end(enc.end());
    },
    status: () => status,
    response,
    closed,
  };
}

/** A TextRecognizer.Recognize event with a fresh dialogRequestId. */
export function textEvent(text: string, extra: Record<string, unknown> = {}, dialogRequestId = newId()): EventMessage {
  return buildEvent('TextRecognizer', 'Recognize', { text, ...extra }, { dialogRequestId });
}

/** The directive parts' `Namespace.Name` in order, `attachment` for binary parts. */
export function shape(parts: Part[]): string[] {
  return parts.map((p) => (p.json ? `${p.json.directive.header.namespace}.${p.json.directive.header.name}` : 'attachment'));
}

/** True when mpg123 is on PATH. */
export const hasMpg123 = spawnSync('mpg123', ['--version'], { stdio: 'ignore' }).status === 0;

/** Decodes MP3 with mpg123; returns the PCM byte count. */
export function mpg123Decode(mp3: Buffer): { ok: boolean; pcmBytes: number; stderr: string } {
  const r = spawnSync('mpg123', ['-q', '-s', '-'], { input: mp3, maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, pcmBytes: r.stdout?.length ?? 0, stderr: r.stderr?.toString() ?? '' };
}

/** True when the bytes start with an MP3 frame sync or an ID3 tag. */
export function looksLikeMp3(b: Buffer): boolean {
  return (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) || b.subarray(0, 3).toString('latin1') === 'ID3';
}

/**
 * The emulator and client sessions of one test file: `start` and `session`, all closed after each
 * test (the emulator first: it ends the downchannels, so sessions have nothing left to wait for).
 */
export function useEmulator(): {
  start(options?: EmulatorOptions): Promise<Emulator>;
  session(ca?: string): Promise<ClientHttp2Session>;
} {
  let emulator: Emulator | undefined;
  const sessions: ClientHttp2Session[] = [];
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
    await Promise.all(sessions.splice(0).map(closeSession));
  });
  return {
    async start(options = {}) {
      emulator = await startEmulator(options);
      return emulator;
    },
    async session(ca) {
      const s = await connect(emulator!.url, ca);
      s.on('error', () => undefined);
      sessions.push(s);
      return s;
    },
  };
}

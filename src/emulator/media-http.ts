/**
 * Serves the emulator's tracks (`GET`/`HEAD /media/<id>.mp3`) on its own port, over HTTP/2 and
 * HTTP/1.1, with single byte ranges (a client resuming music asks for `bytes=N-`). No token is
 * needed: a stream URL is something a player fetches, as from a CDN. The body is written from the
 * one cached MP3 in slices, each only after the connection took the previous ones (backpressure),
 * so a slow reader costs no copy of the file.
 */
import type http from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Writable } from 'node:stream';
import { trackMp3, trackOfPath } from './media-library.js';
import type { RecordedMediaRequest, Recorder } from './record.js';

/** Bytes handed to the connection per write. */
const SLICE_BYTES = 16 * 1024;

/** True for the paths this module answers. */
export function isMediaPath(path: string): boolean {
  return path.startsWith('/media/');
}

/** What to send for a request, before the body. */
interface MediaAnswer {
  status: number;
  headers: Record<string, string | number>;
  /** The file and the byte range [start, end) of it to send (absent for HEAD and errors). */
  body?: { file: Buffer; start: number; end: number };
  /** A short text body for errors. */
  text?: string;
}

/**
 * The byte range a `Range` header asks of a `size`-byte file: [start, end) for one satisfiable
 * range, 'unsatisfiable', or undefined to send the whole file (no header, another unit, several
 * ranges, or a syntax error: RFC 9110 lets a server ignore those).
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const last = m[2] === '' ? size - 1 : Number(m[2]);
  return { start, end: Math.min(size, last + 1) };
}

async function answerFor(method: string, path: string, range: string | undefined): Promise<MediaAnswer> {
  const plain = (status: number, text: string, extra: Record<string, string> = {}): MediaAnswer => ({
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...extra },
    text,
  });
  const track = trackOfPath(path);
  if (!track) return plain(404, `Not found: ${path}\n`);
  if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Only GET and HEAD\n', { allow: 'GET, HEAD' });
  const file = await trackMp3(track);
  const common = { 'content-type': 'audio/mpeg', 'accept-ranges': 'bytes', 'cache-control': 'public, max-age=3600' };
  const wanted = byteRange(range, file.length);
  if (wanted === 'unsatisfiable') return plain(416, 'Range not satisfiable\n', { 'content-range': `bytes */${file.length}` });
  const { start, end } = wanted ?? { start: 0, end: file.length };
  const headers: Record<string, string | number> = { ...common, 'content-length': end - start };
  if (wanted) headers['content-range'] = `bytes ${start}-${end - 1}/${file.length}`;
  return { status: wanted ? 206 : 200, headers, ...(method === 'GET' ? { body: { file, start, end } } : {}) };
}

/** Resolves once `dest` can take more, or is gone (true then). */
function drained(dest: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (gone: boolean) => {
      dest.off('drain', onDrain);
      dest.off('close', onClose);
      dest.off('error', onClose);
      resolve(gone);
    };
    const onDrain = () => done(false);
    const onClose = () => done(true);
    dest.on('drain', onDrain);
    dest.on('close', onClose);
    dest.on('error', onClose);
  });
}

/** Writes file[start, end) to `dest` slice by slice, waiting for 'drain' whenever it asks to; ends it. Resolves false when the client went away first. */
async function writeBody(dest: Writable, file: Buffer, start: number, end: number, progress: (bytes: number) => void): Promise<boolean> {
  for (let off = start; off < end; off += SLICE_BYTES) {
    if (dest.destroyed || dest.writableEnded) return false;
    const slice = file.subarray(off, Math.min(end, off + SLICE_BYTES));
    const more = dest.write(slice);
    progress(slice.length);
    if (!more && (await drained(dest))) return false;
  }
  if (dest.destroyed) return false;
  dest.end();
  return true;
}

/** Records a media request and runs `send`, keeping the entry up to date. */
async function recorded(
  recorder: Recorder,
  entry: RecordedMediaRequest,
  answer: MediaAnswer,
  send: (progress: (bytes: number) => void) => Promise<boolean>,
): Promise<void> {
  entry.status = answer.status;
  recorder.add('media', entry);
  recorder.changed();
  const complete = await send((bytes) => {
    entry.bytes += bytes;
    recorder.changed();
  });
  entry.endedAt = Date.now();
  if (!complete) entry.aborted = true;
  recorder.changed();
}

/** Answers a media request that came on an HTTP/2 stream. */
export async function serveMediaOverH2(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, recorder: Recorder): Promise<void> {
  const method = headers[':method'] ?? '';
  const path = (headers[':path'] ?? '').split('?')[0]!;
  const range = typeof headers.range === 'string' ? headers.range : undefined;
  stream.resume();
  const answer = await answerFor(method, path, range);
  const entry: RecordedMediaRequest = { protocol: 'h2', method, path, status: answer.status, bytes: 0, at: Date.now(), ...(range ? { range } : {}) };
  await recorded(recorder, entry, answer, async (progress) => {
    if (stream.destroyed || stream.closed) return false;
    const hasBody = answer.body !== undefined || answer.text !== undefined;
    try {
      stream.respond({ ':status': answer.status, date: new Date().toUTCString(), ...answer.headers }, { endStream: !hasBody });
    } catch {
      return false; // reset by the client meanwhile
    }
    if (answer.text !== undefined) {
      stream.end(answer.text);
      return true;
    }
    return answer.body ? writeBody(stream, answer.body.file, answer.body.start, answer.body.end, progress) : true;
  });
}

/** Answers a media request that came over HTTP/1.1. */
export async function serveMediaOverHttp1(req: http.IncomingMessage, res: http.ServerResponse, recorder: Recorder): Promise<void> {
  const method = req.method ?? '';
  const path = (req.url ?? '').split('?')[0]!;
  const range = req.headers.range;
  req.resume();
  const answer = await answerFor(method, path, range);
  const entry: RecordedMediaRequest = { protocol: 'http/1.1', method, path, status: answer.status, bytes: 0, at: Date.now(), ...(range ? { range } : {}) };
  await recorded(recorder, entry, answer, async (progress) => {
    if (res.destroyed) return false;
    res.writeHead(answer.status, answer.headers);
    if (answer.text !== undefined || !answer.body) {
      res.end(answer.text);
      return true;
    }
    return writeBody(res, answer.body.file, answer.body.start, answer.body.end, progress);
  });
}

import { ConnectionError, ServerError, TimeoutError } from '../../protocol/errors.js';
import type { TimerHandle, Timers } from '../timers.js';

/** How long the response headers may take (connecting, TLS, the server's first answer). */
export const MEDIA_CONNECT_TIMEOUT_MS = 10_000;
/** How long a stream may send nothing while more is wanted (the first body byte included). */
export const MEDIA_STALL_TIMEOUT_MS = 15_000;

/** How a media URL is fetched. */
export interface MediaFetchOptions {
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  timers: Timers;
  connectTimeoutMs?: number;
  stallTimeoutMs?: number;
  /** Aborting it ends the request (and the body) at once. */
  signal: AbortSignal;
}

/** An opened media response. */
export interface MediaResponse {
  status: number;
  /** The Content-Type header, lower case, without parameters (undefined when absent). */
  contentType: string | undefined;
  /** The body begins at this byte of the resource: `fromByte` after a 206, 0 after a 200. */
  startsAt: number;
  /** Bytes of the body when the server said (Content-Length). */
  length: number | undefined;
  /** The body, read only as fast as it is consumed; every wait for more is bounded by the stall timeout. */
  body: AsyncIterable<Uint8Array>;
}

/** The formats of HTTP Live Streaming playlists, which this client does not play. */
export const HLS_TYPES: ReadonlySet<string> = new Set(['application/vnd.apple.mpegurl', 'application/x-mpegurl', 'audio/mpegurl', 'audio/x-mpegurl']);

/**
 * GETs a media URL (http or https only) for streaming: `fromByte` > 0 asks for the rest of the
 * resource with a Range request (a server that ignores it answers 200 from byte 0, and `startsAt`
 * says so). Bounded waits: the headers within `connectTimeoutMs` (TimeoutError), then every wait
 * for more body within `stallTimeoutMs` (TimeoutError from the body). A failed connection is a
 * ConnectionError, an error status a ServerError.
 */
export async function openMedia(url: string, fromByte: number, options: MediaFetchOptions): Promise<MediaResponse> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionError(`the media URL is not a URL: ${url.slice(0, 200)}`, 'E_CONNECT');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConnectionError(`the media URL is not http or https: ${parsed.protocol}`, 'E_CONNECT');
  }
  const { timers } = options;
  const connectMs = options.connectTimeoutMs ?? MEDIA_CONNECT_TIMEOUT_MS;
  const stallMs = options.stallTimeoutMs ?? MEDIA_STALL_TIMEOUT_MS;
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal.reason);
  if (options.signal.aborted) onAbort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = timers.setTimeout(() => {
    timedOut = true;
    abort.abort('timeout');
  }, connectMs);
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(parsed, {
      headers: fromByte > 0 ? { range: `bytes=${fromByte}-` } : {},
      signal: abort.signal,
      redirect: 'follow',
    });
  } catch (err) {
    options.signal.removeEventListener('abort', onAbort);
    if (timedOut) throw new TimeoutError(`the media server did not answer within ${connectMs / 1000} s (${parsed.host})`);
    if (options.signal.aborted) throw err;
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new ConnectionError(`cannot fetch the media from ${parsed.host}: ${cause}`, 'E_CONNECT', { cause: err });
  } finally {
    timers.clearTimeout(timer);
  }
  const done = () => {
    options.signal.removeEventListener('abort', onAbort);
    abort.abort('done');
  };
  if (!res.ok || !res.body) {
    done();
    throw new ServerError(`the media server answered ${res.status} for ${parsed.host}${parsed.pathname.slice(0, 100)}`, res.status);
  }
  const length = Number(res.headers.get('content-length'));
  const startsAt = res.status === 206 ? rangeStart(res.headers.get('content-range')) ?? fromByte : 0;
  return {
    status: res.status,
    contentType: res.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() || undefined,
    startsAt,
    length: Number.isFinite(length) && res.headers.has('content-length') ? length : undefined,
    body: boundedBody(res.body, { timers, stallMs, abort, done, host: parsed.host }),
  };
}

/** The first byte of a `Content-Range: bytes a-b/n` header. */
function rangeStart(header: string | null): number | undefined {
  const m = header ? /^bytes\s+(\d+)-/i.exec(header) : null;
  return m ? Number(m[1]) : undefined;
}

async function* boundedBody(
  body: ReadableStream<Uint8Array>,
  o: { timers: Timers; stallMs: number; abort: AbortController; done: () => void; host: string },
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      let handle: TimerHandle | undefined;
      const next = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          handle = o.timers.setTimeout(() => {
            reject(new TimeoutError(`the media stream from ${o.host} sent nothing for ${o.stallMs / 1000} s`));
          }, o.stallMs);
        }),
      ]).finally(() => o.timers.clearTimeout(handle));
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // The consumer stopped (paused, stopped, the player ended) or the body ended: free the connection.
    reader.cancel().catch(() => undefined);
    o.done();
  }
}

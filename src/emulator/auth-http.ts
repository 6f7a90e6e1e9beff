/**
 * Carries Auth API requests from the wire to AuthApi and its answers back: over HTTP/2 streams (the
 * CIC server's own) and over HTTP/1.1, which is what Node's `fetch` speaks to an `http://` URL.
 */
import http from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Readable } from 'node:stream';
import { MAX_AUTH_BODY_BYTES, isAuthPath, type AuthApi, type AuthResponse } from './auth-api.js';

/** How long a client may take to send a request's body. */
const BODY_TIMEOUT_MS = 15_000;

/** Reads a body up to the limit; undefined when it is larger, or too slow to arrive. */
function readBody(source: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (value: Buffer | undefined) => {
      clearTimeout(timer);
      source.off('data', onData);
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), BODY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_AUTH_BODY_BYTES) done(undefined);
      else chunks.push(chunk);
    };
    source.on('data', onData);
    source.once('end', () => done(Buffer.concat(chunks)));
    source.once('error', () => done(undefined));
    source.once('close', () => done(Buffer.concat(chunks)));
  });
}

function tooLarge(): AuthResponse {
  return {
    status: 413,
    headers: { 'content-type': 'application/json;charset=UTF-8' },
    body: JSON.stringify({ error: 'invalid_request', error_description: `the body is larger than ${MAX_AUTH_BODY_BYTES} bytes or too slow` }),
  };
}

/** Answers an Auth API request that came on an HTTP/2 stream. */
export async function serveAuthOverH2(api: AuthApi, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
  const method = headers[':method'] ?? '';
  const body = method === 'GET' ? Buffer.alloc(0) : await readBody(stream);
  const response =
    body === undefined
      ? tooLarge()
      : api.handle({ method, url: headers[':path'] ?? '', headers, body, protocol: 'h2' });
  stream.resume();
  if (stream.destroyed || stream.closed) return;
  try {
    stream.respond({ ':status': response.status, ...response.headers, 'content-length': Buffer.byteLength(response.body) });
    stream.end(response.body);
  } catch {
    // The client reset the stream meanwhile; nothing to answer.
  }
}

/**
 * An HTTP/1.1 server for the Auth API; `other` may take a request first (returning true when it
 * answers it: the media files); CIC paths get 505 (CIC is HTTP/2 only), others 404.
 */
export function createAuthHttp1Server(
  api: () => AuthApi,
  other?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): http.Server {
  // requestTimeout bounds the time to receive a request, not to send the answer (a slow media reader is fine).
  const server = http.createServer({ headersTimeout: BODY_TIMEOUT_MS, requestTimeout: 2 * BODY_TIMEOUT_MS }, (req, res) => {
    if (other?.(req, res)) return;
    void answerHttp1(api(), req, res);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return server;
}

async function answerHttp1(api: AuthApi, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = req.url ?? '';
  const path = url.split('?')[0]!;
  let response: AuthResponse;
  if (!isAuthPath(path)) {
    const cic = path.startsWith('/v1/') || path === '/ping';
    response = {
      status: cic ? 505 : 404,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
      body: JSON.stringify(
        cic
          ? { error: 'http_version_not_supported', error_description: 'CIC speaks HTTP/2 only: connect with prior knowledge (h2c) or ALPN h2' }
          : { error: 'not_found', error_description: `Not found: ${req.method ?? ''} ${path}` },
      ),
    };
    req.resume();
  } else {
    const body = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    response = body === undefined ? tooLarge() : api.handle({ method: req.method ?? '', url, headers: req.headers, body, protocol: 'http/1.1' });
    req.resume();
  }
  if (res.destroyed) return;
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

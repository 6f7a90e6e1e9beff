import http from 'node:http';
import http2, { type ServerHttp2Stream } from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach } from 'vitest';
import { generateCertificate } from '../../../src/emulator/tls.js';
import { buildDirective } from '../../../src/protocol/messages.js';
import { MultipartEncoder } from '../../../src/protocol/multipart-encoder.js';

// Deliberately broken CIC peers on 127.0.0.1 port 0, shared by the client-level and the CLI-level
// hostile-server tests: what the emulator never does.

export const JSON_PART = [['Content-Type', 'application/json; charset=utf-8']] as const;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function track(server: net.Server): { connections(): number } {
  const sockets = new Set<net.Socket>();
  let count = 0;
  server.on('connection', (s: net.Socket) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { connections: () => count };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

/** Peers that do not speak HTTP/2 (or not TLS): what `--server` may point at by mistake. */
export type WrongPeer = 'http1' | 'garbage' | 'tls' | 'https1' | 'h2c' | 'silent';

/** Starts a peer of that kind; `connections()` counts the TCP connections it accepted. */
export async function wrongPeer(kind: WrongPeer): Promise<{ port: number; connections(): number }> {
  let server: net.Server;
  if (kind === 'http1') server = http.createServer((_q, r) => r.end('hello from HTTP/1.1'));
  else if (kind === 'garbage') {
    server = net.createServer((s) => {
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      s.write(Buffer.from('garbage garbage garbage\x00\x01\x02\x03'));
    });
  } else if (kind === 'silent') {
    server = net.createServer((s) => {
      s.on('error', () => undefined);
      s.on('data', () => undefined); // reads everything, answers nothing
    });
  } else if (kind === 'h2c') {
    server = http2.createServer();
    server.on('session', (s: http2.ServerHttp2Session) => s.on('error', () => undefined));
  } else {
    const cert = await generateCertificate();
    closers.push(() => cert.cleanup());
    if (kind === 'https1') server = https.createServer({ key: cert.key, cert: cert.cert }, (_q, r) => r.end('hello from HTTPS/1.1'));
    else {
      server = tls.createServer({ key: cert.key, cert: cert.cert }, (s) => {
        s.on('error', () => undefined);
        s.end('hello over TLS');
      });
    }
    server.on('tlsClientError', () => undefined);
  }
  const counter = track(server);
  return { port: await listen(server), ...counter };
}

/**
 * An HTTP/2 server that greets every downchannel with Clova.Hello and hands everything else to
 * the callbacks. `initialWindowSize` 0 or 1 with an `event` that never reads is a server that
 * stops reading uploads (PINGs are still answered).
 */
export async function h2Peer(options: {
  initialWindowSize?: number;
  event?(stream: ServerHttp2Stream): void;
  downchannel?(stream: ServerHttp2Stream, enc: MultipartEncoder): void;
}): Promise<{ port: number; url: string; events: Array<Promise<number | undefined>>; downchannels(): number }> {
  const server = http2.createServer(
    options.initialWindowSize === undefined ? {} : { settings: { initialWindowSize: options.initialWindowSize } },
  );
  const events: Array<Promise<number | undefined>> = [];
  let downchannels = 0;
  server.on('session', (s) => s.on('error', () => undefined));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers[':path'] === '/v1/directives') {
      downchannels++;
      const enc = new MultipartEncoder();
      stream.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
      stream.write(enc.part(JSON_PART, JSON.stringify(buildDirective('Clova', 'Hello', {}))));
      options.downchannel?.(stream, enc);
    } else {
      events.push(new Promise((resolve) => stream.on('close', () => resolve(stream.rstCode))));
      options.event?.(stream);
    }
  });
  track(server);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, events, downchannels: () => downchannels };
}

/** Writes `bytes` in `size`-byte DATA frames, one per turn of the event loop or every `everyMs` (a slow drip); resolves when all are queued. */
export async function drip(stream: ServerHttp2Stream, bytes: Buffer, size: number, everyMs = 0): Promise<void> {
  for (let i = 0; i < bytes.length && !stream.destroyed; i += size) {
    if (!stream.write(bytes.subarray(i, i + size))) await new Promise((r) => stream.once('drain', r));
    // Yield between writes, so that each goes out in a DATA frame of its own.
    await new Promise((r) => (everyMs > 0 ? setTimeout(r, everyMs) : setImmediate(r)));
  }
}

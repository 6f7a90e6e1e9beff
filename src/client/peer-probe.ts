import net from 'node:net';
import tls from 'node:tls';
import type { TimerHandle, Timers } from './timers.js';

/**
 * What a peer that failed the HTTP/2 handshake turned out to be. Node's HTTP/2 session owns its
 * socket, so the bytes that broke it cannot be seen; a second, short connection that sends the
 * same preface (and carries no token) shows them. It runs only after a failure.
 */
export type PeerKind =
  | { kind: 'http1'; version: string; status: string }
  | { kind: 'tls' }
  | { kind: 'h2' }
  | { kind: 'other'; sample: string }
  | { kind: 'silent' };

/** The HTTP/2 client connection preface followed by an empty SETTINGS frame (RFC 7540 3.5). */
const H2_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
  Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]),
]);

/** Enough bytes to tell the kinds apart. */
const ENOUGH = 16;

/** Printable ASCII only (the bytes are the server's, shown on a terminal), at most `max` characters. */
function printable(bytes: Buffer, max: number): string {
  let s = '';
  for (const c of bytes.subarray(0, max)) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  return s;
}

/** Classifies the first bytes a peer sent in answer to the HTTP/2 preface. */
export function classifyFirstBytes(bytes: Buffer): PeerKind {
  if (bytes.length === 0) return { kind: 'silent' };
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, 64));
  const http1 = /^(HTTP\/\d(?:\.\d)?) (\d{3})/.exec(head);
  if (http1) return { kind: 'http1', version: http1[1]!, status: http1[2]! };
  // A TLS record: content type 20-24 (alert, handshake, ...), then protocol version 3.x.
  if (bytes[0]! >= 0x14 && bytes[0]! <= 0x18 && (bytes.length < 2 || bytes[1] === 0x03)) return { kind: 'tls' };
  // A SETTINGS frame on stream 0: the server preface of an HTTP/2 server.
  if (bytes.length >= 9 && bytes[3] === 0x04 && (bytes[4]! & ~0x01) === 0 && bytes.readUInt32BE(5) === 0) return { kind: 'h2' };
  return { kind: 'other', sample: printable(bytes, 24) };
}

/** Host and port of a URL, as `net.connect` wants them. */
export function hostPort(url: URL): { host: string; port: number } {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host, port };
}

/** Connects in cleartext, sends the HTTP/2 preface and classifies what comes back within `timeoutMs`. */
export function probeCleartext(url: URL, timers: Timers, timeoutMs: number): Promise<PeerKind> {
  const { host, port } = hostPort(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const socket = net.connect({ host, port }, () => socket.write(H2_PREFACE));
    const finish = () => {
      if (done) return;
      done = true;
      timers.clearTimeout(timer);
      socket.destroy();
      resolve(classifyFirstBytes(Buffer.concat(chunks)));
    };
    const timer: TimerHandle = timers.setTimeout(finish, timeoutMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size >= ENOUGH) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
  });
}

/** True when the peer completes a TLS handshake within `timeoutMs` (its certificate is not judged; nothing is sent). */
export function probeTls(url: URL, timers: Timers, timeoutMs: number): Promise<boolean> {
  const { host, port } = hostPort(url);
  return new Promise((resolve) => {
    let done = false;
    const options: tls.ConnectionOptions = { host, port, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] };
    if (net.isIP(host) === 0) options.servername = host;
    const socket = tls.connect(options, () => finish(true));
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      timers.clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer: TimerHandle = timers.setTimeout(() => finish(false), timeoutMs);
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

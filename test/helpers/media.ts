/**
 * Music for the device tests: a generated MP3 (a tone melody, real MPEG frames from lamejs) and a
 * loopback HTTP server that serves it like a media host (Content-Length, Range → 206), recording
 * every request. Servers are closed after each test.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeMp3 } from '../../src/audio/mp3-encoder.js';
import { afterEach } from 'vitest';

/** An MP3 of `seconds` of tones (MPEG-2 Layer III, 16 kHz mono, 32 kbit/s: 144-byte frames of 36 ms, unless told otherwise). */
export function toneMp3(seconds: number, options: { rate?: number; kbps?: number } = {}): Buffer {
  const rate = options.rate ?? 16000;
  const kbps = options.kbps ?? 32;
  const pcm = new Int16Array(Math.round(rate * seconds));
  const notes = [440, 554, 659, 880];
  for (let i = 0; i < pcm.length; i++) {
    const hz = notes[Math.floor(i / (rate / 4)) % notes.length]!;
    pcm[i] = Math.round(5000 * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  return encodeMp3(pcm, rate, kbps);
}

export interface ServedFile {
  body: Buffer;
  type?: string;
  /** Answer Range requests with 206 (default true); false: always 200 with the whole file. */
  ranges?: boolean;
}

export interface MediaServer {
  url(path: string): string;
  /** Every request: its path and Range header, in order. */
  requests: Array<{ path: string; range?: string; at: number }>;
  close(): Promise<void>;
}

const running = new Set<Server>();
afterEach(async () => {
  await Promise.all([...running].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  for (const s of running) s.closeAllConnections();
  running.clear();
});

/** Serves `files` on 127.0.0.1 (a free port). */
export async function mediaServer(files: Record<string, ServedFile>): Promise<MediaServer> {
  const requests: MediaServer['requests'] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    requests.push({ path, ...(range !== undefined ? { range } : {}), at: Date.now() });
    const file = files[path];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = file.type ?? 'audio/mpeg';
    const m = range !== undefined && file.ranges !== false ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m && Number(m[1]) < file.body.length) {
      const from = Number(m[1]);
      res.writeHead(206, {
        'content-type': type,
        'content-length': file.body.length - from,
        'content-range': `bytes ${from}-${file.body.length - 1}/${file.body.length}`,
        'accept-ranges': 'bytes',
      });
      res.end(file.body.subarray(from));
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': file.body.length, 'accept-ranges': file.ranges === false ? 'none' : 'bytes' });
    res.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.add(server);
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

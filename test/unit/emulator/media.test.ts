// The emulator's music: generated tracks, served on its own port over HTTP/2 and HTTP/1.1 with
// ranges and backpressure, at URLs built from the address the client used.
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { byteRange } from '../../../src/emulator/media-http.js';
import { requestBaseUrl, trackById, trackMp3, TRACKS, trackOfStream, neighbour } from '../../../src/emulator/media-library.js';
import { mp3Frames } from '../../../src/emulator/mp3.js';
import { renderPiece } from '../../../src/emulator/music.js';
import { hasMpg123, mpg123Decode, readyDownchannel, sendEvent, textEvent, useEmulator } from './h2-client.js';

const { start, session } = useEmulator();

/** A plain HTTP/2 request without a token; resolves with the status, headers and body (not multipart). */
function request(
  s: http2.ClientHttp2Session,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = s.request({ ':method': method, ':path': path, ...opts.headers }, { endStream: opts.body === undefined });
    let headers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    if (opts.body !== undefined) stream.end(opts.body);
  });
}

const sha = (b: Buffer | Int16Array) => createHash('sha256').update(b).digest('hex');
const WALK = trackById('morning-walk')!;

describe('the tracks', () => {
  it('are about 30 s of 16 kHz mono MP3 at 24 kbps, made once per process', async () => {
    const mp3 = await trackMp3(WALK);
    expect(await trackMp3(WALK)).toBe(mp3);
    const frames = mp3Frames(mp3);
    expect(frames.reduce((n, f) => n + f.length, 0)).toBe(mp3.length);
    const seconds = (frames.length * 576) / 16000;
    expect(seconds).toBeGreaterThan(29.9);
    expect(seconds).toBeLessThan(30.2);
    expect(mp3.length).toBeLessThan(100_000);
    if (hasMpg123) {
      const decoded = mpg123Decode(mp3);
      expect(decoded.ok).toBe(true);
      expect(decoded.pcmBytes / 32000).toBeCloseTo(30, 0);
    }
  }, 30_000);

  it('are the same notes every time, and differ from each other', () => {
    const a = renderPiece(TRACKS[0]!.piece, 2, 16000);
    expect(sha(renderPiece(TRACKS[0]!.piece, 2, 16000))).toBe(sha(a));
    expect(sha(renderPiece(TRACKS[1]!.piece, 2, 16000))).not.toBe(sha(a));
    const peak = a.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    expect(peak).toBeGreaterThan(8000);
    expect(peak).toBeLessThan(20000);
  });

  it('are found from a stream object, and "next" walks around them', () => {
    expect(trackOfStream({ customData: 'cic-emulator;track=evening-tide', url: 'x' })?.id).toBe('evening-tide');
    expect(trackOfStream({ url: 'clova:TR-CIC-blue-loop' })?.id).toBe('blue-loop');
    expect(trackOfStream({ url: 'http://127.0.0.1:1/media/morning-walk.mp3' })?.id).toBe('morning-walk');
    expect(trackOfStream({ url: 'https://example.com/song.mp3' })).toBeUndefined();
    expect(trackOfStream(null)).toBeUndefined();
    expect(neighbour(undefined, 1).id).toBe('morning-walk');
    expect(neighbour(TRACKS[2], 1).id).toBe('morning-walk');
    expect(neighbour(TRACKS[0], -1).id).toBe('blue-loop');
  });
});

describe('byte ranges', () => {
  it('reads one range, ignores what it may ignore, and refuses what cannot be satisfied', () => {
    expect(byteRange(undefined, 100)).toBeUndefined();
    expect(byteRange('bytes=10-', 100)).toEqual({ start: 10, end: 100 });
    expect(byteRange('bytes=10-19', 100)).toEqual({ start: 10, end: 20 });
    expect(byteRange('bytes=90-500', 100)).toEqual({ start: 90, end: 100 });
    expect(byteRange('bytes=-30', 100)).toEqual({ start: 70, end: 100 });
    expect(byteRange('bytes=-300', 100)).toEqual({ start: 0, end: 100 });
    expect(byteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(byteRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(byteRange('bytes=0-1,5-9', 100)).toBeUndefined();
    expect(byteRange('items=0-1', 100)).toBeUndefined();
    expect(byteRange('bytes=9-3', 100)).toBeUndefined();
  });
});

describe('serving', () => {
  it('answers GET over HTTP/2 without a token: the whole file, then ranges', async () => {
    const emu = await start();
    const s = await session();
    const mp3 = await trackMp3(WALK);
    const whole = await request(s, 'GET', '/media/morning-walk.mp3');
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('audio/mpeg');
    expect(whole.headers['content-length']).toBe(String(mp3.length));
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(sha(whole.body)).toBe(sha(mp3));

    const tail = await request(s, 'GET', '/media/morning-walk.mp3', { headers: { range: 'bytes=40000-' } });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes 40000-${mp3.length - 1}/${mp3.length}`);
    expect(tail.headers['content-length']).toBe(String(mp3.length - 40000));
    expect(tail.body.equals(mp3.subarray(40000))).toBe(true);

    const middle = await request(s, 'GET', '/media/morning-walk.mp3', { headers: { range: 'bytes=100-199' } });
    expect(middle.status).toBe(206);
    expect(middle.body.equals(mp3.subarray(100, 200))).toBe(true);

    const beyond = await request(s, 'GET', '/media/morning-walk.mp3', { headers: { range: `bytes=${mp3.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${mp3.length}`);

    const head = await request(s, 'HEAD', '/media/morning-walk.mp3');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(mp3.length));
    expect(head.body.length).toBe(0);

    expect((await request(s, 'GET', '/media/nothing.mp3')).status).toBe(404);
    expect((await request(s, 'POST', '/media/morning-walk.mp3', { body: Buffer.from('x') })).status).toBe(405);

    expect(emu.record.media.map((m) => [m.protocol, m.method, m.status, m.range, m.bytes])).toEqual([
      ['h2', 'GET', 200, undefined, mp3.length],
      ['h2', 'GET', 206, 'bytes=40000-', mp3.length - 40000],
      ['h2', 'GET', 206, 'bytes=100-199', 100],
      ['h2', 'GET', 416, `bytes=${mp3.length}-`, 0],
      ['h2', 'HEAD', 200, undefined, 0],
      ['h2', 'GET', 404, undefined, 0],
      ['h2', 'POST', 405, undefined, 0],
    ]);
    expect(emu.record.media.every((m) => m.endedAt !== undefined && !m.aborted)).toBe(true);
    expect(emu.record.requests).toEqual([]); // not CIC requests
  }, 30_000);

  it('answers HTTP/1.1 (fetch) on the same port, ranges included', async () => {
    const emu = await start();
    const mp3 = await trackMp3(trackById('blue-loop')!);
    const res = await fetch(`${emu.url}/media/blue-loop.mp3`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('content-length')).toBe(String(mp3.length));
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(mp3));
    const part = await fetch(`${emu.url}/media/blue-loop.mp3`, { headers: { range: 'bytes=-1000' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes ${mp3.length - 1000}-${mp3.length - 1}/${mp3.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(mp3.subarray(mp3.length - 1000))).toBe(true);
    expect((await fetch(`${emu.url}/media/unknown.mp3`)).status).toBe(404);
    expect(emu.record.media.map((m) => [m.protocol, m.status])).toEqual([
      ['http/1.1', 200],
      ['http/1.1', 206],
      ['http/1.1', 404],
    ]);
  }, 30_000);

  it('hands the body over only as fast as the reader takes it, and notes a reader that went away', async () => {
    const emu = await start();
    const mp3 = await trackMp3(WALK);
    // A small stream window, and no reading: the emulator must stop writing soon.
    const s = http2.connect(emu.url, { settings: { initialWindowSize: 4096 } });
    s.on('error', () => undefined);
    const stream = s.request({ ':method': 'GET', ':path': '/media/morning-walk.mp3' });
    stream.pause();
    await emu.waitFor((r) => r.media.length === 1 && r.media[0]!.bytes > 0);
    await new Promise((r) => setTimeout(r, 500));
    const held = emu.record.media[0]!.bytes;
    expect(held).toBeLessThan(mp3.length / 2);
    expect(emu.record.media[0]!.endedAt).toBeUndefined();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.resume();
    await new Promise((r) => stream.on('end', r));
    expect(Buffer.concat(chunks).equals(mp3)).toBe(true);
    await emu.waitFor((r) => r.media[0]!.endedAt !== undefined);
    expect(emu.record.media[0]).toMatchObject({ bytes: mp3.length, status: 200 });
    expect(emu.record.media[0]!.aborted).toBeUndefined();

    const gone = s.request({ ':method': 'GET', ':path': '/media/morning-walk.mp3' });
    gone.pause();
    await emu.waitFor((r) => r.media.length === 2 && r.media[1]!.bytes > 0);
    gone.close(http2.constants.NGHTTP2_CANCEL);
    await emu.waitFor((r) => r.media[1]!.endedAt !== undefined);
    expect(emu.record.media[1]!.aborted).toBe(true);
    expect(emu.record.media[1]!.bytes).toBeLessThan(mp3.length);
    s.destroy();
  }, 30_000);
});

describe('the URL in a Play', () => {
  it('is built from the address the client used (any port), else the emulator URL', async () => {
    const emu = await start({ port: 0 });
    const s = await session();
    await readyDownchannel(s);
    const r = await sendEvent(s, textEvent('play some music'));
    const play = r.parts.find((p) => p.json?.directive.header.name === 'Play')!.json!.directive;
    const url = (play.payload.audioItem as { stream: { url: string } }).stream.url;
    expect(url).toBe(`${emu.url}/media/morning-walk.mp3`);
    expect(new URL(url).port).toBe(String(emu.port));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe((await trackMp3(WALK)).length);

    expect(requestBaseUrl({ ':scheme': 'https', ':authority': 'localhost:8443' }, 'x')).toBe('https://localhost:8443');
    expect(requestBaseUrl({ ':scheme': 'http', host: '[::1]:9' }, 'x')).toBe('http://[::1]:9');
    expect(requestBaseUrl({ ':scheme': 'http', ':authority': 'evil.com/x?y' }, 'fallback')).toBe('fallback');
    expect(requestBaseUrl({ ':scheme': 'ftp', ':authority': 'a:1' }, 'fallback')).toBe('fallback');
  }, 30_000);
});

import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import selfsigned from 'selfsigned';
import {
  FAULT_TABLE,
  formatFaultTable,
  parseFault,
  startEmulator,
} from '../../../src/emulator/index.js';
import { ActiveFaults, showFault } from '../../../src/emulator/active-faults.js';
import { newId } from '../../../src/protocol/ids.js';
import {
  closeSession,
  connect,
  decodeParts,
  hasMpg123,
  looksLikeMp3,
  mpg123Decode,
  openDownchannel,
  readyDownchannel,
  request,
  sendEvent,
  shape,
  textEvent,
  useEmulator,
} from './h2-client.js';

const { start, session } = useEmulator();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ping(s: ClientHttp2Session, timeoutMs: number): Promise<'ack' | 'timeout'> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    s.ping((err) => {
      clearTimeout(t);
      resolve(err ? 'timeout' : 'ack');
    });
  });
}

describe('parseFault', () => {
  it('parses every documented fault', () => {
    expect(parseFault('goaway-after-hello')).toEqual({ name: 'goaway-after-hello', connections: 1 });
    expect(parseFault('goaway-after-hello=3')).toEqual({ name: 'goaway-after-hello', connections: 3 });
    expect(parseFault('drop-downchannel-after=0.25')).toEqual({ name: 'drop-downchannel-after', seconds: 0.25 });
    expect(parseFault('no-hello')).toEqual({ name: 'no-hello' });
    expect(parseFault('event-status=500')).toEqual({ name: 'event-status', status: 500 });
    expect(parseFault('event-status=204:2')).toEqual({ name: 'event-status', status: 204, count: 2 });
    expect(parseFault('downchannel-status=429')).toEqual({ name: 'downchannel-status', status: 429, count: 1 });
    expect(parseFault('downchannel-status=500:2')).toEqual({ name: 'downchannel-status', status: 500, count: 2 });
    expect(parseFault('event-delay=150')).toEqual({ name: 'event-delay', ms: 150 });
    expect(parseFault('slow-frames')).toEqual({ name: 'slow-frames', bytes: 7 });
    expect(parseFault('slow-frames=3')).toEqual({ name: 'slow-frames', bytes: 3 });
    expect(parseFault('attachment-size=100000')).toEqual({ name: 'attachment-size', bytes: 100000 });
    expect(parseFault('extra-directives=4')).toEqual({ name: 'extra-directives', count: 4 });
    expect(parseFault('stop-capture-after=1200')).toEqual({ name: 'stop-capture-after', ms: 1200 });
    expect(parseFault('stop-capture-after=0')).toEqual({ name: 'stop-capture-after', ms: 0 });
    expect(parseFault('reset-recognize')).toEqual({ name: 'reset-recognize', ms: 400 });
    expect(parseFault('reset-recognize=1000')).toEqual({ name: 'reset-recognize', ms: 1000 });
    for (const status of [403, 423, 451, 500]) expect(parseFault(`authorize-status=${status}`)).toEqual({ name: 'authorize-status', status });
    for (const status of [400, 500]) expect(parseFault(`token-status=${status}`)).toEqual({ name: 'token-status', status });
    for (const name of [
      'no-ping-ack',
      'unknown-directive',
      'stale-directive',
      'attachment-first',
      'shuffle',
      'content-id-brackets',
      'quirky-content-type',
      'form-data-response',
      'no-stop-capture',
    ]) {
      expect(parseFault(name)).toEqual({ name });
    }
    expect(FAULT_TABLE.map((f) => f.name)).toHaveLength(22);
  });

  it('rejects unknown names and bad values with one line', () => {
    const bad = [
      ['nope', /^unknown fault "nope": expected one of goaway-after-hello, /],
      ['event-status', /needs a value: event-status=<code>\[:N\]/],
      ['event-status=200', /status must be 204 or 400-599/],
      ['event-status=500:0', /N must be 1 or more/],
      ['downchannel-status=204', /status must be 400-599/],
      ['drop-downchannel-after=abc', /expected seconds/],
      ['drop-downchannel-after=2147484', /at most 2147483 seconds/],
      ['slow-frames=0', /expected 1 or more/],
      ['no-hello=1', /takes no value/],
      ['goaway-after-hello=x', /expected a whole number/],
      ['stop-capture-after', /needs a value: stop-capture-after=<ms>/],
      ['stop-capture-after=1.5', /expected a whole number/],
      ['reset-recognize=-1', /expected a whole number/],
      ['no-stop-capture=1', /takes no value/],
      ['authorize-status=404', /fault "authorize-status": invalid value "404" \(expected 403, 423, 451, 500; syntax authorize-status=<code>\)/],
      ['authorize-status', /needs a value: authorize-status=<code>/],
      ['token-status=401', /expected 400, 500/],
    ] as const;
    for (const [spec, re] of bad) {
      expect(() => parseFault(spec), spec).toThrow(re);
      try {
        parseFault(spec);
      } catch (err) {
        expect((err as Error).message).not.toContain('\n');
      }
    }
  });

  it('counts counted faults and formats the table', () => {
    const f = new ActiveFaults([parseFault('event-status=500:2'), parseFault('downchannel-status=429')]);
    expect(f.take('event-status')?.status).toBe(500);
    expect(f.take('event-status')?.status).toBe(500);
    expect(f.take('event-status')).toBeUndefined();
    expect(f.take('downchannel-status')?.status).toBe(429);
    expect(f.take('downchannel-status')).toBeUndefined();
    const text = formatFaultTable();
    for (const row of FAULT_TABLE) expect(text).toContain(row.name);
  });

  it('shows each parsed fault as a spec that parses back to it, and says where each acts', () => {
    const specs = [
      'goaway-after-hello',
      'goaway-after-hello=3',
      'drop-downchannel-after=0.25',
      'event-status=500',
      'event-status=204:2',
      'downchannel-status=429',
      'slow-frames',
      'reset-recognize=0',
      'no-hello',
      'shuffle',
    ];
    for (const spec of specs) {
      const f = parseFault(spec);
      expect(parseFault(showFault(f)), spec).toEqual(f);
    }
    expect(new ActiveFaults(specs.slice(2, 6).map(parseFault)).describe()).toEqual([
      'drop-downchannel-after=0.25',
      'event-status=500',
      'event-status=204:2',
      'downchannel-status=429:1',
    ]);
  });

  it('acts on each fault in the module its row names', () => {
    const files: Record<string, string> = {
      connection: 'server.ts',
      downchannel: 'downchannel-registry.ts',
      event: 'events.ts',
      answer: 'answer.ts',
      wire: 'wire.ts',
      voice: 'voice-capture.ts',
      auth: 'auth-api.ts',
    };
    for (const row of FAULT_TABLE) {
      const file = files[row.actsOn];
      expect(file, `${row.name} acts on ${row.actsOn}`).toBeDefined();
      const source = readFileSync(new URL(`../../../src/emulator/${file}`, import.meta.url), 'utf8');
      expect(source, `${row.name} in ${file}`).toContain(`'${row.name}'`);
    }
  });

  it('makes startEmulator and setFaults throw on invalid specs', async () => {
    await expect(startEmulator({ faults: ['bogus'] })).rejects.toThrow(/unknown fault "bogus"/);
    const emu = await start();
    expect(() => emu.setFaults(['event-delay'])).toThrow(/needs a value/);
  });
});

describe('connection faults', () => {
  it('goaway-after-hello sends GOAWAY after Hello on the first connection only', async () => {
    const emu = await start({ faults: ['goaway-after-hello'] });
    const s1 = await session();
    const goaways: number[] = [];
    s1.on('goaway', (_code, last) => goaways.push(last));
    const goaway = new Promise<{ code: number; last: number }>((resolve) =>
      s1.once('goaway', (code, last) => resolve({ code, last })),
    );
    const dc1 = openDownchannel(s1);
    await dc1.waitParts(1);
    expect(await goaway).toEqual({ code: 0, last: 1 });

    // Within 1 s of the previous request the same token gets 429 (spec 2.4), so a well-behaved
    // client waits; a second token stands in for that wait here.
    const s2 = await session();
    let secondGoaway = false;
    s2.on('goaway', () => (secondGoaway = true));
    expect((await request(s2, 'GET', '/v1/directives')).status).toBe(429);
    const dc2 = await readyDownchannel(s2, 'second-token');

    await dc1.ended;
    expect(Buffer.concat(dc1.raw).toString('latin1')).toMatch(/\r\n--[0-9a-f]{60}--\r\n$/);
    await new Promise<void>((r) => (s1.closed ? r() : s1.once('close', () => r())));
    // Ours right after Hello; Node repeats it when the client answers with GOAWAY and on teardown.
    expect(goaways.length).toBeLessThanOrEqual(3);
    expect(goaways.every((last) => last === 1)).toBe(true);
    await sleep(120);
    expect(secondGoaway).toBe(false);
    expect(dc2.stream.closed).toBe(false);
    expect((await sendEvent(s2, textEvent('hello'))).status).toBe(200);
    await emu.waitFor((r) => r.connections[0]?.closedAt !== undefined);
  });

  it('drop-downchannel-after ends each downchannel after its Hello', async () => {
    const emu = await start({ faults: ['drop-downchannel-after=0.1'] });
    const s = await session();
    const dc = await readyDownchannel(s);
    await dc.ended;
    expect(Buffer.concat(dc.raw).toString('latin1')).toMatch(/\}\r\n--[0-9a-f]{60}--\r\n$/);
    expect(shape(decodeParts((await dc.headers)['content-type'], Buffer.concat(dc.raw)))).toEqual(['Clova.Hello']);
    const d = emu.record.downchannels[0]!;
    expect(d.endedAt! - d.helloAt!).toBeGreaterThanOrEqual(90);
    // Even after the old downchannel ended, a request within 1 s of the previous one is 429 (spec 2.4).
    expect(await openDownchannel(s).status).toBe(429);
    expect(await openDownchannel(s, 'another-token').status).toBe(200);
  });

  it('no-hello answers 200 and never sends Hello', async () => {
    const emu = await start({ faults: ['no-hello'] });
    const s = await session();
    const dc = openDownchannel(s);
    expect(await dc.status).toBe(200);
    await sleep(150);
    expect(dc.parts).toHaveLength(0);
    expect(dc.raw).toHaveLength(0);
    expect(emu.record.downchannels[0]!.helloAt).toBeUndefined();
  });

  it('downchannel-status answers the first N downchannel requests with the status', async () => {
    const emu = await start({ faults: ['downchannel-status=500:2'] });
    const s = await session();
    // One token per request keeps clear of the 1 s rule, which counts injected answers too.
    for (let i = 0; i < 2; i++) {
      const r = await request(s, 'GET', '/v1/directives', { token: `token-${i}` });
      expect(r.status).toBe(500);
      expect(r.parts[0]!.json!.directive.payload).toEqual({ code: 500, description: 'Injected fault: status 500' });
    }
    await readyDownchannel(s);
    expect(emu.record.downchannels.map((d) => d.status)).toEqual([500, 500, 200]);
  });

  it('downchannel-status=401 defaults to one request', async () => {
    await start({ faults: ['downchannel-status=401'] });
    const s = await session();
    expect((await request(s, 'GET', '/v1/directives')).status).toBe(401);
    expect(await openDownchannel(s, 'fresh-token').status).toBe(200);
  });

  it('no-ping-ack drops client PINGs, switchable at run time', async () => {
    const emu = await start({ faults: ['no-ping-ack'] });
    const s1 = await session();
    expect(await ping(s1, 200)).toBe('timeout');
    await emu.waitFor((r) => r.connections[0]?.pingsReceived === 1);
    // The rest of the connection still works.
    await readyDownchannel(s1);
    expect((await sendEvent(s1, textEvent('hello'))).status).toBe(200);

    emu.setFaults([]);
    const s2 = await session();
    expect(await ping(s2, 1000)).toBe('ack');
    emu.setFaults(['no-ping-ack']);
    const s3 = await session();
    expect(await ping(s3, 200)).toBe('timeout');
    expect(emu.record.connections.map((c) => c.pingsReceived)).toEqual([1, 1, 1]);
  });
});

describe('event faults', () => {
  it('event-status answers the first N events with the status, then normally', async () => {
    const emu = await start({ faults: ['event-status=503:1'] });
    const s = await session();
    await readyDownchannel(s);
    const first = await sendEvent(s, textEvent('hello'));
    expect(first.status).toBe(503);
    expect(first.parts[0]!.json!.directive.payload).toEqual({ code: 503, description: 'Injected fault: status 503' });
    expect((await sendEvent(s, textEvent('hello'))).status).toBe(200);
    expect(emu.record.events.map((e) => e.status)).toEqual([503, 200]);
  });

  it('event-status=204 answers every event with no content', async () => {
    await start({ faults: ['event-status=204'] });
    const s = await session();
    await readyDownchannel(s);
    for (let i = 0; i < 2; i++) {
      const r = await sendEvent(s, textEvent('hello'));
      expect(r.status).toBe(204);
      expect(r.body.length).toBe(0);
    }
  });

  it('event-delay waits before answering', async () => {
    await start({ faults: ['event-delay=200'] });
    const s = await session();
    await readyDownchannel(s);
    const t0 = Date.now();
    expect((await sendEvent(s, textEvent('hello'))).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('slow-frames writes bodies in small DATA frames that still decode', async () => {
    const emu = await start({ faults: ['slow-frames=7'] });
    const s = await session();
    const dc = await readyDownchannel(s);
    expect(dc.raw.length).toBeGreaterThan(10);
    expect(dc.raw.every((c) => c.length <= 7)).toBe(true);
    expect(dc.parts[0]!.json!.directive.header.name).toBe('Hello');
    emu.setFaults(['slow-frames=64']);
    const st = s.request({ ':method': 'GET', ':path': '/nowhere', authorization: 'Bearer t' });
    const chunks: Buffer[] = [];
    let ct = '';
    st.on('response', (h) => (ct = String(h['content-type'])));
    st.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => st.on('end', r));
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.length <= 64)).toBe(true);
    expect(decodeParts(ct, Buffer.concat(chunks))[0]!.json!.directive.payload.code).toBe(404);
  });

  it('attachment-size pads the Speak attachment with whole MP3 frames', async () => {
    const emulator = await start({ faults: ['attachment-size=20000'] });
    const s = await session();
    await readyDownchannel(s);
    const r = await sendEvent(s, textEvent('hello'));
    const att = r.parts[1]!;
    expect(att.json).toBeUndefined();
    expect(att.body.length).toBeGreaterThanOrEqual(20000);
    expect(att.body.length).toBeLessThan(20000 + 1500);
    expect(looksLikeMp3(att.body)).toBe(true);
    if (hasMpg123) expect(mpg123Decode(att.body).ok).toBe(true);
    const sent = emulator.record.attachments.at(-1)!;
    expect(sent).toMatchObject({ contentId: att.headers.contentId, bytes: att.body.length });
    expect(sent.sha256).toBe(createHash('sha256').update(att.body).digest('hex'));
  });

  it('extra-directives appends numbered RenderText directives', async () => {
    await start({ faults: ['extra-directives=3'] });
    const s = await session();
    await readyDownchannel(s);
    const ev = textEvent('hello');
    const r = await sendEvent(s, ev);
    expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText', 'Clova.RenderText', 'Clova.RenderText', 'Clova.RenderText']);
    expect(r.parts.slice(3).map((p) => p.json!.directive.payload.text)).toEqual(['directive 1', 'directive 2', 'directive 3']);
    expect(r.parts.slice(3).every((p) => p.json!.directive.header.dialogRequestId === ev.event.header.dialogRequestId)).toBe(true);
  });

  it('unknown-directive inserts Unknown.FutureDirective before RenderText', async () => {
    await start({ faults: ['unknown-directive'] });
    const s = await session();
    await readyDownchannel(s);
    const ev = textEvent('hello');
    const r = await sendEvent(s, ev);
    expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Unknown.FutureDirective', 'Clova.RenderText']);
    expect(r.parts[2]!.json!.directive.payload).toEqual({ note: 'clients must skip this' });
    expect(r.parts[2]!.json!.directive.header.dialogRequestId).toBe(ev.event.header.dialogRequestId);
  });

  it('stale-directive starts each answer with a RenderText of the previous dialog', async () => {
    await start({ faults: ['stale-directive'] });
    const s = await session();
    await readyDownchannel(s);
    const first = textEvent('hello');
    const r1 = await sendEvent(s, first);
    expect(shape(r1.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText']);
    const r2 = await sendEvent(s, textEvent('what time is it'));
    expect(shape(r2.parts)).toEqual(['Clova.RenderText', 'SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText']);
    expect(r2.parts[0]!.json!.directive.payload).toEqual({ text: 'stale answer from an older dialog' });
    expect(r2.parts[0]!.json!.directive.header.dialogRequestId).toBe(first.event.header.dialogRequestId);
  });

  it('attachment-first sends the attachment before its Speak', async () => {
    await start({ faults: ['attachment-first'] });
    const s = await session();
    await readyDownchannel(s);
    const r = await sendEvent(s, textEvent('weather'));
    expect(shape(r.parts)).toEqual(['attachment', 'SpeechSynthesizer.Speak', 'Clova.RenderText', 'Clova.RenderTemplate']);
    expect(r.parts[1]!.json!.directive.payload.url).toBe(`cid:${r.parts[0]!.headers.contentId}`);
  });

  it('shuffle reorders the parts of each answer', async () => {
    await start({ faults: ['shuffle'] });
    const s = await session();
    await readyDownchannel(s);
    const r = await sendEvent(s, textEvent('weather'));
    const order = shape(r.parts);
    expect(order).not.toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText', 'Clova.RenderTemplate']);
    expect([...order].sort()).toEqual(['Clova.RenderTemplate', 'Clova.RenderText', 'SpeechSynthesizer.Speak', 'attachment']);
  });

  it('content-id-brackets wraps Content-ID in angle brackets', async () => {
    await start({ faults: ['content-id-brackets'] });
    const s = await session();
    await readyDownchannel(s);
    const r = await sendEvent(s, textEvent('hello'));
    const raw = r.parts[1]!.headers.get('content-id')!;
    expect(raw).toMatch(/^<[0-9a-f-]{36}>$/);
    expect(r.parts[0]!.json!.directive.payload.url).toBe(`cid:${raw.slice(1, -1)}`);
  });

  it('quirky-content-type quotes the boundary and adds a trailing semicolon', async () => {
    await start({ faults: ['quirky-content-type'] });
    const s = await session();
    const dc = await readyDownchannel(s);
    expect((await dc.headers)['content-type']).toMatch(/^multipart\/related; boundary="[0-9a-f]{60}";$/);
    const r = await sendEvent(s, textEvent('hello'));
    expect(r.headers['content-type']).toMatch(/^multipart\/related; boundary="[0-9a-f]{60}";$/);
    expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText']);
  });

  it('form-data-response uses multipart/form-data', async () => {
    await start({ faults: ['form-data-response'] });
    const s = await session();
    const dc = await readyDownchannel(s);
    expect((await dc.headers)['content-type']).toMatch(/^multipart\/form-data; boundary=[0-9a-f]{60}$/);
    const r = await sendEvent(s, textEvent('hello', {}, newId()));
    expect(r.headers['content-type']).toMatch(/^multipart\/form-data; boundary=[0-9a-f]{60}$/);
    expect(r.parts).toHaveLength(3);
  });
});

describe('TLS', () => {
  it('serves h2 over TLS with a generated certificate', async () => {
    const emu = await start({ tls: true });
    expect(emu.url).toBe(`https://localhost:${emu.port}`);
    expect(emu.certPem).toContain('-----BEGIN CERTIFICATE-----');
    expect(emu.certPath).toMatch(/cert\.pem$/);
    const s = await session(emu.certPem);
    const dc = await readyDownchannel(s);
    expect(dc.parts[0]!.json!.directive.header.name).toBe('Hello');
    expect((await sendEvent(s, textEvent('hello'))).status).toBe(200);
    // 127.0.0.1 is in the certificate too.
    const s2 = await connect(`https://127.0.0.1:${emu.port}`, emu.certPem);
    try {
      expect((await request(s2, 'GET', '/ping')).status).toBe(204);
    } finally {
      await closeSession(s2);
    }
  });

  it('uses a given certificate and key', async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    const emu = await start({ tls: true, cert: pems.cert, key: pems.private });
    expect(emu.certPem).toBe(pems.cert);
    expect(readFileSync(emu.certPath!, 'utf8')).toBe(pems.cert);
    const s = await session(pems.cert);
    expect((await request(s, 'GET', '/ping')).status).toBe(204);
    // A certificate without its key is refused up front.
    await expect(startEmulator({ tls: true, cert: pems.cert })).rejects.toThrow(/together/);
  });
});

import http2, { type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { DirectoryAttachmentSink } from '../../../src/client/attachments.js';
import { CicClient, type ReceivedDirective } from '../../../src/client/client.js';
import type { SpeechProgress } from '../../../src/client/speech-queue.js';
import { ConnectionError, ServerError, TimeoutError, UsageError } from '../../../src/protocol/errors.js';
import { buildDirective } from '../../../src/protocol/messages.js';
import { MultipartEncoder } from '../../../src/protocol/multipart-encoder.js';
import { emulator, TOKEN } from '../../helpers/emulator.js';
import { FakeTimers } from '../../helpers/fake-timers.js';
import { drip, h2Peer, JSON_PART, wrongPeer, type WrongPeer } from './hostile-peers.js';

// A deliberately broken CIC peer for what the emulator never does: garbage, truncation, wrong types.

const UA = 'Acme/T/1.0.0 (Linux 6;x64)';
type EventAnswer = (stream: ServerHttp2Stream) => void;

const servers: http2.Http2Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

async function hostile(answer: EventAnswer, downchannel?: (stream: ServerHttp2Stream, enc: MultipartEncoder) => void) {
  const server = http2.createServer();
  servers.push(server);
  const seen = { downchannels: 0 };
  server.on('session', (s) => s.on('error', () => undefined));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers[':path'] === '/v1/directives') {
      seen.downchannels++;
      const enc = new MultipartEncoder();
      stream.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
      stream.write(enc.part(JSON_PART, JSON.stringify(buildDirective('Clova', 'Hello', {}))));
      downchannel?.(stream, enc);
    } else {
      stream.resume();
      stream.on('end', () => answer(stream));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new CicClient({ url, token: 'tok-hostile', userAgent: UA });
  return { client, seen };
}

describe('CicClient against a broken server', () => {
  it('rejects a 200 answer that is not multipart (exit 4 class)', async () => {
    const { client } = await hostile((s) => {
      s.respond({ ':status': 200, 'content-type': 'text/plain' });
      s.end('hello');
    });
    const err = await client.sendText('hi').catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringMatching(/unexpected content-type/) });
    expect(exitCodeFor(err)).toBe(4);
    await client.close();
  });

  it('rejects a truncated multipart answer without hanging', async () => {
    const { client } = await hostile((s) => {
      const enc = new MultipartEncoder();
      s.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
      s.end(enc.part(JSON_PART, '{"directive":{"header":{"namespace":"Clova","name":"RenderText"'));
    });
    const err = await client.sendText('hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as Error).message).toMatch(/could not be read/);
    await client.close();
  });

  it('skips a JSON part that is not a directive and keeps the rest', async () => {
    const { client } = await hostile((s) => {
      const enc = new MultipartEncoder();
      s.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
      s.write(enc.part(JSON_PART, '{"not":"a directive"}'));
      s.write(enc.part(JSON_PART, 'not json at all'));
      s.write(enc.part(JSON_PART, JSON.stringify(buildDirective('Clova', 'RenderText', { text: 'still here' }))));
      s.end(enc.end());
    });
    const texts: unknown[] = [];
    client.on('directive', (d) => texts.push(d.message.directive.payload.text));
    const r = await client.sendText('hi');
    expect(r.directives).toBe(1);
    expect(texts).toEqual(['still here']);
    await client.close();
  });

  it('reopens a downchannel that turns to garbage', async () => {
    const { client, seen } = await hostile(
      (s) => {
        s.respond({ ':status': 204 });
        s.end();
      },
      (stream, enc) => {
        if (seen.downchannels === 1) setTimeout(() => stream.write(`\r\n--${enc.boundary}XXXX garbage`), 20);
      },
    );
    await client.connect();
    await new Promise((r) => setTimeout(r, 1300));
    expect(seen.downchannels).toBe(2);
    expect((await client.sendText('hi')).status).toBe(204);
    await client.close();
  });

  it('a server that refuses the event on every connection (GOAWAY after Hello) ends in a ConnectionError, exit 4', async () => {
    const emu = await emulator({ faults: ['goaway-after-hello=6'] });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA, backoff: { baseMs: 20, debounceMs: 0 } });
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n));
    try {
      await client.connect();
      const err = await client.sendText('hello').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect(exitCodeFor(err)).toBe(4);
      expect((err as Error).message).toMatch(/^the server refused TextRecognizer\.Recognize 4 times \(GOAWAY/);
      // Each attempt went out on a new connection and none was processed.
      const posts = emu.record.requests.filter((q) => q.path === '/v1/events');
      expect(posts.every((q) => q.status !== 200)).toBe(true);
    } finally {
      await client.close();
    }
    expect(notices.filter((n) => /client is closed/.test(n))).toEqual([]);
  });
});

/** A server that greets, then never reads an event's body: flow control never opens beyond the window. */
async function stallingServer(initialWindowSize: number) {
  return h2Peer({ initialWindowSize });
}

/** `parts` parts of 6,400 bytes, optionally `gapMs` apart (a paced source). */
async function* audio(parts: number, gapMs = 0): AsyncGenerator<Buffer> {
  for (let i = 0; i < parts; i++) {
    if (gapMs > 0 && i > 0) await new Promise((r) => setTimeout(r, gapMs));
    yield Buffer.alloc(6400, 7);
  }
}

describe('CicClient against a server that stops reading', () => {
  for (const window of [0, 1]) {
    for (const gapMs of [0, 20]) {
      it(`a stalled upload (window ${window}, ${gapMs ? 'paced' : 'fast'} source) is cancelled with RST_STREAM CANCEL and fails with a TimeoutError`, async () => {
        const { url, events } = await stallingServer(window);
        const client = new CicClient({ url, token: TOKEN, userAgent: UA });
        try {
          await client.connect();
          const err = await client.recognize(audio(1000, gapMs), { lang: 'en', timeoutMs: 600 }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(TimeoutError);
          expect(exitCodeFor(err)).toBe(4);
          expect((err as Error).message).toMatch(/^the server stopped reading the audio upload: no progress for 600 ms; /);
          expect(events).toHaveLength(1);
          expect(await events[0]).toBe(http2.constants.NGHTTP2_CANCEL);
        } finally {
          await client.close();
        }
      });
    }
  }

  it('a closed body that the server never takes fails after the timeout with the same reason', async () => {
    const { url, events } = await stallingServer(0);
    const client = new CicClient({ url, token: TOKEN, userAgent: UA });
    try {
      await client.connect();
      // Two parts fit in the stream's buffer: the body is closed at once, but never sent.
      const err = await client.recognize(audio(2), { lang: 'en', timeoutMs: 500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(/^the server stopped reading the audio upload: no progress for 500 ms/);
      expect(await events[0]).toBe(http2.constants.NGHTTP2_CANCEL);
    } finally {
      await client.close();
    }
  });

  it('a text request the server never reads fails after the timeout, saying so', async () => {
    const { url, events } = await stallingServer(0);
    const client = new CicClient({ url, token: TOKEN, userAgent: UA });
    try {
      await client.connect();
      const err = await client.sendText('hello', { timeoutMs: 500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(/^the server stopped reading the TextRecognizer\.Recognize request: its body was not taken within 500 ms/);
      expect(await events[0]).toBe(http2.constants.NGHTTP2_CANCEL);
    } finally {
      await client.close();
    }
  });

  it('without a timeout option, a stalled upload still ends: after the default 30000 ms', async () => {
    const timers = new FakeTimers();
    const { url, events } = await stallingServer(0);
    const client = new CicClient({ url, token: TOKEN, userAgent: UA, timers });
    let parts = 0;
    client.on('upload', (p) => (parts = p.parts));
    try {
      await client.connect();
      const turn = client.recognize(audio(1000), { lang: 'en' });
      turn.catch(() => undefined);
      let outcome: unknown;
      void turn.then(
        () => (outcome = 'answered'),
        (e: unknown) => (outcome = e),
      );
      // The stream buffer takes three parts; the wait for flow control starts right after the third.
      while (parts < 3) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      timers.advance(29_999);
      await new Promise((r) => setTimeout(r, 50));
      expect(outcome).toBeUndefined();
      for (let i = 0; i < 3 && outcome === undefined; i++) {
        timers.advance(30_000);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(outcome).toBeInstanceOf(TimeoutError);
      expect((outcome as Error).message).toMatch(/no progress for 30000 ms/);
      expect(await events[0]).toBe(http2.constants.NGHTTP2_CANCEL);
    } finally {
      await client.close();
    }
  });

  it('waiting for a slow source is not a stall: parts further apart than the timeout still make a turn', async () => {
    const { client } = await hostile((s) => {
      s.respond({ ':status': 204 });
      s.end();
    });
    try {
      await client.connect();
      const r = await client.recognize(audio(3, 1500), { lang: 'en', timeoutMs: 1000 });
      expect(r).toMatchObject({ status: 204, audioParts: 3, uploadEnded: 'end-of-input' });
    } finally {
      await client.close();
    }
  });
});

describe('CicClient against a peer that does not speak HTTP/2', () => {
  const cases: Array<{ peer: WrongPeer; scheme: 'http' | 'https'; message: RegExp }> = [
    { peer: 'http1', scheme: 'http', message: /^the server at http:\/\/127\.0\.0\.1:\d+ answered HTTP\/1\.1 400, not HTTP\/2; check --server$/ },
    { peer: 'garbage', scheme: 'http', message: /^the server at http:\/\/127\.0\.0\.1:\d+ does not speak HTTP\/2 \(it sent "garbage garbage garbage\.+"\); check --server$/ },
    { peer: 'tls', scheme: 'http', message: /^the server at http:\/\/127\.0\.0\.1:(\d+) speaks TLS: use https:\/\/127\.0\.0\.1:\1$/ },
    { peer: 'https1', scheme: 'http', message: /^the server at http:\/\/127\.0\.0\.1:(\d+) speaks TLS: use https:\/\/127\.0\.0\.1:\1$/ },
    { peer: 'h2c', scheme: 'https', message: /^the server at https:\/\/127\.0\.0\.1:(\d+) does not speak TLS: it is a cleartext HTTP\/2 server: use http:\/\/127\.0\.0\.1:\1$/ },
    { peer: 'http1', scheme: 'https', message: /^the server at https:\/\/127\.0\.0\.1:\d+ does not speak TLS: it answered HTTP\/1\.1 400 in cleartext; check --server$/ },
    { peer: 'garbage', scheme: 'https', message: /^the server at https:\/\/127\.0\.0\.1:\d+ does not speak TLS \(it sent "garbage garbage garbage\.+"\); check --server$/ },
    { peer: 'https1', scheme: 'https', message: /^the server at https:\/\/127\.0\.0\.1:\d+ speaks TLS but not HTTP\/2 \(it refused ALPN h2\); is it an HTTP\/1\.1 server\? check --server$/ },
    { peer: 'tls', scheme: 'https', message: /^the server at https:\/\/127\.0\.0\.1:\d+ speaks TLS but did not agree to HTTP\/2 \(no ALPN h2\)/ },
  ];
  for (const { peer, scheme, message } of cases) {
    it(`${scheme}:// to a ${peer} peer: reported at once (exit 4, not retried) with what was found`, async () => {
      const p = await wrongPeer(peer);
      const client = new CicClient({ url: `${scheme}://127.0.0.1:${p.port}`, token: TOKEN, userAgent: UA, insecure: true });
      const notices: string[] = [];
      client.on('notice', (n) => notices.push(n));
      try {
        const err = await client.connect({ timeoutMs: 20000 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConnectionError);
        expect(err).toMatchObject({ code: 'E_NOT_HTTP2' });
      expect(exitCodeFor(err)).toBe(4);
        expect((err as Error).message).toMatch(message);
        expect((err as Error).message).not.toMatch(/\n/);
        // One attempt, plus at most two short probes (cleartext, then TLS) that carry no token.
        expect(p.connections()).toBeLessThanOrEqual(3);
        expect(notices.filter((n) => /retrying/.test(n))).toEqual([]);
      } finally {
        await client.close();
      }
    });
  }
});

describe('CicClient against a peer that accepts and says nothing', () => {
  it('connect: no HTTP/2 SETTINGS within the Hello timeout is reported as such (exit 4, not retried)', async () => {
    const p = await wrongPeer('silent');
    const client = new CicClient({ url: `http://127.0.0.1:${p.port}`, token: TOKEN, userAgent: UA, helloTimeoutMs: 300 });
    try {
      const err = await client.connect({ timeoutMs: 20000 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_NOT_HTTP2' });
      expect(exitCodeFor(err)).toBe(4);
      expect((err as Error).message).toMatch(/accepted the connection but sent no HTTP\/2 SETTINGS within 300 ms/);
      expect(p.connections()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('a text turn that never gets a usable connection ends at its timeout, saying so', async () => {
    const p = await wrongPeer('silent');
    const client = new CicClient({ url: `http://127.0.0.1:${p.port}`, token: TOKEN, userAgent: UA, helloTimeoutMs: 20000 });
    try {
      const err = await client.sendText('hello', { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(/^could not send TextRecognizer\.Recognize: no usable connection to the server within 300 ms/);
    } finally {
      await client.close();
    }
  });

  it('a voice turn that never gets a usable connection ends at its timeout, saying so', async () => {
    const p = await wrongPeer('silent');
    const client = new CicClient({ url: `http://127.0.0.1:${p.port}`, token: TOKEN, userAgent: UA, helloTimeoutMs: 20000 });
    try {
      const err = await client.recognize(audio(3), { lang: 'en', timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(/^could not send SpeechRecognizer\.Recognize: no usable connection to the server within 300 ms/);
    } finally {
      await client.close();
    }
  });
});

describe('CicClient and big JSON parts', () => {
  const bigText = 'q}'.repeat(2_000_000); // 4 MB of text, every other byte a `}`
  const parsesOfBigParts = (calls: unknown[][]) => calls.filter((c) => typeof c[0] === 'string' && c[0].length > 1_000_000).length;

  it('a 4 MB downchannel directive dripped in 1 KiB DATA frames is delivered, parsed once', async () => {
    const big = buildDirective('Clova', 'RenderText', { text: bigText });
    const peer = await h2Peer({
      downchannel: (stream, enc) => void drip(stream, enc.part(JSON_PART, JSON.stringify(big)).subarray(0), 1024),
    });
    const client = new CicClient({ url: peer.url, token: TOKEN, userAgent: UA });
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const got = new Promise<ReceivedDirective>((resolve) => client.on('directive', resolve));
      await client.connect();
      const d = await got;
      expect(d.source).toBe('downchannel');
      expect((d.message.directive.payload.text as string).length).toBe(bigText.length);
      expect(parsesOfBigParts(parse.mock.calls)).toBe(1);
    } finally {
      parse.mockRestore();
      await client.close();
    }
  });

  it('a 4 MB directive dripped in 1 KiB DATA frames in an answer is delivered, parsed once', async () => {
    const peer = await h2Peer({
      event: (s) => {
        s.resume();
        s.on('end', () => {
          const enc = new MultipartEncoder();
          s.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
          const body = Buffer.concat([enc.part(JSON_PART, JSON.stringify(buildDirective('Clova', 'RenderText', { text: bigText }))), enc.end()]);
          void drip(s, body, 1024).then(() => s.end());
        });
      },
    });
    const client = new CicClient({ url: peer.url, token: TOKEN, userAgent: UA });
    const parse = vi.spyOn(JSON, 'parse');
    try {
      await client.connect();
      const texts: number[] = [];
      client.on('directive', (d) => texts.push((d.message.directive.payload.text as string).length));
      const r = await client.sendText('hello', { timeoutMs: 20000 });
      expect(r.directives).toBe(1);
      expect(texts).toEqual([bigText.length]);
      expect(parsesOfBigParts(parse.mock.calls)).toBe(1);
    } finally {
      parse.mockRestore();
      await client.close();
    }
  });

  for (const where of ['answer', 'downchannel'] as const) {
    it(`a directive of more than 4 MiB (${where}) is dropped with one notice; what follows still arrives`, async () => {
      const huge = JSON.stringify(buildDirective('Clova', 'RenderText', { text: 'H'.repeat(6 * 1024 * 1024) }));
      const after = JSON.stringify(buildDirective('Clova', 'RenderText', { text: 'after the huge one' }));
      const peer = await h2Peer({
        downchannel:
          where === 'downchannel'
            ? (stream, enc) => void drip(stream, Buffer.concat([enc.part(JSON_PART, huge), enc.part(JSON_PART, after)]), 64 * 1024)
            : undefined,
        event: (s) => {
          s.resume();
          s.on('end', () => {
            const enc = new MultipartEncoder();
            s.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
            const parts = where === 'answer' ? [enc.part(JSON_PART, huge), enc.part(JSON_PART, after)] : [];
            void drip(s, Buffer.concat([...parts, enc.end()]), 64 * 1024).then(() => s.end());
          });
        },
      });
      const client = new CicClient({ url: peer.url, token: TOKEN, userAgent: UA });
      const notices: string[] = [];
      const traces: string[] = [];
      client.on('notice', (n) => notices.push(n));
      client.on('trace', (t) => traces.push(t));
      try {
        const got = new Promise<ReceivedDirective>((resolve) => client.on('directive', resolve));
        await client.connect();
        if (where === 'answer') await client.sendText('hello', { timeoutMs: 20000 });
        const d = await got;
        expect(d.message.directive.payload.text).toBe('after the huge one');
        expect(notices).toEqual([`a directive of more than 4 MiB ${where === 'answer' ? 'in the answer' : 'on the downchannel'} was dropped`]);
        expect(traces.join('\n')).toMatch(/JSON part "" of \d+ B dropped: larger than 4 MiB/);
      } finally {
        await client.close();
      }
    });
  }
});

describe('CicClient and an attachment too large to play', () => {
  it('a Speak whose attachment is over 64 MiB is skipped as too large, not as "never arrived"', async () => {
    // The emulator's largest attachment: 64 MiB rounded up to whole MP3 frames, a little more than the limit.
    const emu = await emulator({ faults: [`attachment-size=${64 * 1024 * 1024}`] });
    const played: number[] = [];
    const progress: SpeechProgress[] = [];
    const client = new CicClient({
      url: emu.url,
      token: TOKEN,
      userAgent: UA,
      speech: { play: async (mp3) => void played.push(mp3.length) },
    });
    client.on('speech', (p) => progress.push(p));
    try {
      await client.connect();
      await client.sendText('hello', { timeoutMs: 60000 });
      await client.speechIdle();
      expect(played).toEqual([]);
      const skipped = progress.filter((p) => p.phase === 'skipped');
      expect(skipped).toHaveLength(1);
      expect(skipped[0]!.reason).toMatch(/^its attachment of \d+ bytes is larger than 64 MiB, the most this client plays$/);
      expect(Number(/of (\d+) bytes/.exec(skipped[0]!.reason!)![1])).toBeGreaterThan(64 * 1024 * 1024);
    } finally {
      await client.close();
    }
  });
});

describe('CicClient: every failure is a ClovaError that says what happened', () => {
  it('a --save-audio directory that cannot be written is a usage error naming the file, not a broken connection', async () => {
    const emu = await emulator();
    const dir = join(mkdtempSync(join(tmpdir(), 'clova-save-')), 'gone');
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA, attachments: new DirectoryAttachmentSink(dir) });
    try {
      await client.connect();
      const err = await client.sendText('hello', { timeoutMs: 20000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err).toMatchObject({ code: 'E_SAVE_AUDIO' });
      expect(exitCodeFor(err)).toBe(2);
      expect((err as Error).message).toMatch(/^cannot write speech to .*gone\/speech-[^ ]+\.mp3 \(ENOENT\); check --save-audio$/);
    } finally {
      await client.close();
    }
  });
});

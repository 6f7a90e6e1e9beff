import http2 from 'node:http2';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDirective } from '../../src/protocol/messages.js';
import { MultipartEncoder } from '../../src/protocol/multipart-encoder.js';
import { ndjson, runCli, type CliResult } from '../helpers/cli.js';
import { TOKEN } from '../helpers/emulator.js';
import { buildWav, sine } from '../helpers/wav.js';
import { drip, h2Peer, JSON_PART, wrongPeer, type WrongPeer } from '../unit/client/hostile-peers.js';

// The real CLI against servers that misbehave in ways the emulator never does: it must end by
// itself, with the documented exit code (never 1) and one error line that says what happened.

const KILL_MS = 60_000;
const env = { CLOVA_ACCESS_TOKEN: TOKEN };
const dir = mkdtempSync(join(tmpdir(), 'clova-hostile-'));
const wav = join(dir, 'tone.wav');
// 5 s of a tone: 25 audio parts, far more than the 16 KiB a stream buffers before flow control.
writeFileSync(wav, buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [sine(440, 5, 16000, 0.4)]));

function run(args: string[]): Promise<CliResult> {
  return runCli(args, { env, timeoutMs: KILL_MS });
}

/** It ended by itself with `code`, and its last stderr line is its only error line; returns that line. */
function failedCleanly(r: CliResult, code: number): string {
  expect(r.signal).toBeNull();
  expect(r.ms).toBeLessThan(KILL_MS / 2);
  expect(r.code).toBe(code);
  expect(r.code).not.toBe(1);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines.filter((l) => l.includes('clova-cli: error:'))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(/^clova-cli: error: /);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  expect(r.stderr + r.stdout).not.toContain(TOKEN);
  return lines.at(-1)!;
}

describe('clova-cli against a server that stops reading (e2e)', () => {
  const cases = [
    { window: 0, realtime: false },
    { window: 0, realtime: true },
    { window: 1, realtime: false },
    { window: 1, realtime: true },
  ];
  for (const { window, realtime } of cases) {
    it(`recognize${realtime ? ' --realtime' : ''}, window ${window}: exit 4 after --timeout, the upload cancelled`, async () => {
      const peer = await h2Peer({ initialWindowSize: window });
      const r = await run(['recognize', wav, '--server', peer.url, '--timeout', '1500', ...(realtime ? ['--realtime'] : [])]);
      const line = failedCleanly(r, 4);
      expect(line).toMatch(/^clova-cli: error: the server stopped reading the audio upload: no progress for 1500 ms; /);
      expect(peer.events).toHaveLength(1);
      expect(await peer.events[0]).toBe(http2.constants.NGHTTP2_CANCEL);
    });
  }

  it('text, window 0: exit 4 after --timeout, saying the server did not read the request', async () => {
    const peer = await h2Peer({ initialWindowSize: 0 });
    const r = await run(['text', 'hello', '--server', peer.url, '--timeout', '1000']);
    const line = failedCleanly(r, 4);
    expect(line).toMatch(/^clova-cli: error: the server stopped reading the TextRecognizer\.Recognize request: its body was not taken within 1000 ms/);
    expect(await peer.events[0]).toBe(http2.constants.NGHTTP2_CANCEL);
  });
});

describe('clova-cli against a peer that does not speak HTTP/2 (e2e)', () => {
  const cases: Array<{ peer: WrongPeer; scheme: 'http' | 'https'; message: RegExp }> = [
    { peer: 'http1', scheme: 'http', message: /answered HTTP\/1\.1 400, not HTTP\/2; check --server$/ },
    { peer: 'garbage', scheme: 'http', message: /does not speak HTTP\/2 \(it sent "garbage garbage garbage\.+"\); check --server$/ },
    { peer: 'tls', scheme: 'http', message: /speaks TLS: use https:\/\/127\.0\.0\.1:\d+$/ },
    { peer: 'h2c', scheme: 'https', message: /does not speak TLS: it is a cleartext HTTP\/2 server: use http:\/\/127\.0\.0\.1:\d+$/ },
  ];
  for (const { peer, scheme, message } of cases) {
    it(`${scheme}:// to a ${peer} peer: exit 4 at once, not retried, with what was found`, async () => {
      const p = await wrongPeer(peer);
      const url = `${scheme}://127.0.0.1:${p.port}`;
      const r = await run(['text', 'hello', '--server', url, ...(scheme === 'https' ? ['--insecure'] : [])]);
      const line = failedCleanly(r, 4);
      expect(line).toMatch(new RegExp(`^clova-cli: error: the server at ${url.replace(/[.:/]/g, '\\$&')} `));
      expect(line).toMatch(message);
      expect(r.stderr).not.toMatch(/retrying/);
      expect(p.connections()).toBeLessThanOrEqual(3);
    });
  }
});

describe('clova-cli against a server that refuses every request (e2e)', () => {
  it('repeated GOAWAY: exit 4 saying the request was refused, not an internal error', async () => {
    const r = await run(['text', 'hello', '--emulator', '--emulator-fault', 'goaway-after-hello=4']);
    const line = failedCleanly(r, 4);
    expect(line).toMatch(/^clova-cli: error: the server refused TextRecognizer\.Recognize 4 times \(GOAWAY/);
    expect(r.stderr).not.toMatch(/internal error|client is closed/);
  });
});

describe('clova-cli and big directives (e2e)', () => {
  /** A server whose answer to every event is `parts` (JSON part bodies), dripped in `size`-byte DATA frames. */
  function answering(parts: string[], size: number) {
    return h2Peer({
      event: (s) => {
        s.resume();
        s.on('end', () => {
          const enc = new MultipartEncoder();
          s.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
          void drip(s, Buffer.concat([...parts.map((p) => enc.part(JSON_PART, p)), enc.end()]), size).then(() => s.end());
        });
      },
    });
  }

  it('a 4 MB directive dripped in 1 KiB frames: delivered whole, exit 0', async () => {
    const text = 'w'.repeat(4_000_000);
    const peer = await answering([JSON.stringify(buildDirective('Clova', 'RenderText', { text }))], 1024);
    const r = await run(['text', 'hello', '--server', peer.url, '--json']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    const directives = ndjson(r.stdout).filter((l) => l.type === 'directive');
    expect(directives).toHaveLength(1);
    expect(directives[0]!.directive.payload.text).toBe(text);
  });

  it('a directive over 4 MiB: dropped with one notice, the rest shown, exit 0', async () => {
    const huge = JSON.stringify(buildDirective('Clova', 'RenderText', { text: 'H'.repeat(5 * 1024 * 1024) }));
    const after = JSON.stringify(buildDirective('Clova', 'RenderText', { text: 'the answer after it' }));
    const peer = await answering([huge, after], 64 * 1024);
    const r = await run(['text', 'hello', '--server', peer.url]);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the answer after it');
    expect(r.stdout).not.toContain('HHHH');
    expect(r.stderr.split('\n').filter((l) => l.includes('4 MiB'))).toEqual(['clova-cli: a directive of more than 4 MiB in the answer was dropped']);
    expect(r.stderr).not.toMatch(/error/);
  });
});

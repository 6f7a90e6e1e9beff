// Peak RSS of `clova-cli text hello` (with a player) against a hostile server streaming uncited
// 8 MiB attachments on the downchannel and in the answer for ATTACH_BENCH_SECONDS (default 40),
// as a ratio to the same command against a normal answer. Runnable alone: `node bench/attachments.js`.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDirective, MultipartEncoder } from '../dist/protocol/index.js';

const CLI = fileURLToPath(new URL('../bin/clova-cli.js', import.meta.url));
const JSON_PART = [['Content-Type', 'application/json; charset=utf-8']];
const BIN = [['Content-Type', 'application/octet-stream']];
const JUNK = Buffer.alloc(8 * 1024 * 1024, 0x55);

/** Writes uncited 8 MiB attachments to `stream` (with backpressure) until `until`, then calls `done`. */
function flood(stream, enc, until, done) {
  let n = 0;
  const more = () => {
    while (Date.now() < until && !stream.destroyed) {
      if (!stream.write(enc.part([['Content-ID', `junk-${n++}`], ...BIN], JUNK))) return void stream.once('drain', more);
    }
    done();
  };
  more();
}

async function server(hostile, seconds) {
  const s = http2.createServer();
  s.on('session', (ss) => ss.on('error', () => undefined));
  s.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const enc = new MultipartEncoder();
    if (headers[':path'] === '/v1/directives') {
      stream.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
      stream.write(enc.part(JSON_PART, JSON.stringify(buildDirective('Clova', 'Hello', {}))));
      if (hostile) flood(stream, enc, Date.now() + seconds * 1000, () => undefined);
      return;
    }
    const body = [];
    stream.on('data', (d) => body.push(d));
    stream.on('end', () => {
      if (!Buffer.concat(body).includes('TextRecognizer')) return void stream.respond({ ':status': 204 }, { endStream: true });
      stream.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
      const finish = () => {
        const speak = buildDirective('SpeechSynthesizer', 'Speak', { format: 'AUDIO_MPEG', token: 't', url: 'cid:real' }, 'd');
        stream.write(enc.part(JSON_PART, JSON.stringify(speak)));
        stream.write(enc.part([['Content-ID', 'real'], ...BIN], Buffer.alloc(16 * 1024)));
        stream.end(enc.end());
      };
      if (hostile) flood(stream, enc, Date.now() + seconds * 1000, finish);
      else finish();
    });
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function run(hostile, seconds, player) {
  const s = await server(hostile, seconds);
  const url = `http://127.0.0.1:${s.address().port}`;
  const child = spawn(process.execPath, [CLI, 'text', 'hello', '--server', url, '--player', player], {
    env: { ...process.env, CLOVA_ACCESS_TOKEN: 'tok-bench-attachments' },
    stdio: 'ignore',
  });
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakRss(child.pid))), 50);
  const code = await new Promise((r) => child.on('close', (c) => r(c)));
  clearInterval(poll);
  s.close();
  return { peak, code };
}

export async function attachmentsBench(seconds = Number(process.env.ATTACH_BENCH_SECONDS ?? 40)) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-attach-'));
  const player = join(dir, 'player');
  writeFileSync(player, '#!/bin/sh\ncat >/dev/null\n');
  chmodSync(player, 0o755);
  const normal = await run(false, seconds, player);
  const hostile = await run(true, seconds, player);
  return { seconds, normal, hostile, ratio: hostile.peak / normal.peak };
}

export function attachmentsMarkdown(r) {
  const mb = (b) => (b / 1e6).toFixed(0);
  return [
    '## Uncited attachments',
    '',
    `Peak RSS of \`clova-cli text hello --player <discard>\` against a server streaming uncited 8 MiB attachments on the downchannel and in the answer for ${r.seconds} s: ${mb(r.hostile.peak)} MB (exit ${r.hostile.code}), against a normal answer: ${mb(r.normal.peak)} MB (exit ${r.normal.code}); ratio **${r.ratio.toFixed(2)}** (want <= 1.3).`,
    '',
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await attachmentsBench();
  console.log(attachmentsMarkdown(r).join('\n'));
  process.exit(0);
}

// Network benches against an in-process emulator: CicClient versus a raw node:http2 client that
// sends the same bytes. Both sides share this process (and its event loop) with the emulator, so
// the emulator's own cost is in both figures and the ratio shows what the client adds.
import http2 from 'node:http2';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CicClient, DirectoryAttachmentSink } from '../dist/client/index.js';
import {
  MultipartEncoder,
  METADATA_PART_HEADERS,
  buildContext,
  buildTextRecognize,
  defaultClientState,
  newId,
} from '../dist/protocol/index.js';
import { benchUserAgent, fmt, median, msSince, percentile } from './stats.js';

const USER_AGENT = benchUserAgent();
const MB = 1e6;

/**
 * The baseline: a bare http2 session with a downchannel open (and greeted) on the same emulator,
 * as the emulator requires before it accepts events (spec 1.3).
 */
export async function openRawSession(url, token) {
  const session = http2.connect(url);
  session.on('error', () => undefined);
  await once(session, 'connect');
  const auth = { authorization: `Bearer ${token}`, 'user-agent': USER_AGENT };
  const downchannel = session.request({ ':method': 'GET', ':path': '/v1/directives', ...auth }, { endStream: true });
  downchannel.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    let seen = '';
    let greeted = false;
    downchannel.on('response', (h) => {
      if (h[':status'] !== 200) reject(new Error(`raw downchannel answered ${h[':status']}`));
    });
    downchannel.on('data', (chunk) => {
      if (greeted) return; // keep draining whatever the downchannel pushes later
      seen += chunk.toString('latin1');
      if (seen.includes('"Hello"')) {
        greeted = true;
        resolve();
      }
    });
    downchannel.on('close', () => reject(new Error('raw downchannel closed before Hello')));
  });

  /** The body of one TextRecognizer.Recognize event, as CicClient builds it. */
  const eventBody = (text) => {
    const encoder = new MultipartEncoder();
    const event = buildTextRecognize({ text }, newId(), buildContext(defaultClientState()));
    const body = Buffer.concat([encoder.part(METADATA_PART_HEADERS, JSON.stringify(event)), encoder.end()]);
    return { body, contentType: encoder.contentType() };
  };

  /** POSTs the event; `consume(stream)` reads the response body and resolves with its byte count. */
  const post = (text, consume) =>
    new Promise((resolve, reject) => {
      const { body, contentType } = eventBody(text);
      const stream = session.request({ ':method': 'POST', ':path': '/v1/events', ...auth, 'content-type': contentType });
      stream.on('error', reject);
      stream.on('response', (h) => {
        const status = h[':status'];
        if (status !== 200) {
          stream.resume();
          reject(new Error(`raw POST answered ${status}`));
          return;
        }
        consume(stream).then((bytes) => resolve({ status, bytes }), reject);
      });
      stream.end(body);
    });

  return {
    /** Reads the whole response body into memory. */
    sendText: (text) =>
      post(
        text,
        (stream) =>
          new Promise((resolve, reject) => {
            const chunks = [];
            let bytes = 0;
            stream.on('data', (c) => {
              chunks.push(c);
              bytes += c.length;
            });
            stream.on('end', () => {
              Buffer.concat(chunks, bytes);
              resolve(bytes);
            });
            stream.on('error', reject);
          }),
      ),
    /** Streams the whole response body to a file. */
    saveText: (text, path) =>
      post(text, async (stream) => {
        let bytes = 0;
        stream.on('data', (c) => {
          bytes += c.length;
        });
        await pipeline(stream, createWriteStream(path));
        return bytes;
      }),
    close: async () => {
      if (!downchannel.closed) downchannel.close(http2.constants.NGHTTP2_CANCEL);
      const closed = once(session, 'close');
      session.close();
      await closed;
    },
  };
}

async function openClient(url, token, attachments) {
  const client = new CicClient({ url, token, userAgent: USER_AGENT, attachments });
  await client.connect({ timeoutMs: 10000 });
  return client;
}

/** Request round trip: sequential `sendText('hello')`, latency of each. */
export async function roundTrip(url, { warmup = 50, rounds = 8, perRound = 50 } = {}) {
  const raw = await openRawSession(url, 'bench-raw');
  const client = await openClient(url, 'bench-client');
  let directives = 0;
  client.on('directive', () => directives++);
  const rawMs = [];
  const clientMs = [];
  let rawBytes = 0;
  const runRaw = async (n, keep) => {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const r = await raw.sendText('hello');
      const ms = msSince(t0);
      rawBytes = r.bytes;
      if (keep) rawMs.push(ms);
    }
  };
  const runClient = async (n, keep) => {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const r = await client.sendText('hello');
      const ms = msSince(t0);
      if (r.status !== 200 || r.directives === 0) throw new Error(`client answer ${r.status} with ${r.directives} directives`);
      if (keep) clientMs.push(ms);
    }
  };
  try {
    await runRaw(warmup, false);
    await runClient(warmup, false);
    // Interleaved rounds, alternating which side goes first, so drift (GC, CPU frequency) hits both.
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        await runRaw(perRound, true);
        await runClient(perRound, true);
      } else {
        await runClient(perRound, true);
        await runRaw(perRound, true);
      }
    }
  } finally {
    await client.close();
    await raw.close();
  }
  return {
    requests: rawMs.length,
    warmup,
    responseBytes: rawBytes,
    directivesPerRequest: directives / (warmup + rounds * perRound),
    raw: { median: median(rawMs), p95: percentile(rawMs, 95), mean: rawMs.reduce((a, b) => a + b, 0) / rawMs.length },
    client: {
      median: median(clientMs),
      p95: percentile(clientMs, 95),
      mean: clientMs.reduce((a, b) => a + b, 0) / clientMs.length,
    },
  };
}

/** Speech download to a file: the emulator must run with `attachment-size=<bytes>`. */
export async function download(url, { warmup = 3, runs = 20 } = {}) {
  const dir = await mkdtemp(join(os.tmpdir(), 'clova-bench-'));
  let raw;
  let client;
  try {
    raw = await openRawSession(url, 'bench-raw-dl');
    let audio;
    client = await openClient(url, 'bench-client-dl', new DirectoryAttachmentSink(dir));
    client.on('audio', (a) => {
      audio = a;
    });
    const rawRuns = [];
    const clientRuns = [];
    const runRaw = async (keep) => {
      const path = join(dir, `raw-${newId()}.bin`);
      const t0 = process.hrtime.bigint();
      const r = await raw.saveText('hello', path);
      const ms = msSince(t0);
      await unlink(path);
      if (keep) rawRuns.push({ ms, bytes: r.bytes });
    };
    const runClient = async (keep) => {
      audio = undefined;
      const t0 = process.hrtime.bigint();
      const r = await client.sendText('hello');
      const ms = msSince(t0);
      if (r.status !== 200 || !audio?.path) throw new Error('client download: no saved attachment');
      await unlink(audio.path);
      if (keep) clientRuns.push({ ms, bytes: audio.bytes });
    };
    for (let i = 0; i < warmup; i++) {
      await runRaw(false);
      await runClient(false);
    }
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        await runRaw(true);
        await runClient(true);
      } else {
        await runClient(true);
        await runRaw(true);
      }
    }
    const summary = (list) => ({
      bytes: list[0].bytes,
      medianMs: median(list.map((r) => r.ms)),
      bestMs: Math.min(...list.map((r) => r.ms)),
      medianMBps: median(list.map((r) => r.bytes / MB / (r.ms / 1000))),
      bestMBps: Math.max(...list.map((r) => r.bytes / MB / (r.ms / 1000))),
    });
    return { runs, warmup, raw: summary(rawRuns), client: summary(clientRuns) };
  } finally {
    await client?.close();
    await raw?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Markdown for the two network sections. */
export function networkMarkdown(rt, dl, attachmentSize) {
  const lines = [];
  lines.push('## Request round trip, in-process');
  lines.push('');
  lines.push(
    `\`CicClient.sendText('hello')\` against an in-process emulator (h2c on 127.0.0.1, one connected client, ` +
      `${rt.requests} sequential requests after ${rt.warmup} warm-up requests) versus the baseline: a bare \`node:http2\` ` +
      'session with its own greeted downchannel on the same emulator that POSTs the same `multipart/form-data` ' +
      'TextRecognizer.Recognize event (protocol encoder + `buildTextRecognize`, same context and User-Agent) and reads ' +
      `the whole response body (${fmt(rt.responseBytes)} B: Speak, MP3 attachment, RenderText) into memory. Requests run ` +
      'in interleaved rounds of 50, alternating which side goes first. Latency = `sendText` call to resolution / ' +
      'request to response end. The emulator shares the event loop, so its work is in both columns.',
  );
  lines.push('');
  lines.push('| Path | Requests | Median (ms) | p95 (ms) | Mean (ms) | Median ratio to raw | p95 ratio to raw |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of [
    ['raw `node:http2` (baseline)', rt.raw],
    ['`CicClient.sendText`', rt.client],
  ]) {
    lines.push(
      `| ${name} | ${rt.requests} | ${fmt(r.median, 3)} | ${fmt(r.p95, 3)} | ${fmt(r.mean, 3)} | ` +
        `${fmt(r.median / rt.raw.median, 2)} | ${fmt(r.p95 / rt.raw.p95, 2)} |`,
    );
  }
  lines.push('');
  lines.push('## Speech download to a file');
  lines.push('');
  lines.push(
    `Emulator with \`attachment-size=${attachmentSize}\`: each \`hello\` answer carries a ${fmt(dl.client.bytes)}-byte MP3. ` +
      '`CicClient` with a `DirectoryAttachmentSink` into a temp dir (decodes the multipart body, streams the attachment ' +
      'to a `.partial` file, renames it when its Speak is delivered) versus the baseline: the same raw request whose ' +
      `whole ${fmt(dl.raw.bytes)}-byte response body is piped to a file with \`stream.pipeline\`. Time = request to file ` +
      `complete (including the emulator building the answer). ${dl.runs} runs each after ${dl.warmup} warm-ups, interleaved; ` +
      'MB/s = bytes written / time, MB = 10^6 bytes; files are deleted after each run.',
  );
  lines.push('');
  lines.push('| Path | Bytes to disk | Median (ms) | Median MB/s | Best MB/s | Ratio to raw (median) | Ratio to raw (best) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of [
    ['raw `node:http2` body piped to a file (baseline)', dl.raw],
    ['`CicClient` + `DirectoryAttachmentSink`', dl.client],
  ]) {
    lines.push(
      `| ${name} | ${fmt(r.bytes)} | ${fmt(r.medianMs, 1)} | ${fmt(r.medianMBps, 1)} | ${fmt(r.bestMBps, 1)} | ` +
        `${fmt(r.medianMBps / dl.raw.medianMBps, 2)} | ${fmt(r.bestMBps / dl.raw.bestMBps, 2)} |`,
    );
  }
  lines.push('');
  return lines;
}

// npm run bench: multipart decoder throughput and memory, request round trip, speech download,
// CLI start-up, the audio input pipeline, the whole voice upload path (CLI process -> emulator
// process), the emulator under many requests and the downchannel JSON cost, each figure against a
// baseline measured in the same run (or, for memory, against itself earlier in the run), and last a
// `chat` session soaked against an emulator process for SOAK_SECONDS (default 600). Writes
// bench/results.md, headline figures first. No network beyond emulators on 127.0.0.1, no
// dependencies beyond dist/; WAV inputs are written to a temp dir and removed at the end.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MultipartDecoder } from '../dist/protocol/index.js';
import { startEmulator } from '../dist/emulator/index.js';
import { KiB, MiB, buildBody, directiveJson } from './multipart-body.js';
import { download, networkMarkdown, roundTrip } from './client.js';
import { startup, startupHeadline, startupMarkdown } from './startup.js';
import { audioBench, audioMarkdown } from './audio.js';
import { uploadBench, uploadMarkdown } from './upload.js';
import { emulatorLoad, emulatorLoadMarkdown } from './emulator-load.js';
import { jsonCost, jsonCostMarkdown } from './json-cost.js';
import { resamplerBench } from './resampler.js';
import { ctrlC, ctrlCMarkdown } from './ctrl-c.js';
import { alertsFlood, alertsFloodMarkdown } from './alerts-flood.js';
import { procAvailable } from './proc.js';
import { soak, soakHeadline, soakMarkdown } from './soak.js';
import { writeToneWav } from './wav-file.js';
import { attachmentsBench, attachmentsMarkdown } from './attachments.js';

const RUNS = 7;
const PAIRS = 10; // 10 x (JSON part + 5 MiB binary part) = about 52 MB
const STREAM_MB = 200;
const MB = 1e6;

const started = Date.now();
const { body, boundary, parts, payloadBytes } = buildBody(PAIRS, 5 * MiB);
const delimiter = Buffer.from(`\r\n--${boundary}`);
const jsonBytes = Buffer.byteLength(directiveJson(0));

function chunk(buf, size) {
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

function check(name, gotParts, gotBytes) {
  if (gotParts !== parts || gotBytes !== payloadBytes) {
    throw new Error(`${name}: decoded ${gotParts} parts / ${gotBytes} bytes, expected ${parts} / ${payloadBytes}`);
  }
}

/** Best (shortest) time of RUNS runs after one warm-up, in seconds. */
function best(fn) {
  fn();
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return min;
}

/** The floor: Buffer.indexOf over the whole body already in memory, finding every delimiter. */
function indexOfFloor() {
  let n = 0;
  for (let i = body.indexOf(delimiter); i >= 0; i = body.indexOf(delimiter, i + delimiter.length)) n++;
  if (n !== parts) throw new Error(`indexOf floor found ${n} delimiters`);
}

/** Our streaming decoder, fed pre-cut chunks. */
function ours(chunks) {
  return () => {
    let p = 0;
    let bytes = 0;
    const d = new MultipartDecoder(boundary, {
      partBegin() {
        p++;
      },
      partData(c) {
        bytes += c.length;
      },
      partEnd() {},
    });
    for (const c of chunks) d.write(c);
    d.end();
    check('MultipartDecoder', p, bytes);
  };
}

/** A naive parser: keep every chunk, concatenate at the end, then split with indexOf. */
function naive(chunks) {
  return () => {
    const all = Buffer.concat(chunks);
    const first = Buffer.from(`--${boundary}`);
    let pos = all.indexOf(first) + first.length;
    let p = 0;
    let bytes = 0;
    for (;;) {
      if (all[pos] === 0x2d && all[pos + 1] === 0x2d) break; // close delimiter
      const headerEnd = all.indexOf('\r\n\r\n', pos);
      const headers = all.toString('latin1', pos + 2, headerEnd).split('\r\n');
      if (headers.length === 0) throw new Error('no headers');
      const next = all.indexOf(delimiter, headerEnd + 4);
      const partBody = all.subarray(headerEnd + 4, next);
      p++;
      bytes += partBody.length;
      pos = next + delimiter.length;
    }
    check('naive', p, bytes);
  };
}

const rows = [];
const floorSeconds = best(indexOfFloor);
const floorMBps = body.length / MB / floorSeconds;
rows.push(['`Buffer.indexOf` over the whole body in memory (floor)', floorMBps]);
for (const size of [64 * KiB, 16 * KiB, 1 * KiB]) {
  const chunks = chunk(body, size);
  rows.push([`MultipartDecoder, ${size / KiB} KiB chunks`, body.length / MB / best(ours(chunks))]);
}
rows.push(['naive concat-then-indexOf parser, 16 KiB chunks', body.length / MB / best(naive(chunk(body, 16 * KiB)))]);

function rssRun(mode) {
  const child = spawnSync(process.execPath, [fileURLToPath(new URL('./rss-child.js', import.meta.url)), mode, String(STREAM_MB)], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`rss-child ${mode} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}
const streamed = rssRun('decode');
const retained = rssRun('retain');

// Network and start-up benches against in-process emulators (spawnSync is not used from here on:
// the emulator runs on this event loop and must keep serving while children run).
const ATTACHMENT_SIZE = 2_000_000;
const step = (name) => process.stderr.write(`bench: ${name}...\n`);
const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
let rt;
let dl;
let su;
try {
  step('request round trip');
  rt = await roundTrip(emulator.url);
  const big = await startEmulator({ host: '127.0.0.1', port: 0, faults: [`attachment-size=${ATTACHMENT_SIZE}`] });
  try {
    step('speech download');
    dl = await download(big.url);
  } finally {
    await big.close();
  }
  step('CLI start-up');
  su = await startup(emulator.url);
} finally {
  await emulator.close();
}

/**
 * Runs one figure; a failure becomes an "n/a" section with the reason instead of ending the bench
 * (the figures are re-run on code that other branches change).
 */
async function figure(title, run, markdown) {
  try {
    const result = await run();
    return { result, lines: markdown(result) };
  } catch (e) {
    process.stderr.write(`bench: ${title} failed: ${e.stack ?? e}\n`);
    return { lines: [`## ${title}`, '', `n/a: ${String(e.message ?? e).split('\n')[0]}`, ''] };
  }
}

const wavDir = mkdtempSync(join(os.tmpdir(), 'clova-bench-wav-'));
let au;
let up;
let load;
let json;
try {
  step('writing WAV inputs');
  const inputs = {
    mono1h: writeToneWav(join(wavDir, 'tone-16k-mono-1h.wav'), 16000, 1, 3600),
    mono2h: writeToneWav(join(wavDir, 'tone-16k-mono-2h.wav'), 16000, 1, 7200),
    stereo10m: writeToneWav(join(wavDir, 'tone-44k-stereo-10min.wav'), 44100, 2, 600),
  };
  step('audio input');
  au = await figure('Audio input', () => audioBench(inputs), audioMarkdown);
  const proc = procAvailable();
  const needProc = () => {
    if (!proc) throw new Error('needs /proc/<pid>/status and /proc/<pid>/io (Linux)');
  };
  up = await figure('Voice upload, whole path', () => (needProc(), uploadBench(inputs, step)), uploadMarkdown);
  step('emulator under 120,000 requests');
  load = await figure('Emulator under many requests', () => (needProc(), emulatorLoad()), emulatorLoadMarkdown);
} finally {
  rmSync(wavDir, { recursive: true, force: true });
}
step('downchannel JSON part in 1 KiB chunks');
json = await figure('Downchannel JSON part', () => jsonCost(), jsonCostMarkdown);
step('Ctrl-C to exit, on a pseudo-terminal');
const ctrl = await figure('Ctrl-C to exit', () => ctrlC(), ctrlCMarkdown);
step('chat against 10,000 SetAlert directives');
const flood = await figure('Alerts flood', () => alertsFlood(), alertsFloodMarkdown);
step('resampler candidates against sox');
const resampler = await figure('Resampling 44.1 kHz stereo to 16 kHz mono', () => resamplerBench(), (r) => r.markdown.split('\n'));
step('uncited attachments against a hostile server');
const attach = await figure('Uncited attachments', () => attachmentsBench(), attachmentsMarkdown);
// Last, so its ten minutes disturb no other figure's timings.
const soaked = await figure(
  'Chat session soak',
  () => {
    if (!procAvailable()) throw new Error('needs /proc/<pid>/status (Linux)');
    return soak({ step });
  },
  soakMarkdown,
);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const mb = (bytes) => fmt(bytes / MB, 1);

/** The memory and CPU figures that say whether a defect is there, one line each, with their targets. */
function headline() {
  const out = ['## Headline: memory, CPU and start-up on the paths users run', ''];
  out.push(
    'Each value is explained in its section below; "n/a" means the figure failed (its section says why). For the ' +
      'voice upload, compare with the raw baseline\'s row: even a flat program grows while V8 warms up over the first ' +
      'minutes of audio, which end / at 10 % leaves out.',
  );
  out.push('');
  out.push('| Figure | Path | Measure | Value | Target |');
  out.push('|---|---|---|---:|---|');
  out.push(...startupHeadline(su));
  const ratio = (a, b) => (a && b ? fmt(a / b, 2) : 'n/a');
  for (const r of up.result ?? []) {
    if (r.baseline) continue;
    out.push(
      `| Voice upload, ${r.label} | \`recognize <file>\` → \`emulator\` | client RSS at end / at 1 min of audio (end / at 10 %) | ` +
        `${ratio(r.client?.late?.rss, r.client?.early?.rss)} (${ratio(r.client?.late?.rss, r.client?.tenth?.rss)}) | ≤ 1.1 |`,
    );
  }
  // The emulator's end includes building its answer (the process's first MP3 encoding), so its
  // independence of the input's length is read across inputs: the 2 h upload against the 1 h one.
  const emu1h = (up.result ?? []).find((r) => !r.baseline && r.label.startsWith('1 h'));
  const emu2h = (up.result ?? []).find((r) => !r.baseline && r.label.startsWith('2 h'));
  if (emu2h) {
    out.push(
      `| Voice upload, ${emu2h.label} | \`recognize <file>\` → \`emulator\` | emulator RSS at end / at 1 min of audio (answer built in between) | ` +
        `${ratio(emu2h.emulator?.late?.rss, emu2h.emulator?.early?.rss)} | (informative) |`,
    );
    out.push(
      `| Voice upload, 2 h vs 1 h input | \`recognize <file>\` → \`emulator\` | emulator RSS at end (peak), 2 h input / 1 h input | ` +
        `${ratio(emu2h.emulator?.late?.rss, emu1h?.emulator?.late?.rss)} (${ratio(emu2h.emulator?.peak, emu1h?.emulator?.peak)}) | ≤ 1.1 |`,
    );
  }
  for (const base of (up.result ?? []).filter((r) => r.baseline)) {
    out.push(
      `| Voice upload, ${base.label} | raw \`node:http2\` → \`emulator\` | client RSS at end / at 1 min of audio (end / at 10 %) | ` +
        `${ratio(base.client?.late?.rss, base.client?.early?.rss)} (${ratio(base.client?.late?.rss, base.client?.tenth?.rss)}) | (the floor) |`,
    );
  }
  const l = load.result;
  out.push(
    `| Emulator, ${l ? fmt(l.total) : 'n/a'} text requests | raw \`node:http2\` → \`emulator\` | emulator RSS at end / after 10 % | ` +
      `${ratio(l?.endRss, l?.tenthRss)} | ≤ 1.1 |`,
  );
  for (const j of json.result ?? []) {
    out.push(
      `| Downchannel 4 MB JSON part, ${j.where}, ${j.what} | \`ResponseReader\` | CPU, 1 KiB chunks / one piece | ` +
        `${ratio(j.dripped?.cpuSeconds, j.whole?.cpuSeconds)} | ≈ 1-3 |`,
    );
  }
  out.push(...soakHeadline(soaked.result));
  out.push('');
  return out;
}

const lines = [];
lines.push('# Benchmark results');
lines.push('');
lines.push(`- Date: ${new Date().toISOString()}`);
lines.push(`- Node: ${process.version} (${process.platform} ${process.arch})`);
lines.push(`- CPU: ${cpu} (${os.cpus().length} logical CPUs)`);
lines.push('');
lines.push(...headline());
lines.push('## Multipart decoder throughput');
lines.push('');
lines.push(
  `Body: ${mb(body.length)} MB, ${PAIRS} x (a ${jsonBytes}-byte JSON directive part + a 5 MiB random binary part), ` +
    `60-hex boundary, fed to each parser as pre-cut chunks. Best of ${RUNS} runs after a warm-up; MB = 10^6 bytes; ` +
    'ratio = MB/s divided by the floor\'s MB/s.',
);
lines.push('');
lines.push('| Parser | MB/s | Ratio to `indexOf` floor |');
lines.push('|---|---:|---:|');
for (const [name, mbps] of rows) lines.push(`| ${name} | ${fmt(mbps)} | ${fmt(mbps / floorMBps, 2)} |`);
lines.push('');
lines.push('## Memory while decoding a streamed body');
lines.push('');
lines.push(
  `A ${STREAM_MB} MB body (JSON parts + 5 MiB binary parts) generated on the fly in fresh 16 KiB chunks and decoded ` +
    'in a child process. RSS is sampled every 256 KiB; "before" is RSS after a 20 MB warm-up; the last two columns are ' +
    'the peaks over the first and the last quarter of the stream (equal when memory is flat). The control keeps every ' +
    '`partData` chunk, which is what a parser that buffers whole parts or bodies has to do.',
);
lines.push('');
lines.push('| Run | Streamed MB | Parts | RSS before (MB) | Peak RSS (MB) | Growth (MB) | Peak, 1st quarter | Peak, 4th quarter |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, r] of [
  ['MultipartDecoder, data discarded', streamed],
  ['control: same, every chunk retained', retained],
]) {
  lines.push(
    `| ${name} | ${mb(r.streamed)} | ${r.parts} | ${mb(r.before)} | ${mb(r.peak)} | ${mb(r.peak - r.before)} | ` +
      `${mb(r.quarters[0])} | ${mb(r.quarters[3])} |`,
  );
}
lines.push('');
const drift = streamed.quarters[3] - streamed.quarters[0];
lines.push(
  `Decoder: RSS grew ${mb(streamed.peak - streamed.before)} MB (garbage chunks awaiting GC) while ${mb(streamed.streamed)} MB ` +
    `went through; last-quarter peak minus first-quarter peak = ${mb(drift)} MB: ` +
    `${Math.abs(drift) < 16 * MiB ? 'flat' : 'NOT flat'}.`,
);
lines.push('');
lines.push(...networkMarkdown(rt, dl, ATTACHMENT_SIZE));
lines.push(...startupMarkdown(su));
lines.push(...au.lines);
lines.push(...up.lines);
lines.push(...load.lines);
lines.push(...json.lines);
lines.push(...ctrl.lines);
lines.push(...flood.lines);
lines.push(...attach.lines);
lines.push(...resampler.lines);
lines.push(...soaked.lines);
lines.push(`Total bench time: ${fmt((Date.now() - started) / 1000, 1)} s.`);
lines.push('');

const text = lines.join('\n');
process.stdout.write(text);
writeFileSync(new URL('./results.md', import.meta.url), text);

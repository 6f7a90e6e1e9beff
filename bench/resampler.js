// Resampler candidates side by side: the whole conversion the CLI does for 44.1 kHz stereo 16-bit
// (decode, downmix, resample, encode to L16 16 kHz mono) through the project's own PcmConverter,
// with each candidate plugged in as its resampler factory, against sox's `rate` effect in the same run.
// Speed: × real time over SECONDS of speech, best of RUNS, and the ratio to sox `rate -v` (wall time,
// process start included for sox). Agreement: SNR of each 16-bit output against sox `rate -v`
// written as 32-bit float, on tones and on espeak-ng speech (both made 44.1 kHz stereo by sox).
// Runnable alone (`node bench/resampler.js`, after `npm run build`) or from run.js via resamplerBench().
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PcmConverter, createResampler } from '../dist/audio/pcm-convert.js';
import { createSpeexResampler } from '../dist/audio/speex-resampler.js';

const SECONDS = Number(process.env.CLOVA_BENCH_RESAMPLER_SECONDS ?? 60);
const RUNS = 5;
const CHUNK = 65536; // what a file read hands the converter
const RATE = 44100;
const FORMAT = { encoding: 'pcm', bitsPerSample: 16, channels: 2, sampleRate: RATE };
const SPEECH =
  'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore, ' +
  'while six slippery snails slid slowly seaward. What is the weather like in Seoul tomorrow morning?';

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  return r;
}

/** 16-bit WAV bytes, interleaved, from per-channel float arrays. */
function wav16(channels, rate) {
  const n = channels[0].length;
  const data = Buffer.alloc(n * channels.length * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels.length; c++) {
      const v = Math.round(channels[c][i] * 32767);
      data.writeInt16LE(Math.max(-32768, Math.min(32767, v)), (i * channels.length + c) * 2);
    }
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels.length, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels.length * 2, 28);
  h.writeUInt16LE(channels.length * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** The data chunk of a canonical WAV written by sox or by wav16 (fmt then data, no extras). */
function wavData(bytes) {
  let o = 12;
  while (o + 8 <= bytes.length) {
    const id = bytes.toString('latin1', o, o + 4);
    const size = bytes.readUInt32LE(o + 4);
    if (id === 'data') return bytes.subarray(o + 8, o + 8 + Math.min(size, bytes.length - o - 8));
    o += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** Fixtures: tones (JS) and speech (espeak-ng), each 44.1 kHz stereo 16-bit by sox; speech looped to SECONDS. */
function fixtures(dir) {
  // Four tones across the band, the last near the top of the 16 kHz passband, different per channel.
  const n = RATE * 5;
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    left[i] = 0.2 * (Math.sin(2 * Math.PI * 440 * t) + Math.sin(2 * Math.PI * 3000 * t));
    right[i] = 0.2 * (Math.sin(2 * Math.PI * 1000 * t + 1) + Math.sin(2 * Math.PI * 6500 * t));
  }
  const tones = join(dir, 'tones.wav');
  writeFileSync(tones, wav16([left, right], RATE));
  const raw = join(dir, 'speech-22k.wav');
  run('espeak-ng', ['-w', raw, SPEECH]);
  const speech = join(dir, 'speech.wav');
  run('sox', [raw, '-r', String(RATE), '-c', '2', '-b', '16', speech, 'rate', '-v']);
  const once = wavData(readFileSync(speech));
  const frameBytes = 4;
  const total = RATE * SECONDS * frameBytes;
  const long = Buffer.alloc(total);
  for (let o = 0; o < total; o += once.length) once.copy(long, o, 0, Math.min(once.length, total - o));
  const longPath = join(dir, 'speech-long.wav');
  const header = wav16([new Float64Array(0), new Float64Array(0)], RATE).subarray(0, 44);
  header.writeUInt32LE(36 + long.length, 4);
  header.writeUInt32LE(long.length, 40);
  writeFileSync(longPath, Buffer.concat([header, long]));
  return { tones, speech, longPath, longData: long };
}

/** sox's conversion to 16 kHz mono as 32-bit float: the reference the candidates are compared with. */
function soxReference(dir, input, name) {
  const out = join(dir, `${name}-ref.wav`);
  run('sox', [input, '-e', 'floating-point', '-b', '32', '-r', '16000', '-c', '1', out, 'rate', '-v']);
  const d = wavData(readFileSync(out));
  return new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.length));
}

/** The project's whole conversion with `factory` as its resampler, fed CHUNK-byte reads. */
async function convert(factory, data) {
  const c = await PcmConverter.create(FORMAT, factory);
  try {
    const parts = [];
    for (let o = 0; o < data.length; o += CHUNK) parts.push(c.push(data.subarray(o, o + CHUNK)));
    parts.push(c.end());
    return Buffer.concat(parts);
  } finally {
    c.destroy();
  }
}

/** SNR in dB of L16 `out` against float `ref`, 50 ms trimmed at each end (edge handling differs). */
function snr(out, ref) {
  const n = Math.min(out.length / 2, ref.length);
  const skip = 800;
  let sig = 0;
  let err = 0;
  for (let i = skip; i < n - skip; i++) {
    const r = ref[i];
    const d = out.readInt16LE(i * 2) / 32768 - r;
    sig += r * r;
    err += d * d;
  }
  return 10 * Math.log10(sig / err);
}

async function timeConvert(factory, data) {
  const t0 = process.hrtime.bigint();
  await convert(factory, data);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function timeSox(input, args) {
  const t0 = process.hrtime.bigint();
  run('sox', [input, '-b', '16', '-r', '16000', '-c', '1', '-t', 'raw', '/dev/null', ...args]);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Best of RUNS for each entry, taken in rotation (one run of each, RUNS times) so that a burst of
 * load from elsewhere on a shared machine hits every candidate alike rather than one of them.
 */
async function bestTimes(entries) {
  const best = entries.map(() => Infinity);
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < entries.length; i++) best[i] = Math.min(best[i], await entries[i]());
  }
  return best;
}

/** Counts WebAssembly entry points used while `load` runs: tells whether a package really runs WASM. */
async function wasmCalls(load) {
  const names = ['instantiate', 'compile', 'instantiateStreaming', 'compileStreaming', 'validate'];
  const saved = {};
  let calls = 0;
  for (const k of names) {
    saved[k] = WebAssembly[k];
    WebAssembly[k] = function (...a) {
      calls++;
      return saved[k].apply(this, a);
    };
  }
  const SavedModule = WebAssembly.Module;
  const SavedInstance = WebAssembly.Instance;
  WebAssembly.Module = new Proxy(SavedModule, { construct: (t, a) => (calls++, new t(...a)) });
  WebAssembly.Instance = new Proxy(SavedInstance, { construct: (t, a) => (calls++, new t(...a)) });
  try {
    await load();
  } finally {
    for (const k of names) WebAssembly[k] = saved[k];
    WebAssembly.Module = SavedModule;
    WebAssembly.Instance = SavedInstance;
  }
  return calls;
}

/** libsamplerate-js (a devDependency, for this comparison only) at one converter type, as a PcmConverter factory. */
function libsamplerate(type) {
  return async (inRate, outRate) => {
    if (inRate !== 44100 || outRate !== 16000) throw new Error('bench factory is for 44.1 to 16 kHz only');
    const lib = createRequire(import.meta.url)('@alexanderolsen/libsamplerate-js');
    const src = await lib.create(1, 441, 160, { converterType: lib.ConverterType[type] });
    let destroyed = false;
    return {
      process: (x) => src.full(x),
      destroy() {
        if (!destroyed) src.destroy();
        destroyed = true;
      },
    };
  };
}

/** No filter at all: the cost of everything around the resampler. */
function picker(inRate, outRate) {
  let pos = 0; // input samples seen
  let next = 0; // index of the next output sample
  return {
    process(x) {
      const out = new Float32Array(Math.ceil((x.length * outRate) / inRate) + 1);
      let n = 0;
      for (let at = Math.round((next * inRate) / outRate); at < pos + x.length; at = Math.round((++next * inRate) / outRate)) out[n++] = x[at - pos];
      pos += x.length;
      return out.subarray(0, n);
    },
    destroy() {},
  };
}

function chain(a, b) {
  return { process: (x) => b.process(a.process(x)), destroy: () => (a.destroy(), b.destroy()) };
}

function hasLibsamplerate() {
  try {
    createRequire(import.meta.url).resolve('@alexanderolsen/libsamplerate-js');
    return true;
  } catch {
    return false;
  }
}

/** Measures every candidate; returns table rows and the markdown section for bench/results.md. */
export async function resamplerBench() {
  const dir = mkdtempSync(join(os.tmpdir(), 'clova-resampler-'));
  try {
    const fx = fixtures(dir);
    const refTones = soxReference(dir, fx.tones, 'tones');
    const refSpeech = soxReference(dir, fx.speech, 'speech');
    const tonesData = wavData(readFileSync(fx.tones));
    const speechData = wavData(readFileSync(fx.speech));

    // Before anything else has loaded a WASM module: the Speex count shows the counter works.
    const wasm = { speex: await wasmCalls(async () => (await import('@echogarden/speex-resampler-wasm/simd')).default()) };
    if (hasLibsamplerate()) {
      wasm.libsamplerate = await wasmCalls(async () => {
        const f = await libsamplerate('SRC_SINC_FASTEST')(44100, 16000);
        f.process(new Float32Array(4410));
        f.destroy();
      });
    }

    const candidates = [
      { name: '**clova-cli now** (`createResampler`: Speex q3 to 32 kHz, then q8 2:1)', factory: createResampler },
      { name: 'floor: decode, downmix, encode around a nearest-sample picker', factory: async (a, b) => picker(a, b) },
    ];
    if (hasLibsamplerate()) {
      for (const t of ['SRC_SINC_BEST_QUALITY', 'SRC_SINC_MEDIUM_QUALITY', 'SRC_SINC_FASTEST', 'SRC_LINEAR']) {
        candidates.push({ name: `libsamplerate-js ${t}${t === 'SRC_SINC_BEST_QUALITY' ? ' (clova-cli before)' : ''}`, factory: libsamplerate(t) });
      }
    }
    for (const q of [0, 3, 5, 7, 8, 9, 10]) {
      candidates.push({ name: `speex-resampler-wasm q${q}, one stage`, factory: (a, b) => createSpeexResampler(a, b, q, true) });
    }
    candidates.push({ name: 'speex-resampler-wasm q8, one stage, no SIMD build', factory: (a, b) => createSpeexResampler(a, b, 8, false) });
    for (const [q1, q2] of [[0, 8], [2, 8], [4, 8], [3, 7], [3, 10]]) {
      candidates.push({
        name: `speex two stages: q${q1} to 32 kHz, q${q2} 2:1`,
        factory: async (a, b) => chain(await createSpeexResampler(a, 2 * b, q1, true), await createSpeexResampler(2 * b, b, q2, true)),
      });
    }

    for (const c of candidates) await convert(c.factory, fx.longData.subarray(0, RATE * 16)); // warm-up: JIT, module load
    const times = await bestTimes([
      () => timeSox(fx.longPath, ['rate', '-v']),
      () => timeSox(fx.longPath, ['rate']),
      ...candidates.map((c) => () => timeConvert(c.factory, fx.longData)),
    ]);
    const soxV = times[0];
    const soxOut = (args, input) => {
      const out = join(dir, 'sox-out.raw');
      run('sox', [input, '-b', '16', '-r', '16000', '-c', '1', '-t', 'raw', out, ...args]);
      return readFileSync(out);
    };
    const rows = [
      { name: 'sox `rate -v` (reference, baseline)', wall: soxV, tones: Infinity, speech: Infinity },
      {
        name: 'sox `rate -v` to 16-bit (its own quantisation)',
        wall: soxV,
        tones: snr(soxOut(['rate', '-v'], fx.tones), refTones),
        speech: snr(soxOut(['rate', '-v'], fx.speech), refSpeech),
      },
      {
        name: 'sox `rate` (default, -h)',
        wall: times[1],
        tones: snr(soxOut(['rate'], fx.tones), refTones),
        speech: snr(soxOut(['rate'], fx.speech), refSpeech),
      },
    ];
    for (const [i, c] of candidates.entries()) {
      rows.push({
        name: c.name,
        wall: times[i + 2],
        tones: snr(await convert(c.factory, tonesData), refTones),
        speech: snr(await convert(c.factory, speechData), refSpeech),
      });
    }
    return { rows, soxV, wasm, markdown: resamplerMarkdown(rows, soxV, wasm) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function resamplerMarkdown(rows, soxV, wasm) {
  const lines = ['## Resampling: 44.1 kHz stereo 16-bit to L16 16 kHz mono', ''];
  lines.push(
    `The whole conversion (decode, downmix, resample, encode) through \`PcmConverter\` with each resampler, over ${SECONDS} s ` +
      `of espeak-ng speech fed in ${CHUNK / 1024} KiB reads, best of ${RUNS} taken in rotation; sox converts the same WAV file (process start ` +
      'included). SNR is each 16-bit output against sox `rate -v` written as 32-bit float, 50 ms trimmed at each end: ' +
      'tones are 440, 1000, 3000 and 6500 Hz; speech is espeak-ng made 44.1 kHz stereo by sox. ' +
      'The 16-bit output itself caps SNR (see sox `rate -v` to 16-bit).',
  );
  lines.push('');
  lines.push('| Resampler | Wall s | × real time | Time / sox -v | SNR tones (dB) | SNR speech (dB) |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const db = (v) => (v === Infinity ? '(ref)' : fmt(v, 1));
    lines.push(`| ${r.name} | ${fmt(r.wall, 3)} | ${fmt(SECONDS / r.wall, 0)} | ${fmt(r.wall / soxV, 2)} | ${db(r.tones)} | ${db(r.speech)} |`);
  }
  lines.push('');
  lines.push(
    `WebAssembly calls (instantiate, compile, new Module/Instance) while loading: speex-resampler-wasm ${wasm.speex}, ` +
      `libsamplerate-js (create and convert) ${wasm.libsamplerate ?? 'n/a'}: its emscripten build is wasm2js, plain ` +
      'JavaScript behind a stand-in WebAssembly object, and each create() allocates a 26.4 MB heap.',
  );
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await resamplerBench();
  process.stdout.write(`${r.markdown}\n`);
}

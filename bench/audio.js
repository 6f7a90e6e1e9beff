// Audio input pipeline (WAV reader + conversion + 200 ms chunking), each run in its own child
// process (bench/audio-child.js) so its memory is its own: an hour of 16 kHz mono passed through
// against a bare byte counter over the same generated stream, and 44.1 kHz stereo converted against
// sox (`rate -v`, its best quality) converting the same bytes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./audio-child.js', import.meta.url));

function run(mode, rate, channels, seconds) {
  const r = spawnSync(process.execPath, [child, mode, String(rate), String(channels), String(seconds)], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** Median of `runs` runs by wall time. */
function median(mode, rate, channels, seconds, runs) {
  const all = [];
  for (let i = 0; i < runs; i++) {
    const r = run(mode, rate, channels, seconds);
    if (!r) return undefined;
    all.push(r);
  }
  all.sort((a, b) => a.wall - b.wall);
  return all[Math.floor(all.length / 2)];
}

export function audioBench() {
  return {
    passthrough: median('ours', 16000, 1, 3600, 3),
    counter: median('count', 16000, 1, 3600, 3),
    convert: median('ours', 44100, 2, 300, 1),
    sox: median('sox', 44100, 2, 300, 3),
  };
}

export function audioMarkdown(a) {
  const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const mb = (b) => fmt(b / 1e6, 1);
  const lines = ['## Audio input: WAV to L16 16 kHz mono, 6400-byte parts', ''];
  lines.push(
    'A WAV generated on the fly (a 440 Hz tone, never held whole) read by `openAudioStream` and cut by `chunkPcm`, ' +
      'each run in a fresh process; RSS is sampled every 50 ms, and the last two columns are the peaks over the ' +
      'first and the last quarter of the run (equal when memory is flat). Median of 3 runs (the conversion: 1 run).',
  );
  lines.push('');
  lines.push('| Run | Audio | Wall s | × real time | Ratio to baseline | Peak RSS (MB) | 1st quarter | 4th quarter |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  const row = (name, r, base) => {
    if (!r) return lines.push(`| ${name} | | n/a | | | | | |`);
    lines.push(
      `| ${name} | ${r.seconds} s, ${r.rate} Hz ${r.channels} ch | ${fmt(r.wall, 2)} | ${fmt(r.seconds / r.wall, 0)} | ` +
        `${base ? fmt(r.wall / base.wall, 2) : '1.00'} | ${mb(r.peakRss)} | ${mb(r.firstQuarterRss)} | ${mb(r.lastQuarterRss)} |`,
    );
  };
  row('passthrough (16 kHz mono 16-bit, byte for byte)', a.passthrough, a.counter);
  row('baseline: count the bytes of the same stream', a.counter);
  row('conversion (libsamplerate best quality, downmix)', a.convert, a.sox);
  row('baseline: sox `rate -v 16000` on the same bytes', a.sox);
  lines.push('');
  lines.push(
    'Ratios are wall time over the baseline\'s (lower is better). The conversion costs CPU (best-quality sinc ' +
      'filter in WASM) but still runs far faster than real time, and memory stays flat for an hour of audio.',
  );
  lines.push('');
  return lines;
}

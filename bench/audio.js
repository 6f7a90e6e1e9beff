// Audio input pipeline, each run in its own child process (bench/audio-child.js) so its memory is its
// own. Path covered: the WAV file on disk → openAudioInput (read, parse, convert) → chunkPcm
// (6400-byte parts), i.e. what `clova-cli recognize <file>` does before the upload; the upload itself
// is in the whole-path figure (bench/upload.js). The 1 h 16 kHz mono file is passed through against
// a bare byte counter reading the same file; the 10 min 44.1 kHz stereo file is converted against
// sox (`rate -v`, its best quality) converting the same file.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./audio-child.js', import.meta.url));

function run(mode, input) {
  const r = spawnSync(
    process.execPath,
    [child, mode, input.path, String(input.rate), String(input.channels), String(input.seconds)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').at(-1) };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** Median of `runs` runs by wall time. */
function median(mode, input, runs) {
  const all = [];
  for (let i = 0; i < runs; i++) {
    const r = run(mode, input);
    if (r.error) return r;
    all.push(r);
  }
  all.sort((a, b) => a.wall - b.wall);
  return all[Math.floor(all.length / 2)];
}

/** `inputs.mono1h` and `inputs.stereo10m` are WAV files written by the bench (bench/wav-file.js). */
export function audioBench(inputs) {
  return {
    passthrough: median('ours', inputs.mono1h, 3),
    counter: median('count', inputs.mono1h, 3),
    convert: median('ours', inputs.stereo10m, 1),
    sox: median('sox', inputs.stereo10m, 3),
  };
}

export function audioMarkdown(a) {
  const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const mb = (b) => fmt(b / 1e6, 1);
  const lines = ['## Audio input: WAV file to L16 16 kHz mono, 6400-byte parts (before the upload)', ''];
  lines.push(
    'Path: a WAV file written by the bench (a 440 Hz tone) read by `openAudioInput` (the function `recognize <file>` ' +
      'uses: file read, header, conversion) and cut by `chunkPcm`, i.e. the user path up to, not including, the ' +
      'upload (the whole path, upload included, is the next figure). Each run is a fresh process; RSS is sampled ' +
      'every 50 ms, and the last two columns are the peaks over the first and the last quarter of the run (equal when ' +
      'memory is flat). Median of 3 runs (the conversion: 1 run).',
  );
  lines.push('');
  lines.push('| Run | Path | Audio | Wall s | × real time | Ratio to baseline | Peak RSS (MB) | 1st quarter | 4th quarter |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|');
  const row = (name, path, r, base) => {
    if (!r || r.error) return lines.push(`| ${name} | ${path} | n/a: ${r?.error ?? 'not run'} | | | | | | |`);
    lines.push(
      `| ${name} | ${path} | ${r.seconds} s, ${r.rate} Hz ${r.channels} ch | ${fmt(r.wall, 2)} | ${fmt(r.seconds / r.wall, 0)} | ` +
        `${base && !base.error ? fmt(r.wall / base.wall, 2) : '1.00'} | ${mb(r.peakRss)} | ${mb(r.firstQuarterRss)} | ${mb(r.lastQuarterRss)} |`,
    );
  };
  const ours = 'file → `openAudioInput` → `chunkPcm`';
  row('passthrough (16 kHz mono 16-bit, byte for byte)', ours, a.passthrough, a.counter);
  row('baseline: count the bytes of the same file', '`fs.createReadStream`', a.counter);
  row('conversion (Speex WASM, 2 stages via 32 kHz, downmix)', ours, a.convert, a.sox);
  row('baseline: sox `rate -v 16000` on the same file', 'sox process, output counted', a.sox);
  lines.push('');
  lines.push(
    'Ratios are wall time over the baseline\'s (lower is better). The conversion costs CPU (Speex\'s resampler ' +
      'in WebAssembly, quality 3 to 32 kHz then quality 8 2:1) but runs hundreds of times faster than real time.',
  );
  lines.push('');
  return lines;
}

// Memory on the whole path a user runs for a voice upload: a WAV file on disk ->
// `node bin/clova-cli.js recognize <file> --server <url> --json` (a real client process) -> a real
// `clova-cli emulator` process with the `no-stop-capture` fault (its VAD still decides at the 10 s
// cap, but StopCapture is withheld and the rest of the audio is read and discarded, so the client
// uploads the whole input and closes the body itself). No --realtime: as fast as flow control allows.
// The bench samples, every 10 ms, both processes' VmRSS and the client's write counter (wchar in
// /proc/<pid>/io: its socket plus a few stdout lines), which says how much audio has been sent.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI, ROOT, cleanEnv, startEmulatorProcess, waitExit } from './processes.js';
import { vmRss, writtenBytes } from './proc.js';
import { fmt } from './stats.js';

const RAW_CHILD = fileURLToPath(new URL('./upload-raw-child.js', import.meta.url));
const BYTES_PER_SECOND = 32000; // L16 16 kHz mono
const SAMPLE_MS = 10;
const EARLY_SECONDS = 60;

/** Uploads `input` once (CLI, or the raw baseline) to a fresh emulator process; samples both processes. */
async function uploadRun(input, { baseline = false, deadlineMs = 300_000 } = {}) {
  const emulator = await startEmulatorProcess(['--fault', 'no-stop-capture', '--recognizer', 'off']);
  const result = { input, baseline, emulatorIdleRss: vmRss(emulator.pid) };
  try {
    // The CLI runs as a user runs it (the executable); the baseline is a bare node program, with a
    // young generation kept at 1 MB when `baseline` is 'semi-space' (what the voice commands do).
    const [command, args] = baseline
      ? [process.execPath, [...(baseline === 'semi-space' ? ['--max-semi-space-size=1'] : []), RAW_CHILD, input.path, emulator.url]]
      : [CLI, ['recognize', input.path, '--server', emulator.url, '--json', '--timeout', '120000']];
    const t0 = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: ROOT,
      env: cleanEnv({ CLOVA_ACCESS_TOKEN: 'bench-upload-token' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (err.length < 64 * 1024) err += d;
    });
    const samples = [];
    const sample = () => {
      const rss = vmRss(child.pid);
      const written = writtenBytes(child.pid);
      if (rss === undefined || written === undefined) return;
      samples.push({ ms: Number(process.hrtime.bigint() - t0) / 1e6, rss, written, emulatorRss: vmRss(emulator.pid) });
    };
    const timer = setInterval(sample, SAMPLE_MS);
    const exit = await waitExit(child, deadlineMs);
    clearInterval(timer);
    result.wall = Number(process.hrtime.bigint() - t0) / 1e9;
    result.exit = exit;
    result.samples = samples;
    const response = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return undefined;
        }
      })
      .find((o) => o?.type === 'response');
    if (exit.killed) result.error = `killed after ${deadlineMs / 1000} s without finishing`;
    else if (exit.code !== 0) result.error = `exited ${exit.code ?? exit.signal}: ${err.trim().split('\n').at(-1) ?? ''}`;
    if (response) {
      result.audioBytes = response.audioBytes;
      result.uploadEnded = response.uploadEnded;
    }
    if (!result.error && typeof result.audioBytes !== 'number') {
      // No {"type":"response"} line with the count (a changed --json shape): the input's length is what must have gone out.
      result.audioBytes = input.seconds * BYTES_PER_SECOND;
      result.uploadEnded = 'end-of-input';
      result.note = 'audio bytes taken from the input length (the response line has no audioBytes)';
    }
  } finally {
    const stopped = await emulator.stop();
    if (stopped.killed) result.emulatorNote = 'did not exit within 10 s of SIGTERM';
  }
  return analyse(result);
}

/** Early/late points of a run, positioned by audio seconds sent. */
function analyse(r) {
  if (r.error || !r.audioBytes || r.samples.length === 0) return r;
  // Calibrate the write counter against the audio the client says it sent: multipart and HTTP/2
  // framing add a few percent, and the last sample sees (nearly) every byte written.
  const wirePerAudioByte = r.samples.at(-1).written / r.audioBytes;
  const sent = (s) => s.written / wirePerAudioByte / BYTES_PER_SECOND;
  const total = r.audioBytes / BYTES_PER_SECOND;
  const first = (seconds) => r.samples.find((s) => sent(s) >= seconds);
  if (process.env.BENCH_TRACE) {
    process.stderr.write(`${JSON.stringify(r.samples.map((s) => [Math.round(sent(s)), s.rss, s.emulatorRss]))}\n`);
  }
  const early = first(EARLY_SECONDS);
  const tenth = first(0.1 * total);
  // Single samples at each point (a maximum over a window would catch a GC swing the 1 min sample
  // does not). The client's end is when its input ran out; the emulator's is the last sample, when
  // it has read the whole body (it lags behind the client's socket buffers) and answered.
  const end = first(0.999 * total);
  const last = r.samples.at(-1);
  const point = (s, key) => (s && s[key] !== undefined ? { at: sent(s), rss: s[key] } : undefined);
  const peak = (key) => r.samples.reduce((m, s) => Math.max(m, s[key] ?? 0), 0);
  return {
    ...r,
    sentSeconds: total,
    wirePerAudioByte,
    samples: r.samples.length,
    client: { early: point(early, 'rss'), tenth: point(tenth, 'rss'), late: point(end, 'rss'), peak: peak('rss') },
    emulator: {
      early: point(early, 'emulatorRss'),
      tenth: point(tenth, 'emulatorRss'),
      late: point(last, 'emulatorRss'),
      peak: peak('emulatorRss'),
    },
  };
}

/**
 * Runs the whole-path uploads over the generated files: `inputs` maps a key to a file description
 * (path, rate, channels, seconds, dataBytes). Each run is independent: one failure is reported, not thrown.
 */
export async function uploadBench(inputs, step = () => undefined) {
  const runs = [];
  const one = async (key, label, options) => {
    const input = inputs[key];
    step(`whole-path upload: ${label}`);
    try {
      runs.push({ label, ...(await uploadRun(input, options)) });
    } catch (e) {
      runs.push({ label, input, baseline: options?.baseline ?? false, error: e.message });
    }
  };
  await one('mono1h', '1 h, 16 kHz mono (sent byte for byte)');
  await one('mono2h', '2 h, 16 kHz mono (sent byte for byte)');
  await one('stereo10m', '10 min, 44.1 kHz stereo (converted)');
  await one('mono2h', 'baseline: raw `node:http2` upload of the 2 h file', { baseline: true });
  await one('mono2h', 'baseline, bare node with a 1 MB young generation (`--max-semi-space-size=1`)', { baseline: 'semi-space' });
  return runs;
}

export function uploadMarkdown(runs) {
  const mb = (b) => (b === undefined ? 'n/a' : fmt(b / 1e6, 1));
  const pt = (p) => (p ? `${mb(p.rss)} (${fmt(p.at, 0)} s)` : 'n/a');
  const ratio = (a, b) => (a && b ? fmt(a.rss / b.rss, 2) : 'n/a');
  // The whole input must have gone out: the client's own account, and the length of the input.
  const whole = (r) => {
    const short = Math.abs(r.audioBytes - r.input.seconds * BYTES_PER_SECOND) > BYTES_PER_SECOND;
    if (r.uploadEnded === 'end-of-input' && !short) return '';
    return ` (NOT the whole input: ${r.uploadEnded}, ${fmt(r.input.seconds, 0)} s expected)`;
  };
  const lines = ['## Voice upload, whole path: WAV file → `clova-cli recognize` → `clova-cli emulator`', ''];
  lines.push(
    'Path: the user\'s command, `node bin/clova-cli.js recognize <file.wav> --server http://127.0.0.1:<port> --json` ' +
      '(file read, WAV parsing and conversion, 6400-byte parts, HTTP/2 upload, answer), against a separate ' +
      '`node bin/clova-cli.js emulator --port 0 --quiet --fault no-stop-capture --recognizer off` process: the fault ' +
      'keeps the capture open (the emulator\'s 10 s cap still ends the utterance, but StopCapture is withheld and the ' +
      'rest of the audio is read and discarded), so the whole input is uploaded, as fast as flow control allows. ' +
      'The inputs are 440 Hz tones written by the bench into a temp dir. Every 10 ms the bench reads both processes\' ' +
      '`VmRSS` and the client\'s write counter (`wchar` in /proc/<pid>/io), which positions each sample in seconds of ' +
      'audio sent (calibrated with the audio bytes the client reports at the end). "1 min" is the first sample at or ' +
      'after 60 s of audio sent, "10 %" the first at or after a tenth of the input, "end" (client) the first at the end ' +
      'of the input, "end" (emulator) the last sample, when it has read the whole body and answered; the audio ' +
      'position of each sample is in parentheses, peaks are over the whole run. Target once memory is flat: ' +
      'end / 1 min ≤ 1.1. The CLI runs as its executable; `recognize` stops V8 growing its young generation when it starts (docs/decisions.md, "A young generation that stays small"). The baseline (a bare `node:http2` program sending the same file as the same multipart ' +
      'body, bench/upload-raw-child.js) shows what flat looks like here, including how much of the 1 min → end ratio ' +
      'is only V8 warming up; end / 10 % leaves the warm-up out. MB = 10^6 bytes.',
  );
  lines.push('');
  lines.push('Client process (`clova-cli recognize`, or the baseline):');
  lines.push('');
  lines.push('| Input | Audio sent (s) | Wall s | × real time | RSS at 1 min (MB) | at 10 % | at end | Peak | **End / 1 min** | End / 10 % |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    if (r.error || !r.client) {
      lines.push(`| ${r.label} | n/a: ${r.error ?? 'no samples'} | | | | | | | | |`);
      continue;
    }
    const c = r.client;
    lines.push(
      `| ${r.label} | ${fmt(r.sentSeconds, 0)}${whole(r)}${r.note ? ` (${r.note})` : ''} | ${fmt(r.wall, 1)} | ` +
        `${fmt(r.sentSeconds / r.wall, 0)} | ${pt(c.early)} | ${pt(c.tenth)} | ${pt(c.late)} | ${mb(c.peak)} | ` +
        `**${ratio(c.late, c.early)}** | ${ratio(c.late, c.tenth)} |`,
    );
  }
  lines.push('');
  lines.push('Emulator process (`clova-cli emulator`) during the same runs:');
  lines.push('');
  lines.push('| Input | RSS idle (MB) | at 1 min | at 10 % | at end | Peak | **End / 1 min** |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    if (r.error || !r.emulator) {
      lines.push(`| ${r.label} | n/a | | | | | |`);
      continue;
    }
    const e = r.emulator;
    lines.push(
      `| ${r.label} | ${mb(r.emulatorIdleRss)} | ${pt(e.early)} | ${pt(e.tenth)} | ${pt(e.late)} | ${mb(e.peak)} | ` +
        `**${ratio(e.late, e.early)}**${r.emulatorNote ? ` (${r.emulatorNote})` : ''} |`,
    );
  }
  lines.push('');
  const verdict = runs
    .filter((r) => !r.baseline && r.client?.late && r.client?.early)
    .map((r) => `${r.label}: ${fmt(r.client.late.rss / r.client.early.rss, 2)} ${r.client.late.rss / r.client.early.rss <= 1.1 ? '(flat)' : '(GROWS)'}`);
  if (verdict.length) lines.push(`Client end / 1 min: ${verdict.join('; ')}.`, '');
  return lines;
}

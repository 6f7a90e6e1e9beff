// Ctrl-C: wall time from Ctrl-C typed on a pseudo-terminal to the exit of the CLI, in the middle of
// each request command's work, against a bare node process that exits on SIGINT (the floor)
// measured in the same run.
// Children are spawned asynchronously because the emulator they talk to runs in this process.
// Run alone with `node bench/ctrl-c.js` (after `npm run build`), or call ctrlC()/ctrlCMarkdown().
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../dist/emulator/index.js';
import { fmt, median, msSince } from './stats.js';

const CLI = fileURLToPath(new URL('../bin/clova-cli.js', import.meta.url));
const ALSA_SYSTEM_CONFIG = ['/usr/share/alsa/alsa.conf', '/etc/alsa/alsa.conf'].find((p) => existsSync(p));

/** A 44-byte WAV header for L16 16 kHz mono whose data size means "until end of input" (read to the end). */
function streamingWavHeader() {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(0xffffffff, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(32000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(0xffffffff, 40);
  return h;
}

/** `seconds` of a 440 Hz tone, L16 16 kHz mono. */
function tone(seconds) {
  const n = Math.round(seconds * 16000);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / 16000) * 9000), i * 2);
  return b;
}

function baseEnv(extra) {
  const env = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of Object.keys(env)) if (/^CLOVA_/.test(k) && !(k in extra)) delete env[k];
  return env;
}

const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/**
 * Spawns `node ...args` on a pseudo-terminal (util-linux `script`), so the CLI draws what it draws
 * for people (spinner, meter) and Ctrl-C typed there reaches the whole foreground group (the
 * recorder too), as at a keyboard; without `script`, SIGINT goes to node alone. Polls
 * `ready({ out })` every 5 ms, then types Ctrl-C; resolves with the ms from Ctrl-C to exit and
 * the exit code.
 */
function timeCtrlC(args, env, { ready, feed }) {
  return new Promise((resolve, reject) => {
    const line = [process.execPath, ...args].map((a) => JSON.stringify(a)).join(' ');
    const child = SCRIPT
      ? spawn(SCRIPT, ['-qec', `stty cols 120; ${line}`, '/dev/null'], { env: { ...env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    feed?.(child);
    let t0;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not get ready or exit: ${out.slice(-500)}`));
    }, 30000);
    const poll = setInterval(() => {
      if (t0 !== undefined || !ready({ out })) return;
      t0 = process.hrtime.bigint();
      if (SCRIPT) child.stdin.write('\x03');
      else child.kill('SIGINT');
    }, 5);
    child.on('exit', (code, signal) => {
      const ms = t0 === undefined ? NaN : msSince(t0);
      clearInterval(poll);
      clearTimeout(guard);
      if (t0 === undefined) reject(new Error(`node ${args.join(' ')} exited (${code ?? signal}) before Ctrl-C: ${out.slice(-500)}`));
      else resolve({ ms, code, out });
    });
  });
}

/** A FIFO that ALSA's file plugin reads as the capture device, fed 125 ms of audio every 125 ms. */
function fifoCapture(dir) {
  const fifo = join(dir, 'capture.fifo');
  spawnSync('mkfifo', [fifo]);
  // O_RDWR never blocks on a FIFO (Linux), and keeps it open whoever reads it.
  const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  const period = tone(0.125);
  const timer = setInterval(() => {
    try {
      writeSync(fd, period);
    } catch {
      // full (nobody reading): drop this period, as a sound card would
    }
  }, 125);
  const conf = join(dir, 'asound.conf');
  writeFileSync(conf, `pcm.!default { type file slave.pcm "null" file "/dev/null" infile "${fifo}" format "raw" }\n`);
  return {
    env: { ALSA_CONFIG_PATH: `${ALSA_SYSTEM_CONFIG}:${conf}` },
    close: () => {
      clearInterval(timer);
      closeSync(fd);
    },
  };
}

/**
 * Median ms from SIGINT to exit for each case over `runs` runs (after one warm-up), the cases
 * interleaved. Every CLI run must exit 130.
 */
export async function ctrlC({ runs = 7 } = {}) {
  const emu = await startEmulator({ host: '127.0.0.1', port: 0, faults: ['no-stop-capture'] });
  const dir = mkdtempSync(join(tmpdir(), 'clova-bench-ctrlc-'));
  const haveArecord = spawnSync('arecord', ['--version']).status === 0 && ALSA_SYSTEM_CONFIG !== undefined;
  const capture = haveArecord ? fifoCapture(dir) : undefined;
  // A file, not standard input: binary bytes typed into a terminal would be taken as keys (0x03 is Ctrl-C).
  const wav = join(dir, 'long.wav');
  writeFileSync(wav, Buffer.concat([streamingWavHeader(), tone(20)]));
  let n = 0;
  const token = () => `bench-ctrlc-${++n}`; // one per run: a second downchannel of a token within 1 s is a 429
  const partsOfLastEvent = (min) => () => (emu.record.events.at(-1)?.parts.length ?? 0) > min;
  const cases = [
    {
      key: 'node',
      label: 'bare `node` that exits on SIGINT (baseline)',
      args: ['-e', 'process.on("SIGINT",()=>process.exit(130));setInterval(()=>{},1e3);console.log("ready")'],
      env: () => baseEnv({}),
      ready: ({ out }) => out.includes('ready'),
    },
    {
      key: 'text',
      label: '`text -`, waiting for the next line after an answer',
      args: [CLI, 'text', '-', '--no-play', '--server', emu.url],
      env: () => baseEnv({ CLOVA_ACCESS_TOKEN: token() }),
      feed: (child) => child.stdin.write('hello\n'),
      ready: ({ out }) => out.includes('CLOVA:'),
    },
    {
      key: 'recognize',
      label: '`recognize long.wav --realtime`, while sending',
      args: [CLI, 'recognize', wav, '--realtime', '--no-play', '--server', emu.url],
      env: () => baseEnv({ CLOVA_ACCESS_TOKEN: token() }),
      ready: null, // set per run below
    },
    ...(capture
      ? [
          {
            key: 'listen',
            label: '`listen` (arecord on a paced FIFO), while sending',
            args: [CLI, 'listen', '--no-play', '--server', emu.url],
            env: () => baseEnv({ CLOVA_ACCESS_TOKEN: token(), ...capture.env }),
            ready: null,
          },
        ]
      : []),
  ];
  const times = Object.fromEntries(cases.map((c) => [c.key, []]));
  try {
    for (let i = 0; i < runs + 1; i++) {
      for (let j = 0; j < cases.length; j++) {
        const c = cases[(i + j) % cases.length];
        const events = emu.record.events.length;
        // Voice: SIGINT once a few parts of this run's own request have arrived.
        const ready = c.ready ?? (() => emu.record.events.length > events && partsOfLastEvent(2)());
        const r = await timeCtrlC(c.args, c.env(), { ready, feed: c.feed });
        if (r.code !== 130) throw new Error(`${c.label}: exit ${r.code} instead of 130: ${r.out.slice(-500)}`);
        if (i > 0) times[c.key].push(r.ms);
      }
    }
  } finally {
    capture?.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    runs,
    rows: cases.map((c) => ({
      key: c.key,
      label: c.label,
      median: median(times[c.key]),
      min: Math.min(...times[c.key]),
      max: Math.max(...times[c.key]),
    })),
  };
}

export function ctrlCMarkdown(s) {
  const node = s.rows.find((r) => r.key === 'node');
  const lines = [];
  lines.push('## Ctrl-C');
  lines.push('');
  lines.push(
    `Wall time from Ctrl-C (\`\\x03\` typed on a pseudo-terminal made by \`script\`, so the whole foreground group ` +
      `gets SIGINT, the recorder too, and the CLI draws its spinner and meter) to the exit of \`script\`, ${s.runs} runs ` +
      'each after one warm-up round, the cases interleaved; median. Each CLI run talks h2c to the in-process emulator ' +
      '(fault `no-stop-capture`, so voice keeps streaming) and must exit 130. The baseline is a bare `node` on the same ' +
      'terminal whose SIGINT handler calls `process.exit(130)`.',
  );
  lines.push('');
  lines.push('| Case | Median (ms) | Min (ms) | Max (ms) | Above the baseline (ms) |');
  lines.push('|---|---:|---:|---:|---:|');
  for (const r of s.rows) {
    lines.push(`| ${r.label} | ${fmt(r.median, 1)} | ${fmt(r.min, 1)} | ${fmt(r.max, 1)} | ${fmt(r.median - node.median, 1)} |`);
  }
  lines.push('');
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await ctrlC();
  console.log(ctrlCMarkdown(s).join('\n'));
}

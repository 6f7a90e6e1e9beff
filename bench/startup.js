// CLI start-up: wall time from spawn to exit, against two baselines measured in the same run: bare
// `node -e 0` for the commands that make no request, and a minimal raw node:http2 program
// (text-raw-child.js) for `text hello`. Each CLI command is timed twice: as `node bin/clova-cli.js`
// and as the executable `bin/clova-cli.js`, which a user runs (its shebang execs `env`, then node). Children are spawned asynchronously because the emulator they
// talk to runs in this process and has to keep serving while they run.
// `node bench/startup.js` runs this figure alone (it needs a built dist/).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, median, msSince } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../bin/clova-cli.js', import.meta.url));
const RAW_TEXT = fileURLToPath(new URL('./text-raw-child.js', import.meta.url));
const TRACE = fileURLToPath(new URL('./module-trace.js', import.meta.url));

/** Spawns `file ...args`, resolves with the wall time to exit in ms; rejects on a non-zero exit. */
function timeSpawn(file, args, env) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const t0 = process.hrtime.bigint();
    let exitMs = 0;
    const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', () => {
      exitMs = msSince(t0);
    });
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}: ${err.trim() || out.trim()}`));
      else resolve({ ms: exitMs, out, err });
    });
  });
}

/** The module files (ES and CommonJS) `node <args>` loads, counted by module-trace.js. */
async function modulesLoaded(args, env) {
  const file = join(os.tmpdir(), `clova-bench-modules-${process.pid}.txt`);
  rmSync(file, { force: true });
  try {
    await timeSpawn(process.execPath, ['--import', pathToFileURL(TRACE).href, ...args], { ...env, MODULE_TRACE_FILE: file });
    const urls = new Set(readFileSync(file, 'utf8').split('\n').filter((u) => u !== '' && !u.includes('/bench/module-trace')));
    return urls.size;
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Median wall time of each command over `runs` runs (after `warmup` runs), interleaved so that every
 * round runs every command once, the order rotated each round. Each request gets its own token: the
 * emulator answers 429 to a second downchannel request of one token within 1 s (spec 2.4), which
 * would add back-off.
 */
export async function startup(url, { warmup = 2, runs = 15 } = {}) {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('CLOVA_') || k === 'NODE_OPTIONS') delete base[k];
  base.NO_COLOR = '1';
  const token = (i, c) => ({ ...base, CLOVA_ACCESS_TOKEN: `bench-${c}-${i}` });
  const node = process.execPath;
  const text = ['text', 'hello', '--server', url, '--no-play'];
  const commands = [
    { key: 'node', group: 'bare', label: '`node -e 0` (baseline)', file: node, args: ['-e', '0'], env: () => base },
    { key: 'version', group: 'bare', label: '`node bin/clova-cli.js --version`', file: node, args: [CLI, '--version'], env: () => base },
    { key: 'versionExe', group: 'bare', label: '`bin/clova-cli.js --version` (executable)', file: CLI, args: ['--version'], env: () => base },
    { key: 'help', group: 'bare', label: '`node bin/clova-cli.js --help`', file: node, args: [CLI, '--help'], env: () => base },
    { key: 'helpExe', group: 'bare', label: '`bin/clova-cli.js --help` (executable)', file: CLI, args: ['--help'], env: () => base },
    {
      key: 'raw',
      group: 'request',
      label: '`node bench/text-raw-child.js <emulator>` (baseline: raw `node:http2`, one TextRecognizer.Recognize)',
      file: node,
      args: [RAW_TEXT, url],
      env: (i) => token(i, 'raw'),
    },
    { key: 'text', group: 'request', label: '`node bin/clova-cli.js text hello --server <emulator>`', file: node, args: [CLI, ...text], env: (i) => token(i, 'text') },
    {
      key: 'textExe',
      group: 'request',
      label: '`bin/clova-cli.js text hello --server <emulator>` (executable)',
      file: CLI,
      args: text,
      env: (i) => token(i, 'exe'),
    },
    {
      // The in-process emulator (`--emulator`): its start, its TLS-less listener and the first spoken
      // answer (eSpeak NG loaded, "Hello! Nice to meet you." synthesised and encoded) are all in the time.
      key: 'textEmulator',
      group: 'emulator',
      label: '`node bin/clova-cli.js text hello --emulator`',
      file: node,
      args: [CLI, 'text', 'hello', '--emulator', '--no-play'],
      env: () => base,
    },
  ];
  const times = Object.fromEntries(commands.map((c) => [c.key, []]));
  let sample;
  for (let i = 0; i < warmup + runs; i++) {
    for (let j = 0; j < commands.length; j++) {
      const c = commands[(i + j) % commands.length];
      const r = await timeSpawn(c.file, c.args, c.env(i));
      if (c.key === 'text') sample = r.out;
      if (i >= warmup) times[c.key].push(r.ms);
    }
  }
  if (!/hello/i.test(sample ?? '')) throw new Error(`clova-cli text printed no answer: ${sample}`);
  const modules = {
    version: await modulesLoaded([CLI, '--version'], base),
    help: await modulesLoaded([CLI, '--help'], base),
    text: await modulesLoaded([CLI, ...text], token(0, 'modules')),
  };
  return {
    runs,
    warmup,
    modules,
    rows: commands.map((c) => ({
      key: c.key,
      group: c.group,
      label: c.label,
      median: median(times[c.key]),
      min: Math.min(...times[c.key]),
      max: Math.max(...times[c.key]),
    })),
  };
}

/** The start-up ratios with their targets, one headline row each (bench/run.js). */
export function startupHeadline(s) {
  const by = Object.fromEntries((s?.rows ?? []).map((r) => [r.key, r]));
  const ratio = (a, b) => (by[a] && by[b] ? fmt(by[a].median / by[b].median, 2) : 'n/a');
  const both = (a, b) => `${ratio(a, b)} (executable ${ratio(`${a}Exe`, b)})`;
  return [
    `| Start-up, \`--version\` | \`node bin/clova-cli.js --version\` | wall time / \`node -e 0\` | ${both('version', 'node')} | ≤ 1.3 |`,
    `| Start-up, \`--help\` | \`node bin/clova-cli.js --help\` | wall time / \`node -e 0\` | ${both('help', 'node')} | ≤ 1.3 |`,
    `| Start-up, one typed request | \`node bin/clova-cli.js text hello\` → in-process \`emulator\` | wall time / raw \`node:http2\` one-shot | ${both('text', 'raw')} | ≤ 1.6 |`,
  ];
}

export function startupMarkdown(s) {
  const by = Object.fromEntries(s.rows.map((r) => [r.key, r]));
  const lines = [];
  lines.push('## CLI start-up');
  lines.push('');
  lines.push(
    `Wall time from \`child_process.spawn\` to exit, ${s.runs} runs each after ${s.warmup} warm-up rounds, all commands ` +
      'interleaved (order rotated each round); median. The commands that make no request are compared with bare ' +
      '`node -e 0`; `text hello` (h2c to the in-process emulator: connect, downchannel + Hello, one Recognize, close, ' +
      '`--no-play`, `NO_COLOR=1`) with `bench/text-raw-child.js`, a program of Node built-ins only that does the same ' +
      'exchange over a bare `node:http2` session. Each request has its own `CLOVA_ACCESS_TOKEN=bench-<n>`, because the ' +
      'emulator answers 429 to a second downchannel of one token within 1 s. "Executable" rows run `bin/clova-cli.js` ' +
      'itself, as a user does: its shebang (`#!/usr/bin/env node`) adds the exec of `env`. `text hello --emulator` ' +
      'starts its own emulator in the CLI process, which loads the speech synthesiser and speaks the answer.',
  );
  lines.push('');
  lines.push('| Command | Median (ms) | Min (ms) | Max (ms) | Ratio to its baseline |');
  lines.push('|---|---:|---:|---:|---:|');
  for (const r of s.rows) {
    const baseline = r.group === 'bare' ? by.node : by.raw;
    lines.push(
      `| ${r.label} | ${fmt(r.median, 1)} | ${fmt(r.min, 1)} | ${fmt(r.max, 1)} | ${fmt(r.median / baseline.median, 2)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Module files loaded (ES and CommonJS, counted by \`bench/module-trace.js\`): \`--version\` ${s.modules.version}, ` +
      `\`--help\` ${s.modules.help}, \`text hello\` ${s.modules.text}. Start-up cost of the CLI over bare node: ` +
      `${fmt(by.version.median - by.node.median, 1)} ms (\`--version\`); \`text hello\` over the raw program: ` +
      `${fmt(by.text.median - by.raw.median, 1)} ms.`,
  );
  lines.push('');
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { startEmulator } = await import('../dist/emulator/index.js');
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  try {
    const s = await startup(emulator.url, { runs: Number(process.env.RUNS ?? 15) });
    process.stdout.write(['| Figure | Path | Measure | Value | Target |', '|---|---|---|---:|---|', ...startupHeadline(s), '', ...startupMarkdown(s)].join('\n'));
  } finally {
    await emulator.close();
  }
}

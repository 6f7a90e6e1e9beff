// CLI start-up: wall time from spawn to exit. Children are spawned asynchronously because the
// emulator they talk to runs in this process and has to keep serving while they run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, median, msSince } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../bin/clova-cli.js', import.meta.url));

/** Spawns `node ...args`, resolves with the wall time to exit in ms; rejects on a non-zero exit. */
function timeSpawn(args, env) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const t0 = process.hrtime.bigint();
    let exitMs = 0;
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', () => {
      exitMs = msSince(t0);
    });
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code ?? signal}: ${err.trim() || out.trim()}`));
      else resolve({ ms: exitMs, out, err });
    });
  });
}

/**
 * Median wall time of each command over `runs` runs (after `warmup` runs), interleaved so that every
 * round runs the three commands once. Each `text` run gets its own token: the emulator answers 429
 * to a second downchannel request of one token within 1 s (spec 2.4), which would add back-off.
 */
export async function startup(url, { warmup = 2, runs = 15 } = {}) {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('CLOVA_')) delete base[k];
  base.NO_COLOR = '1';
  const commands = [
    { key: 'node', label: '`node -e 0` (baseline)', args: ['-e', '0'], env: () => base },
    { key: 'version', label: '`node bin/clova-cli.js --version`', args: [CLI, '--version'], env: () => base },
    {
      key: 'text',
      label: '`node bin/clova-cli.js text hello --server <emulator>`',
      args: [CLI, 'text', 'hello', '--server', url],
      env: (i) => ({ ...base, CLOVA_ACCESS_TOKEN: `bench-${i}` }),
    },
  ];
  const times = { node: [], version: [], text: [] };
  let sample;
  for (let i = 0; i < warmup + runs; i++) {
    // Rotate the order each round so no command always runs right after another.
    for (let j = 0; j < commands.length; j++) {
      const c = commands[(i + j) % commands.length];
      const r = await timeSpawn(c.args, c.env(i));
      if (c.key === 'text') sample = r.out;
      if (i >= warmup) times[c.key].push(r.ms);
    }
  }
  if (!/hello/i.test(sample ?? '')) throw new Error(`clova-cli text printed no answer: ${sample}`);
  return {
    runs,
    warmup,
    rows: commands.map((c) => ({
      key: c.key,
      label: c.label,
      median: median(times[c.key]),
      min: Math.min(...times[c.key]),
      max: Math.max(...times[c.key]),
    })),
  };
}

export function startupMarkdown(s) {
  const by = Object.fromEntries(s.rows.map((r) => [r.key, r]));
  const lines = [];
  lines.push('## CLI start-up');
  lines.push('');
  lines.push(
    `Wall time from \`child_process.spawn\` to exit, ${s.runs} runs each after ${s.warmup} warm-up rounds, the three ` +
      'commands interleaved (order rotated each round); median. `text hello` talks h2c to the in-process emulator ' +
      '(connect, downchannel + Hello, one Recognize, close), with `CLOVA_ACCESS_TOKEN=bench-<n>` (a fresh token per ' +
      'run, because the emulator answers 429 to a second downchannel of one token within 1 s). `--version` is start-up ' +
      'without network.',
  );
  lines.push('');
  lines.push('| Command | Median (ms) | Min (ms) | Max (ms) | Ratio to `node -e 0` | Ratio to `--version` |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const r of s.rows) {
    lines.push(
      `| ${r.label} | ${fmt(r.median, 1)} | ${fmt(r.min, 1)} | ${fmt(r.max, 1)} | ${fmt(r.median / by.node.median, 2)} | ` +
        `${fmt(r.median / by.version.median, 2)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Start-up cost of the CLI over bare node: ${fmt(by.version.median - by.node.median, 1)} ms; one text request ` +
      `on top of that: ${fmt(by.text.median - by.version.median, 1)} ms.`,
  );
  lines.push('');
  return lines;
}

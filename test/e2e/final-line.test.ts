import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, CLI } from '../helpers/cli.js';
import { directive, hostileCic } from '../helpers/hostile-cic.js';

// The final error line is the last thing the CLI writes: no trace line, notice or spinner frame
// after it. stdout and stderr go to one file (or one terminal) here, so their order is kept.

const dir = mkdtempSync(join(tmpdir(), 'clova-final-line-'));
const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
const TOKEN = 'tok-final-line-1a2b3c';

/** Runs the CLI with stdout and stderr into the same file; resolves with the interleaved output. */
function runMerged(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const file = join(dir, `out-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  const fd = openSync(file, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: baseEnv(env), stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: readFileSync(file, 'utf8') });
    });
  });
}

/** What a terminal would show after `marker`: escape sequences and carriage returns removed. */
function visibleAfter(out: string, marker: string): string {
  const at = out.lastIndexOf(marker);
  expect(at, `no "${marker}" in:\n${out}`).toBeGreaterThanOrEqual(0);
  const rest = out.slice(at + marker.length);
  const lineEnd = rest.indexOf('\n');
  return (lineEnd < 0 ? '' : rest.slice(lineEnd + 1)).replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '').replace(/[\r\n]/g, '');
}

describe('nothing is written after the final error line (e2e)', () => {
  it('--verbose: no trace line of the connection being torn down follows the error', async () => {
    const server = await hostileCic({
      answer: () => ({ status: 200, parts: [directive('System', 'Exception', { code: '500', description: 'the last word' })] }),
    });
    for (let i = 0; i < 3; i++) {
      const r = await runMerged(['text', 'hello', '--server', server.url, '--verbose'], { CLOVA_ACCESS_TOKEN: TOKEN });
      expect(r.code).toBe(4);
      const lines = r.out.split('\n').filter((l) => l !== '');
      expect(lines.some((l) => l.startsWith('[trace'))).toBe(true);
      expect(lines.at(-1)).toBe('clova-cli: error: the server sent System.Exception 500: the last word');
    }
  });

  it.skipIf(!script)('listen on a terminal, Ctrl-C: no spinner frame or notice after "interrupted"', async () => {
    // A recorder that delivers silence for as long as it runs, and an emulator that never answers.
    const bin = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(bin, 'arecord'), '#!/bin/sh\nwhile :; do head -c 6400 /dev/zero || exit 0; sleep 0.2; done\n');
    chmodSync(join(bin, 'arecord'), 0o755);
    const marker = `final-line-${process.pid}-${Date.now()}`;
    const cmd = `stty cols 120; ${[process.execPath, CLI, 'listen', '--emulator', '--emulator-fault', 'no-stop-capture', '--no-play'].map((a) => JSON.stringify(a)).join(' ')}`;
    const child = spawn(script!, ['-qec', cmd, '/dev/null'], {
      env: baseEnv({ TERM: 'xterm', PATH: `${bin}:${process.env.PATH}`, CLOVA_ACCESS_TOKEN: TOKEN, FINAL_LINE_MARKER: marker }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 25000);
    try {
      // Wait until it listens, then press Ctrl-C (SIGINT to the CLI itself).
      const deadline = Date.now() + 15000;
      while (!out.includes('listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('listening');
      await new Promise((r) => setTimeout(r, 700));
      const pid = cliPid(marker);
      expect(pid).toBeDefined();
      process.kill(pid!, 'SIGINT');
      await closed;
    } finally {
      clearTimeout(killer);
    }
    expect(visibleAfter(out, 'clova-cli: error: interrupted by the user')).toBe('');
  });
});

/** The pid of the CLI process whose environment holds `marker`. */
function cliPid(marker: string): number | undefined {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // node itself, not the shell or `script` whose command line also names the CLI
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] !== CLI) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker)) return Number(pid);
    } catch {
      // gone
    }
  }
  return undefined;
}

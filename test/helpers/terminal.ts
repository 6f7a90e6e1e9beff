import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { baseEnv, CLI } from './cli.js';

/** util-linux `script`, which gives a command a pseudo-terminal (bsdutils; undefined when missing). */
export const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/** Runs the CLI on a pseudo-terminal 120 columns wide (stdout and stderr both go to it); resolves with all it printed. */
export function onTerminal(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const cmd = `stty cols 120; ${[process.execPath, CLI, ...args].map((a) => JSON.stringify(a)).join(' ')}`;
  return new Promise((resolve) => {
    const child = spawn(SCRIPT!, ['-qec', cmd, '/dev/null'], { env: baseEnv({ TERM: 'xterm', ...extraEnv }), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('close', () => resolve(out));
    child.stdin.end();
  });
}

/** Pids of live processes whose environment holds `value` (a path unique to one test, say). */
export function processesWithEnv(value: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(value)) found.push(Number(pid));
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

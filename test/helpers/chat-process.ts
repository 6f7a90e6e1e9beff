/** A `clova-cli chat` process kept open: lines are written to it when the test wants, its NDJSON read as it comes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { baseEnv, CLI } from './cli.js';

export interface ChatProcess {
  child: ChildProcess;
  /** The NDJSON lines so far. */
  lines: Array<Record<string, any>>;
  stderr(): string;
  write(line: string): void;
  /** Resolves with the first line (from the start) that matches; rejects after `ms`. */
  waitLine(match: (l: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
  /** Closes stdin and waits for the exit. */
  end(ms?: number): Promise<{ code: number | null; stderr: string }>;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
  running.clear();
});

export function startChat(args: string[], env: Record<string, string | undefined>): ChatProcess {
  const child = spawn(process.execPath, [CLI, 'chat', '--json', ...args], { env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  const lines: Array<Record<string, any>> = [];
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line) lines.push(JSON.parse(line) as Record<string, any>);
    }
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => err,
    write: (line) => child.stdin!.write(line + '\n'),
    waitLine(match, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(match);
          if (!hit) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such line within ${ms} ms; lines: ${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${err}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async end(ms = 15_000) {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return { code, stderr: err };
    },
  };
}

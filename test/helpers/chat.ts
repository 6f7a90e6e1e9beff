import type { EmulatorRecord } from '../../src/emulator/record.js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { baseEnv, CLI } from './cli.js';

/** A `clova-cli chat` running with standard input on a pipe (no terminal), as a script runs it. */
export interface PipedChat {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** The stdout lines so far, parsed (throws on a line that is not JSON); an unfinished last line is left out. */
  lines(): Array<Record<string, any>>;
  /** Writes one line (a newline is added). */
  send(line: string): void;
  /** Closes standard input: the end of input. */
  end(): void;
  /**
   * Resolves with the first line (from `from` on) for which `predicate` holds, and its index; rejects
   * after `timeoutMs` (or when the CLI exits first) with what the CLI printed, so a failure says why.
   */
  waitForLine(
    predicate: (line: Record<string, any>) => boolean,
    what: string,
    timeoutMs?: number,
    from?: number,
  ): Promise<{ line: Record<string, any>; index: number }>;
  /** The exit: code and signal. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node bin/clova-cli.js chat …args` with stdin, stdout and stderr on pipes. The process is
 * killed (SIGKILL) after `killAfterMs` if it is still running, so a hung session cannot outlive the test.
 */
export function startPipedChat(args: string[], env: Record<string, string>, killAfterMs = 60000): PipedChat {
  const child = spawn(process.execPath, [CLI, 'chat', ...args], { env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = false;
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    changed();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin.on('error', () => undefined); // the CLI may be gone before the test stops writing
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      exited = true;
      changed();
      resolve({ code, signal });
    }),
  );
  const lines = () =>
    out
      .split('\n')
      .slice(0, -1)
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, any>);
  const waitForLine: PipedChat['waitForLine'] = (predicate, what, timeoutMs = 20000, from = 0) =>
    new Promise((resolve, reject) => {
      const check = () => {
        let all: Array<Record<string, any>>;
        try {
          all = lines();
        } catch (err) {
          waiters.delete(check);
          clearTimeout(t);
          reject(new Error(`stdout has a line that is not JSON (${(err as Error).message})\nstdout:\n${out}`));
          return;
        }
        const index = all.findIndex((l, i) => i >= from && predicate(l));
        if (index >= 0 || exited) {
          waiters.delete(check);
          clearTimeout(t);
          if (index >= 0) resolve({ line: all[index]!, index });
          else reject(new Error(`chat exited before ${what}\nstdout:\n${out}\nstderr:\n${err}`));
        }
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    lines,
    send: (line) => child.stdin.write(`${line}\n`),
    end: () => child.stdin.end(),
    waitForLine,
    closed,
  };
}

/**
 * The events a session's turns sent, in order: every recorded event but the session's own alert
 * bookkeeping (Alerts.RequestSynchronizeAlert at each connection, and the reports it leads to).
 */
export function turnEvents(emu: { record: { events: EmulatorRecord['events'] } }): EmulatorRecord['events'] {
  return emu.record.events.filter((e) => e.message.event.header.namespace !== 'Alerts');
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { baseEnv, CLI } from './cli.js';

/** util-linux `script`, which gives a command a pseudo-terminal (bsdutils; undefined when missing). */
export const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/** Width of the pseudo-terminals (`stty cols`). */
export const COLUMNS = 120;

/**
 * Starts the CLI under `script` on a pseudo-terminal COLUMNS wide, TERM=xterm (stdout and stderr
 * both go to it; script's stdin is typed into it). `after`: a shell command run on the same
 * terminal once the CLI has exited; the exit status (`script -e`) stays the CLI's.
 */
function spawnOnTerminal(args: string[], extraEnv: Record<string, string>, after?: string): ChildProcessWithoutNullStreams {
  const cli = [process.execPath, CLI, ...args].map((a) => JSON.stringify(a)).join(' ');
  const cmd = after === undefined ? `stty cols ${COLUMNS}; ${cli}` : `stty cols ${COLUMNS}; ${cli}; s=$?; ${after}; exit $s`;
  return spawn(SCRIPT!, ['-qec', cmd, '/dev/null'], { env: baseEnv({ TERM: 'xterm', ...extraEnv }), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs the CLI on a pseudo-terminal 120 columns wide (stdout and stderr both go to it); resolves with all it printed. */
export function onTerminal(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const child = spawnOnTerminal(args, extraEnv);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('close', () => resolve(out));
    child.stdin.end();
  });
}

/** Escape sequences: CSI, OSC (ended by BEL or ST), and two-character ones. */
const ESCAPE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;
const ESCAPE_AT = new RegExp(`^(?:${ESCAPE.source})`);

/** `raw` without escape sequences, and for each character left its index in `raw`. */
function plainText(raw: string): { text: string; at: number[] } {
  let text = '';
  const at: number[] = [];
  let last = 0;
  const keep = (end: number) => {
    for (let i = last; i < end; i++) at.push(i);
    text += raw.slice(last, end);
  };
  for (const m of raw.matchAll(ESCAPE)) {
    keep(m.index);
    last = m.index + m[0].length;
  }
  keep(raw.length);
  return { text, at };
}

/** What a terminal shows without its escape sequences (colours, cursor moves, erasures). */
export function stripAnsi(raw: string): string {
  return plainText(raw).text;
}

/** An interactive program on a pseudo-terminal: keys typed at chosen moments, its output waited for. */
export interface TerminalSession {
  /** Everything printed so far, escape sequences included. */
  raw(): string;
  /** Types keys as a terminal sends them: '\r' Enter, '\x03' Ctrl-C, '\x04' Ctrl-D, '\x1b[A' up arrow. */
  type(keys: string): void;
  /**
   * Waits until the output from raw offset `from` on, escape sequences removed, contains `pattern`;
   * resolves with the raw offset just past the match (the `from` of the next wait). Fails with
   * what was printed when `timeoutMs` passes or the program ends first.
   */
  waitFor(pattern: string | RegExp, from?: number, timeoutMs?: number): Promise<number>;
  /** waitFor on the raw output, escape sequences included (for checks of how something is drawn). */
  waitForRaw(pattern: string | RegExp, from?: number, timeoutMs?: number): Promise<number>;
  /** Whether the program has ended. */
  ended(): boolean;
  /** The program's exit status (through `script -e`), once it has ended. */
  readonly exited: Promise<number | null>;
  /** Kills `script` (and so the program, by the terminal's hangup) if it is still running. */
  kill(): void;
}

/**
 * Starts the CLI on a pseudo-terminal for a test to drive. Standard input stays open until the
 * program ends; the whole session is killed after `lifetimeMs`. `after`: see spawnOnTerminal.
 */
export function terminalSession(
  args: string[],
  extraEnv: Record<string, string> = {},
  options: { lifetimeMs?: number; after?: string } = {},
): TerminalSession {
  const child = spawnOnTerminal(args, extraEnv, options.after);
  let out = '';
  let done = false;
  const waiters = new Set<() => void>();
  const check = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    check();
  });
  const lifetime = setTimeout(() => child.kill('SIGKILL'), options.lifetimeMs ?? 60000);
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      done = true;
      clearTimeout(lifetime);
      child.stdin.destroy();
      check();
      resolve(code);
    });
  });
  const find = (pattern: string | RegExp, from: number, raw: boolean): number | undefined => {
    const { text, at } = raw ? { text: out.slice(from), at: undefined } : plainText(out.slice(from));
    let end: number;
    if (typeof pattern === 'string') {
      const i = text.indexOf(pattern);
      if (i < 0) return undefined;
      end = i + pattern.length;
    } else {
      const m = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text);
      if (!m) return undefined;
      end = m.index + m[0].length;
    }
    return end === 0 || !at ? from + end : from + at[end - 1]! + 1;
  };
  const waitFor = (raw: boolean) => (pattern: string | RegExp, from = 0, timeoutMs = 15000) =>
    new Promise<number>((resolve, reject) => {
      const shown = (text: string) => (raw ? JSON.stringify(text) : stripAnsi(text));
      const waiter = () => {
        const end = find(pattern, from, raw);
        if (end === undefined && !done) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        if (end !== undefined) resolve(end);
        else reject(new Error(`the program ended before printing ${String(pattern)}; after offset ${from} it printed:\n${shown(out.slice(from))}`));
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${String(pattern)} not printed within ${timeoutMs} ms; after offset ${from} the terminal got:\n${shown(out.slice(from))}`));
      }, timeoutMs);
      waiters.add(waiter);
      waiter();
    });
  return {
    raw: () => out,
    type: (keys) => {
      if (!done) child.stdin.write(keys);
    },
    waitFor: waitFor(false),
    waitForRaw: waitFor(true),
    ended: () => done,
    exited,
    kill: () => {
      if (!done) child.kill('SIGKILL');
    },
  };
}

/** What a terminal `cols` wide shows after `raw`: its rows (trailing blanks trimmed) and the cursor. */
export interface Screen {
  rows: string[];
  row: number;
  col: number;
}

/**
 * Replays `raw` on a model of an xterm screen `cols` wide with no height limit (nothing scrolls
 * away): printable characters (each one column wide), CR, LF, BS, autowrap, and the CSI sequences
 * readline and the CLI draw with: cursor moves (A B C D G H), erase in display (J) and in line (K).
 * Colours and other sequences change nothing here.
 */
export function screenOf(raw: string, cols = COLUMNS): Screen {
  const grid: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = (r: number) => (grid[r] ??= []);
  const down = (n: number) => {
    row += n;
    for (let r = 0; r <= row; r++) line(r);
  };
  for (let i = 0; i < raw.length; ) {
    const c = raw[i]!;
    if (c === '\u001b') {
      const m = ESCAPE_AT.exec(raw.slice(i));
      if (!m) {
        i++;
        continue;
      }
      i += m[0].length;
      const csi = /^\u001b\[([0-?]*)[ -/]*([@-~])$/.exec(m[0]);
      if (!csi) continue;
      const params = csi[1]!.split(';').map((p) => (p === '' ? undefined : Number(p)));
      const n = params[0] ?? 1;
      switch (csi[2]) {
        case 'A':
          row = Math.max(0, row - n);
          break;
        case 'B':
          down(n);
          break;
        case 'C':
          col = Math.min(cols - 1, col + n);
          break;
        case 'D':
          col = Math.max(0, col - n);
          break;
        case 'G':
          col = Math.min(cols - 1, n - 1);
          break;
        case 'H':
          row = (params[0] ?? 1) - 1;
          down(0);
          col = (params[1] ?? 1) - 1;
          break;
        case 'J':
          if ((params[0] ?? 0) === 0) {
            line(row).length = Math.min(line(row).length, col);
            grid.length = row + 1;
          }
          break;
        case 'K': {
          const mode = params[0] ?? 0;
          const l = line(row);
          if (mode === 0) l.length = Math.min(l.length, col);
          else if (mode === 1) l.fill(' ', 0, col + 1);
          else l.length = 0;
          break;
        }
      }
      continue;
    }
    i += c.length;
    if (c === '\r') col = 0;
    else if (c === '\n') down(1);
    else if (c === '\b') col = Math.max(0, col - 1);
    else if (c >= ' ' && c !== '\u007f') {
      const ch = String.fromCodePoint(raw.codePointAt(i - 1)!);
      if (ch.length === 2) i++;
      if (col >= cols) {
        col = 0;
        down(1);
      }
      const l = line(row);
      while (l.length < col) l.push(' ');
      l[col++] = ch;
    }
  }
  return { rows: grid.map((l) => l.join('').trimEnd()), row, col };
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

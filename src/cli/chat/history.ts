import { MIB, readCappedFile } from '../../fs/bounded-files.js';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';

/** How many lines the history keeps (the newest). */
export const HISTORY_LINES = 1000;

/**
 * Where the chat history lives: `$XDG_STATE_HOME/clova-cli/history`, by default
 * `~/.local/state/clova-cli/history` (the XDG Base Directory rule: a relative value is ignored).
 */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  return stateFile('history', env);
}

/** `$XDG_STATE_HOME/clova-cli/<name>` (default `~/.local/state/clova-cli/<name>`; a relative XDG_STATE_HOME is ignored). */
export function stateFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME;
  const base = state && state.startsWith('/') ? state : join(env.HOME || os.homedir(), '.local', 'state');
  return join(base, 'clova-cli', name);
}

/**
 * Writes `text` to `path` atomically and privately: a temporary file of mode 0600 in a directory of
 * mode 0700, renamed over the old one, so a crash never leaves half a file and nobody else can read it.
 */
export function writePrivateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, 0o600); // the umask may have taken bits away, never added: this is exact
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true }); // a failed save (disk full, a folder in the way) leaves no temporary file
    throw err;
  }
}

/** The stored lines, newest first (readline's order); none when there is no file yet. */
export function loadHistory(path: string): string[] {
  let text: string;
  try {
    text = readCappedFile(path, 4 * MIB);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-HISTORY_LINES)
    .reverse();
}

/**
 * Writes the lines (newest first, as readline keeps them) oldest first, one per line, the newest
 * HISTORY_LINES only: to a temporary file of mode 0600 in a directory of mode 0700, then renamed
 * over the old one, so a crash never leaves half a history and nobody else can read what was said.
 */
export function saveHistory(path: string, newestFirst: readonly string[]): void {
  const lines = newestFirst
    .slice(0, HISTORY_LINES)
    .filter((l) => !l.includes('\n'))
    .reverse();
  writePrivateFile(path, lines.length ? lines.join('\n') + '\n' : '');
}

/** Removes, in place, the lines that hold a secret (readline keeps every line entered; a pasted token must leave memory and file). */
export function dropSecretLines(lines: string[], holdsSecret: (line: string) => boolean): string[] {
  for (let i = lines.length - 1; i >= 0; i--) if (holdsSecret(lines[i]!)) lines.splice(i, 1);
  return lines;
}

/**
 * The stored credentials (issue 9, section 3): one JSON file, 0600 in a 0700 folder, replaced
 * atomically (temporary file in the same folder, fsync, rename), and a lock file for the refresh
 * that several processes may attempt at once.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { FileProblem, KIB, readCappedFile } from '../fs/bounded-files.js';
import { tokenProblem } from '../protocol/token.js';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { AuthError, TimeoutError } from '../protocol/errors.js';

/** The only layout this version reads and writes. */
export const CREDENTIALS_VERSION = 1;

/** What `credentials.json` holds (never the client secret). */
export interface StoredCredentials {
  version: typeof CREDENTIALS_VERSION;
  accessToken: string;
  refreshToken: string;
  /** Absolute expiry, milliseconds since the epoch. */
  expiresAt: number;
  deviceId: string;
  modelId: string;
  clientId: string;
  authUrl: string;
}

/** `$XDG_CONFIG_HOME/clova-cli/credentials.json`, by default under `~/.config`. */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME?.trim() || os.homedir(), '.config');
  return join(base, 'clova-cli', 'credentials.json');
}

function corrupt(path: string, why: string): AuthError {
  return new AuthError(`the stored credentials ${path} ${why}: run clova-cli login (it replaces the file)`);
}

/** The largest time a Date holds (ms since the epoch). */
const MAX_DATE_MS = 8.64e15;

/** A credentials file is under 1 KiB; a larger one (or /dev/zero) is not ours. */
const CREDENTIALS_CAP = 64 * KIB;

/** Reads the credentials; undefined when there is no file; AuthError (exit 3) for one it cannot use. */
export function readCredentials(path: string): StoredCredentials | undefined {
  let text: string;
  try {
    text = readCappedFile(path, CREDENTIALS_CAP);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (err instanceof FileProblem && err.message !== err.code) throw corrupt(path, err.message);
    throw corrupt(path, `cannot be read (${code ?? 'error'})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw corrupt(path, 'is not JSON');
  }
  const d = data as Partial<StoredCredentials> | null;
  if (d === null || typeof d !== 'object' || d.version !== CREDENTIALS_VERSION) throw corrupt(path, 'has an unknown version');
  const str = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (!str(d.accessToken) || !str(d.refreshToken) || !str(d.deviceId) || !str(d.modelId) || !str(d.clientId) || !str(d.authUrl) || typeof d.expiresAt !== 'number') {
    throw corrupt(path, 'is missing fields');
  }
  // Every field is untrusted input: a value that would break a header, a date or a URL later is refused now.
  for (const field of ['accessToken', 'refreshToken'] as const) {
    const problem = tokenProblem(d[field]);
    if (problem !== undefined) throw corrupt(path, `has an ${field} that ${problem}`);
  }
  for (const field of ['deviceId', 'modelId', 'clientId'] as const) {
    if (d[field]!.length > 1024 || !/^[\x20-\x7e]+$/.test(d[field]!)) throw corrupt(path, `has a ${field} that is not short visible ASCII`);
  }
  if (!Number.isFinite(d.expiresAt) || Math.abs(d.expiresAt) > MAX_DATE_MS) throw corrupt(path, 'has an expiresAt that is not a time');
  let url: URL | undefined;
  try {
    url = new URL(d.authUrl!);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw corrupt(path, 'has an authUrl that is not an http(s) URL');
  return d as StoredCredentials;
}

/** Replaces the credentials atomically: a reader sees the old file or the new one, never a part. */
export function writeCredentials(path: string, creds: StoredCredentials): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = join(dir, `.credentials.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(creds, null, 2) + '\n');
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  // The rename itself is durable only once the folder is synced.
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic.
  }
}

/** Deletes the credentials; false when there were none. */
export function deleteCredentials(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** A lock older than this whose holder cannot be checked is taken to be left by a crash. */
const STALE_LOCK_MS = 30000;

function lockIsStale(lockPath: string): boolean {
  let text = '';
  let mtime = 0;
  try {
    text = readCappedFile(lockPath, 64);
    mtime = statSync(lockPath).mtimeMs;
  } catch {
    return false; // gone already: the next attempt takes it
  }
  const pid = Number.parseInt(text, 10);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    }
  }
  return Date.now() - mtime > STALE_LOCK_MS;
}

/**
 * Runs `work` holding the exclusive lock `<path>.lock` (an O_EXCL file with the holder's pid);
 * a lock whose process is gone, or older than 30 s, is recovered. Waits at most `waitMs`.
 */
export async function withCredentialsLock<T>(path: string, work: () => Promise<T>, waitMs = 30000): Promise<T> {
  const lockPath = `${path}.lock`;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockIsStale(lockPath)) {
      try {
        unlinkSync(lockPath);
      } catch {
        // another process recovered it first
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new TimeoutError(`another clova-cli held ${lockPath} for more than ${Math.round(waitMs / 1000)} s; if none runs, delete that file`);
    }
    await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
  }
  try {
    return await work();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // removed as stale by someone else: nothing to release
    }
  }
}

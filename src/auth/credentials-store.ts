/**
 * The stored credentials (issue 9, section 3): one JSON file, 0600 in a 0700 folder, replaced
 * atomically (temporary file in the same folder, fsync, rename), and a lock file for the refresh
 * that several processes may attempt at once.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { FileProblem, KIB, readCappedFile } from '../fs/bounded-files.js';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { AuthError, TimeoutError } from '../protocol/errors.js';
import { tokenProblem } from './header-values.js';

/** The write function, injectable so tests can make the disk full. */
export interface StoreFs {
  write?: (fd: number, text: string) => void;
}
const realWrite = (fd: number, text: string) => {
  writeSync(fd, text);
};

function diskError(path: string, err: unknown, what: string): AuthError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  return new AuthError(`cannot write ${path} (${full ? 'no space left on the disk' : code}) while ${what}; the previous file is kept: free space, then run the command again`);
}

const warnedPermissions = new Set<string>();
/** Like ssh: a file or folder others may write or read is used, with one warning naming the fix. */
function warnPermissions(path: string): void {
  if (warnedPermissions.has(path)) return;
  try {
    const file = statSync(path).mode & 0o777;
    const dir = statSync(dirname(path)).mode & 0o777;
    if ((file & 0o077) !== 0 || (dir & 0o022) !== 0) {
      warnedPermissions.add(path);
      process.stderr.write(`warning: ${path} can be read or changed by other users (mode ${file.toString(8)}, folder ${dir.toString(8)}): run chmod 600 ${path} and chmod 700 ${dirname(path)}\n`);
    }
  } catch {
    // gone meanwhile: the read reports it
  }
}

/** Why the stored authUrl cannot be used (undefined: it can). */
function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'is not an http(s) URL';
  return undefined;
}

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
  // Untrusted input: every field is checked, and the first bad one is named.
  for (const field of ['accessToken', 'refreshToken', 'deviceId', 'modelId', 'clientId'] as const) {
    const why = tokenProblem(d[field]);
    if (why) throw corrupt(path, `field ${field} ${why}`);
  }
  if (typeof d.authUrl !== 'string' || d.authUrl.length > 2048) throw corrupt(path, 'field authUrl is missing or too long');
  const urlWhy = urlProblem(d.authUrl);
  if (urlWhy) throw corrupt(path, `field authUrl ${urlWhy}`);
  if (typeof d.expiresAt !== 'number' || !Number.isSafeInteger(Math.trunc(d.expiresAt)) || d.expiresAt < 0 || d.expiresAt > 8.64e15) {
    throw corrupt(path, 'field expiresAt is not a time (milliseconds since 1970)');
  }
  warnPermissions(path);
  return d as StoredCredentials;
}

/** Replaces the credentials atomically: a reader sees the old file or the new one, never a part. */
export function writeCredentials(path: string, creds: StoredCredentials, fs: StoreFs = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = join(dir, `.credentials.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    (fs.write ?? realWrite)(fd, JSON.stringify(creds, null, 2) + '\n');
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw diskError(path, err, 'saving the credentials');
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
 * Removes a stale lock so that two takers cannot both win: only the holder of `<lock>.takeover`
 * (O_EXCL) removes it, after checking again that it is still stale; a taker that judged the old
 * lock stale while another already replaced it finds the new lock alive and leaves it.
 */
function takeOver(lockPath: string): void {
  const guard = `${lockPath}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch {
    // Another taker is at it; a guard left by a crash (older than 5 s) is removed.
    try {
      if (Date.now() - statSync(guard).mtimeMs > 5000) unlinkSync(guard);
    } catch {
      // gone already
    }
    return;
  }
  closeSync(fd);
  try {
    if (lockIsStale(lockPath)) unlinkSync(lockPath);
  } catch {
    // gone already
  } finally {
    try {
      unlinkSync(guard);
    } catch {
      // removed as stale by another taker
    }
  }
}

/**
 * Runs `work` holding the exclusive lock `<path>.lock` (an O_EXCL file with the holder's pid);
 * a lock whose process is gone, or older than 30 s, is recovered. Waits at most `waitMs`.
 */
export async function withCredentialsLock<T>(path: string, work: () => Promise<T>, waitMs = 30000, fs: StoreFs = {}): Promise<T> {
  const lockPath = `${path}.lock`;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        (fs.write ?? realWrite)(fd, `${process.pid}\n`);
      } catch (err) {
        // An empty lock would make every other command wait: it goes before the error is told.
        closeSync(fd);
        unlinkSync(lockPath);
        throw diskError(lockPath, err, 'taking the lock');
      }
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockIsStale(lockPath)) {
      takeOver(lockPath);
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

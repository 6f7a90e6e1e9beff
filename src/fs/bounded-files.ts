/**
 * Reading a file a user named, and making a directory a user named, without the two ways a path
 * can hang or grow the process: a special file (a FIFO that never writes blocks a plain open or
 * read in the main thread, where no signal handler can run; /dev/zero never ends) and a primitive
 * that loops on an error (Node's recursive mkdirSync spins on some paths under /proc). Everything
 * here is bounded: one open with O_NONBLOCK, one fstat, at most cap + 1 bytes read; one mkdir per
 * path component.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Why a file could not be used; `code` is an errno code or one of ours (ESPECIAL, ETOOBIG). */
export class FileProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileProblem';
  }
}

export const KIB = 1024;
export const MIB = 1024 * 1024;

/** What kind of special file a Stats is, in words; undefined for a regular file. */
export function specialKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

function errno(err: unknown): FileProblem {
  const e = err as NodeJS.ErrnoException;
  return new FileProblem(e.code ?? 'EIO', e.code ?? e.message);
}

/**
 * The whole of a regular file, at most `cap` bytes, as UTF-8. Throws FileProblem: ENOENT and other
 * errno codes as they are, ESPECIAL for anything but a regular file (never opened for a blocking
 * read), ETOOBIG past the cap (also for a /proc file whose size says 0).
 */
export function readCappedFile(path: string, cap: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw errno(err);
  }
  try {
    const st = fstatSync(fd);
    const kind = specialKind(st);
    if (kind !== undefined) throw new FileProblem('ESPECIAL', `is ${kind}, not a regular file`);
    if (st.size > cap) throw new FileProblem('ETOOBIG', `is larger than ${formatCap(cap)}`);
    // Read in chunks up to cap + 1 bytes: a /proc file says size 0, and a file may grow meanwhile.
    const chunks: Buffer[] = [];
    let got = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * KIB, cap + 1 - got));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw errno(err);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      got += n;
      if (got > cap) throw new FileProblem('ETOOBIG', `is larger than ${formatCap(cap)}`);
    }
    return Buffer.concat(chunks, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function formatCap(cap: number): string {
  return cap >= MIB ? `${cap / MIB} MiB` : `${cap / KIB} KiB`;
}

/**
 * mkdir -p, one component at a time (each an existing directory, or made now): a bounded number of
 * system calls whatever the path, unlike Node's recursive mkdirSync, which loops forever on some
 * paths under /proc. Throws FileProblem naming what is wrong (ENOTDIR when a component is a file).
 */
export function makeDirectories(path: string, mode?: number): void {
  const full = resolve(path);
  const parts: string[] = [];
  for (let p = full; ; p = dirname(p)) {
    parts.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of parts) {
    let st: Stats | undefined;
    try {
      st = statSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw errno(err);
    }
    if (st !== undefined) {
      if (!st.isDirectory()) throw new FileProblem('ENOTDIR', `${p === full ? 'it' : p} is not a directory`);
      continue;
    }
    try {
      mkdirSync(p, mode === undefined ? undefined : { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(p).isDirectory()) continue;
      throw errno(err);
    }
  }
}

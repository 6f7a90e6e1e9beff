/**
 * What `--record <file>` does with a file that is already there: refuse it (the default: a record
 * is a deliberate artefact, silently truncating one loses it), overwrite it (`--force`), or add to
 * it (`--record-append`), as `tar` and `ffmpeg -n` do. Decided before any connection.
 */
import { constants, statSync } from 'node:fs';
import { specialKind } from '../fs/bounded-files.js';
import { UsageError } from '../protocol/errors.js';

export type RecordMode = 'new' | 'overwrite' | 'append';

const { O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_NOCTTY } = constants;
const NEVER_BLOCK = O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY;
/**
 * The open(2) flags for each mode: `new` (O_EXCL) fails with EEXIST if the file appeared since the
 * check; O_NONBLOCK makes a FIFO put there meanwhile fail with ENXIO rather than wait for a reader.
 */
export const RECORD_FLAGS: Record<RecordMode, number> = { new: NEVER_BLOCK | O_EXCL, overwrite: NEVER_BLOCK | O_TRUNC, append: NEVER_BLOCK | O_APPEND };

export function recordModeOf(opts: { record?: string; force?: boolean; recordAppend?: boolean }, path: string | undefined): RecordMode {
  if (opts.force === true && opts.recordAppend === true) throw new UsageError('--force and --record-append cannot be used together');
  if (path === undefined) {
    if (opts.force === true) throw new UsageError('--force needs --record <file>');
    if (opts.recordAppend === true) throw new UsageError('--record-append needs --record <file>');
    return 'new';
  }
  // A FIFO would block the open and a device never fills: refused whatever the mode.
  const kind = kindOf(path);
  if (kind !== undefined) throw new UsageError(`--record ${opts.record ?? path} is ${kind}: give a file name`);
  if (opts.force === true) return 'overwrite';
  if (opts.recordAppend === true) return 'append';
  if (exists(path)) throw new UsageError(refusal(opts.record ?? path));
  return 'new';
}

export function refusal(path: string): string {
  return `--record ${path} already exists: add --force to overwrite it or --record-append to add to it`;
}

function kindOf(path: string): string | undefined {
  try {
    return specialKind(statSync(path));
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

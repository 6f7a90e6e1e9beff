/**
 * What `--record <file>` does with a file that is already there: refuse it (the default: a record
 * is a deliberate artefact, silently truncating one loses it), overwrite it (`--force`), or add to
 * it (`--record-append`), as `tar` and `ffmpeg -n` do. Decided before any connection.
 */
import { lstatSync } from 'node:fs';
import { UsageError } from '../protocol/errors.js';

export type RecordMode = 'new' | 'overwrite' | 'append';

/** The open(2) flags for each mode: `wx` fails with EEXIST if the file appeared since the check. */
export const RECORD_FLAGS: Record<RecordMode, string> = { new: 'wx', overwrite: 'w', append: 'a' };

export function recordModeOf(opts: { record?: string; force?: boolean; recordAppend?: boolean }, path: string | undefined): RecordMode {
  if (opts.force === true && opts.recordAppend === true) throw new UsageError('--force and --record-append cannot be used together');
  if (path === undefined) {
    if (opts.force === true) throw new UsageError('--force needs --record <file>');
    if (opts.recordAppend === true) throw new UsageError('--record-append needs --record <file>');
    return 'new';
  }
  if (opts.force === true) return 'overwrite';
  if (opts.recordAppend === true) return 'append';
  if (exists(path)) throw new UsageError(refusal(opts.record ?? path));
  return 'new';
}

export function refusal(path: string): string {
  return `--record ${path} already exists: add --force to overwrite it or --record-append to add to it`;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

import { parseEnv } from 'node:util';
import { FileProblem, KIB, readCappedFile } from '../fs/bounded-files.js';
import { UsageError } from '../protocol/errors.js';

/** The variables that came from .env rather than the environment (auth status tells them apart). */
export const fromDotEnv = new Set<string>();

/** A .env is a few lines of settings; anything larger is not one (and /dev/zero would never end). */
export const DOTENV_CAP = 64 * KIB;

/**
 * Loads `.env` from the working directory; real environment variables win. Its own file: every run,
 * even `--version`, reads it, and config.ts loads far more. Read with a cap and never opened for a
 * blocking read (a FIFO or a device there is refused, exit 2); a directory named .env is ignored.
 */
export function loadDotEnv(path = '.env'): void {
  let text: string;
  try {
    text = readCappedFile(path, DOTENV_CAP);
  } catch (err) {
    if (err instanceof FileProblem && (err.code === 'ENOENT' || err.code === 'EISDIR')) return;
    if (err instanceof FileProblem && err.code === 'ESPECIAL' && err.message.includes('a directory')) return;
    throw new UsageError(`cannot read ${path}: it ${err instanceof FileProblem ? err.message : (err as Error).message}`);
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (process.env[name] !== undefined) continue;
    process.env[name] = value;
    fromDotEnv.add(name);
  }
}

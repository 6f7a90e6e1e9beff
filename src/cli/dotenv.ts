import { UsageError } from '../protocol/errors.js';

/**
 * Loads `.env` from the working directory; real environment variables win (process.loadEnvFile).
 * Its own file: every run, even `--version`, reads it, and config.ts loads far more.
 */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR') {
      throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
    }
  }
}

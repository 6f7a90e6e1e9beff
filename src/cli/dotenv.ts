import { UsageError } from '../protocol/errors.js';

/** The variables that came from .env rather than the environment (auth status tells them apart). */
export const fromDotEnv = new Set<string>();

/**
 * Loads `.env` from the working directory; real environment variables win (process.loadEnvFile).
 * Its own file: every run, even `--version`, reads it, and config.ts loads far more.
 */
export function loadDotEnv(path = '.env'): void {
  const before = new Set(Object.keys(process.env));
  try {
    process.loadEnvFile(path);
    for (const name of Object.keys(process.env)) if (!before.has(name)) fromDotEnv.add(name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR') {
      throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
    }
  }
}

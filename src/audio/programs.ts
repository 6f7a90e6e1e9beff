import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../protocol/errors.js';

/** Absolute path of `name` on PATH (or the given env's PATH), undefined when absent. */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name === '') return undefined;
  // A name with a slash is a path (absolute or relative to the cwd), as a shell would treat it.
  if (name.includes('/') || (process.platform === 'win32' && name.includes('\\'))) {
    const path = isAbsolute(name) ? name : resolve(name);
    return isExecutableFile(path) ? path : undefined;
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter((d) => d !== '');
  const exts = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const path = resolve(join(dir, name + ext));
      if (isExecutableFile(path)) return path;
    }
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Which package provides a program, per platform (apt on Linux, Homebrew on macOS). */
const PACKAGES: Record<string, { apt?: string; brew?: string }> = {
  arecord: { apt: 'alsa-utils' },
  aplay: { apt: 'alsa-utils' },
  rec: { apt: 'sox', brew: 'sox' },
  sox: { apt: 'sox', brew: 'sox' },
  play: { apt: 'sox libsox-fmt-mp3', brew: 'sox' },
  mpg123: { apt: 'mpg123', brew: 'mpg123' },
  ffplay: { apt: 'ffmpeg', brew: 'ffmpeg' },
  mpv: { apt: 'mpv', brew: 'mpv' },
};

/** "install alsa-utils (apt-get install alsa-utils)"-style advice for a missing program. */
export function installHint(program: string, platform: NodeJS.Platform = process.platform): string {
  const pkg = PACKAGES[program];
  if (platform === 'darwin' && pkg?.brew) return `install ${pkg.brew} (brew install ${pkg.brew})`;
  if (platform !== 'darwin' && platform !== 'win32' && pkg?.apt) {
    return `install ${pkg.apt.split(' ')[0]} (apt-get install ${pkg.apt})`;
  }
  return 'install it or put it on PATH';
}

/** The path of `program`, or a UsageError (exit 2) saying which package to install; `more` adds alternatives. */
export function requireProgram(
  program: string,
  options: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform; more?: string } = {},
): string {
  const path = findProgram(program, options.env);
  if (path !== undefined) return path;
  const more = options.more ? `, ${options.more}` : '';
  throw new UsageError(`${program} not found: ${installHint(program, options.platform)}${more}`, 'E_PROGRAM_MISSING');
}

import { KIB, readCappedFile } from '../../fs/bounded-files.js';
import { stateFile, writePrivateFile } from './history.js';

/** The speaker's level as the chat session keeps it between sessions. */
export interface StoredVolume {
  volume: number;
  muted: boolean;
}

/** `$XDG_STATE_HOME/clova-cli/volume.json` (default `~/.local/state/clova-cli/volume.json`). */
export function volumePath(env: NodeJS.ProcessEnv = process.env): string {
  return stateFile('volume.json', env);
}

/**
 * The stored volume; undefined when there is none yet. A file that is not what this client writes
 * (bad JSON, a volume outside 0-10) is an error: the caller says so and the default stays.
 */
export function loadVolume(path: string): StoredVolume | undefined {
  let text: string;
  try {
    text = readCappedFile(path, 4 * KIB);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const v = JSON.parse(text) as Partial<StoredVolume>;
  if (!Number.isInteger(v.volume) || v.volume! < 0 || v.volume! > 10 || typeof v.muted !== 'boolean') {
    throw new Error(`${path} does not hold a volume from 0 to 10 and a muted flag`);
  }
  return { volume: v.volume!, muted: v.muted };
}

/** Writes the volume atomically (0600 in a 0700 directory). */
export function saveVolume(path: string, v: StoredVolume): void {
  writePrivateFile(path, JSON.stringify({ volume: v.volume, muted: v.muted }) + '\n');
}

import { checkPlayer, defaultPlayer, playMp3 } from '../audio/player.js';
import type { SpeechPlayer } from '../client/speech-queue.js';
import { ClovaError } from '../protocol/errors.js';
import type { PlaybackOptions } from './playback-options.js';

/**
 * Decides whether speech is played and checks the player before anything is sent. `always`: play
 * unless --no-play (a missing player is exit 2). `tty`: play when stdout is a terminal or --player
 * was given; a missing default player then only costs a notice.
 */
export function resolvePlayer(
  opts: PlaybackOptions,
  mode: 'always' | 'tty',
  notice: (message: string) => void,
): SpeechPlayer | undefined {
  if (opts.play === false) return undefined;
  const explicit = opts.player !== undefined;
  if (mode === 'tty' && !explicit && !process.stdout.isTTY) return undefined;
  const command = opts.player ?? defaultPlayer(process.platform);
  try {
    checkPlayer(command);
  } catch (err) {
    if (mode === 'always' || explicit || !(err instanceof ClovaError)) throw err;
    notice(`speech is not played: ${err.message}`);
    return undefined;
  }
  return { play: (mp3, signal) => playMp3(mp3, { command, signal }) };
}

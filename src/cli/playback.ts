import type { SpeechPlayer } from '../client/speech-queue.js';
import { ClovaError } from '../protocol/errors.js';
import type { PlaybackOptions } from './playback-options.js';

/**
 * Decides whether speech is played and checks the player before anything is sent. `always`: play
 * unless --no-play (a missing player is exit 2). `tty`: play when stdout is a terminal or --player
 * was given; `person`: when stdin or stdout is one, or --player was given; a missing default player
 * then only costs a notice. The player code loads only when
 * speech may be played.
 */
export async function resolvePlayer(
  opts: PlaybackOptions,
  mode: 'always' | 'tty' | 'person',
  notice: (message: string) => void,
): Promise<SpeechPlayer | undefined> {
  if (opts.play === false) return undefined;
  const explicit = opts.player !== undefined;
  if (mode === 'tty' && !explicit && !process.stdout.isTTY) return undefined;
  if (mode === 'person' && !explicit && !process.stdout.isTTY && !process.stdin.isTTY) return undefined;
  const { checkPlayer, defaultPlayer, playMp3 } = await import('../audio/player.js');
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

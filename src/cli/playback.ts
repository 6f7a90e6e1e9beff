import type { Command } from 'commander';
import { checkPlayer, defaultPlayer, playMp3 } from '../audio/player.js';
import type { SpeechPlayer } from '../client/speech-queue.js';
import { ClovaError } from '../protocol/errors.js';

/** The playback options, as commander parses them. */
export interface PlaybackOptions {
  /** false with --no-play. */
  play?: boolean;
  player?: string;
}

/** Adds --no-play and --player to a command. */
export function addPlaybackOptions(cmd: Command, when: string): Command {
  return cmd
    .option('--no-play', `do not play speech (it is played ${when})`)
    .option('--player <command>', `command that plays MP3 from stdin (default "${defaultPlayer(process.platform)}")`);
}

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

import { Option, type Command } from 'commander';
import { beforeDispatch } from './before-dispatch.js';

/** The playback options, as commander parses them. */
export interface PlaybackOptions {
  /** false with --no-play. */
  play?: boolean;
  player?: string;
}

const PLAYER_HELP = 'command that plays MP3 from stdin';

/** Adds --no-play and --player to a command (a subcommand already attached to its program). */
export function addPlaybackOptions(cmd: Command, when: string): Command {
  const player = new Option('--player <command>', PLAYER_HELP);
  // The default names the platform's player, which lives with the audio code: loaded only when this
  // command is chosen, not for every start-up.
  beforeDispatch(cmd, async () => {
    const { defaultPlayer } = await import('../audio/player.js');
    player.description = `${PLAYER_HELP} (default "${defaultPlayer(process.platform)}")`;
  });
  return cmd.option('--no-play', `do not play speech (it is played ${when})`).addOption(player);
}

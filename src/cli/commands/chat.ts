import { Option, type Command } from 'commander';
import type { ChatOptions } from '../actions/chat.js';
import { completeFrom } from '../completion-hints.js';
import { addPlaybackOptions } from '../playback-options.js';
import { addLangOption, addRequestOptions } from '../request-options.js';

/** `clova-cli chat`: the interactive session (also `clova-cli` alone on a terminal). */
export function registerChatCommand(program: Command): void {
  const cmd = program
    .command('chat')
    .description(
      'an interactive session on one connection that stays open: type to ask, an empty line or /talk to speak, ' +
        'see what CLOVA pushes while idle; /help lists the commands. Without a terminal, each line of standard input ' +
        'is a turn (text or a /command), in order. `clova-cli` alone on a terminal starts it too',
    )
    .addOption(
      new Option('--recorder <backend>', 'capture backend for voice turns: node-record-lpcm16 (arecord; rec on macOS) or mic')
        .choices(['lpcm16', 'mic'])
        .default('lpcm16'),
    )
    .addOption(completeFrom(new Option('--device <name>', 'capture device for voice turns (see `clova-cli devices`; default "default")'), 'devices'))
    .option('--max-seconds <n>', 'longest utterance of a voice turn, in seconds', '15');
  addPlaybackOptions(addLangOption(addRequestOptions(cmd)), 'when standard input or output is a terminal, or --player is given').action(
    async (opts: ChatOptions) => {
      const { runChat } = await import('../actions/chat.js');
      await runChat(opts);
    },
  );
}

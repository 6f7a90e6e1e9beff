import { Option, type Command } from 'commander';
import type { ListenOptions } from '../actions/listen.js';
import { completeFrom } from '../completion-hints.js';
import { addPlaybackOptions } from '../playback-options.js';
import { addLangOption, addRequestOptions } from '../request-options.js';

/** `clova-cli listen`: the microphone, live, turn after turn while CLOVA expects an answer. */
export function registerListenCommand(program: Command): void {
  const cmd = program
    .command('listen')
    .description(
      'speak to CLOVA through the microphone: streams 200 ms parts until StopCapture, Enter or --max-seconds, ' +
        'plays the answer, and listens again when CLOVA asks a follow-up question',
    )
    .addOption(
      new Option('--recorder <backend>', 'capture backend: node-record-lpcm16 (arecord; rec on macOS) or mic')
        .choices(['lpcm16', 'mic'])
        .default('lpcm16'),
    )
    .addOption(completeFrom(new Option('--device <name>', 'capture device (see `clova-cli devices`; default "default")'), 'devices'))
    .option('--max-seconds <n>', 'longest utterance in seconds', '15');
  addPlaybackOptions(addLangOption(addRequestOptions(cmd)), 'unless this is given').action(async (opts: ListenOptions) => {
    // The recorder packages, the client and the renderers load only when this command runs.
    const { runListen } = await import('../actions/listen.js');
    await runListen(opts);
  });
}

import type { Command } from 'commander';
import type { TextOptions } from '../actions/text.js';
import { addPlaybackOptions } from '../playback-options.js';
import { addRequestOptions } from '../request-options.js';

/** `clova-cli text <words...>`: typed requests (TextRecognizer.Recognize, spec 5.2). No --lang: spec 5.2 sends none. */
export function registerTextCommand(program: Command): void {
  const cmd = program
    .command('text')
    .description(
      'send a typed request: the words make one utterance, as echo joins them; ' +
        '`text -` reads one utterance per line from standard input for a conversation (an utterance that answers an ExpectSpeech is sent as its follow-up)',
    )
    .argument('<words...>', 'what to ask, e.g. what is the weather (quotes optional); "-" alone reads utterances from standard input, one per line')
    .option('--repeat <n>', 'send the utterance <n> times on one connection and print the p50/p90/p99 of each stage of --timings (to compare servers and networks)');
  addPlaybackOptions(addRequestOptions(cmd), 'when stdout is a terminal').action(
    async (words: string[], opts: TextOptions) => {
      // The client and the renderers load only when a request is made, not for --help.
      const { runText } = await import('../actions/text.js');
      await runText(words, opts);
    },
  );
}

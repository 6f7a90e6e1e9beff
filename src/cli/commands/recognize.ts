import type { Command } from 'commander';
import type { RecognizeOptions } from '../actions/recognize.js';
import { addPlaybackOptions } from '../playback-options.js';
import { addLangOption, addRequestOptions } from '../request-options.js';

/** `clova-cli recognize <input...>`: WAV or raw L16 from files or stdin (SpeechRecognizer.Recognize, spec 5.1). */
export function registerRecognizeCommand(program: Command): void {
  const cmd = program
    .command('recognize')
    .description(
      'send recorded speech: any PCM WAV (converted on the fly to L16 16 kHz mono) or --raw L16; ' +
        'a further input answers the ExpectSpeech of the one before',
    )
    .argument('<input...>', 'WAV file(s) to send in order on one connection; "-" reads standard input')
    .option('--raw', 'the input is headerless L16 (signed 16-bit little-endian), 16 kHz, mono')
    .option('--realtime', 'send one 200 ms part every 200 ms, as a microphone would (default: as fast as the connection allows)')
    .option('--repeat <n>', 'send the one input <n> times on one connection and print the p50/p90/p99 of each stage of --timings (to compare servers and networks)');
  addPlaybackOptions(addLangOption(addRequestOptions(cmd)), 'when stdout is a terminal').action(
    async (inputs: string[], opts: RecognizeOptions) => {
      // The client and the audio pipeline load only when a request is made, not for --help.
      const { runRecognize } = await import('../actions/recognize.js');
      await runRecognize(inputs, opts);
    },
  );
}

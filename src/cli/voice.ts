/** L16 16 kHz mono: bytes per second of audio (spec 3.5.1); the commands import it from here. */
export { L16_BYTES_PER_SECOND as BYTES_PER_SECOND } from '../protocol/audio-format.js';

/**
 * What to tell the user when the last answer expects a follow-up that this command will not send.
 * A follow-up must travel on the same connection with the same dialog, so it can only come from
 * this same command: a further line or input (a new process would start a new dialog).
 */
export function followUpHint(command: 'text' | 'text-stdin' | 'recognize'): string {
  switch (command) {
    case 'text':
      return "to answer, send the question and the answer in one run, one per line: printf 'order a pizza\\nlarge\\n' | clova-cli text -, or type them at `clova-cli text -`";
    case 'text-stdin':
      return 'the input ended while CLOVA expected an answer; give it as the next line';
    case 'recognize':
      return 'to answer, give the answer as a further input (clova-cli recognize question.wav answer.wav), or talk with `clova-cli listen`';
  }
}

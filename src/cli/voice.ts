/** L16 16 kHz mono: bytes per second of audio (spec 3.5.1). */
export const BYTES_PER_SECOND = 32000;

/**
 * What to tell the user when the last answer expects a follow-up that this command will not send.
 * A follow-up must travel on the same connection with the same dialog, so it can only come from
 * this same command: a further utterance or input (a new process would start a new dialog).
 */
export function followUpHint(command: 'text' | 'recognize'): string {
  return command === 'text'
    ? 'to answer, give the answer as a further utterance (clova-cli text "order a pizza" "large"), or talk with `clova-cli text -`'
    : 'to answer, give the answer as a further input (clova-cli recognize question.wav answer.wav), or talk with `clova-cli listen`';
}

/** L16 16 kHz mono: bytes per second of audio (spec 3.5.1). */
export const BYTES_PER_SECOND = 32000;

/** What to tell the user when CLOVA expects an answer that this command will not capture. */
export function followUpHint(command: 'text' | 'recognize', timeoutMs: number | undefined): string {
  const within = timeoutMs !== undefined ? ` (CLOVA waits ${timeoutMs / 1000} s)` : '';
  const how =
    command === 'text'
      ? 'give it as a further utterance on the same command line, or type it into `clova-cli text -`'
      : 'give it as a further input on the same command line (clova-cli recognize question.wav answer.wav)';
  return `CLOVA expects an answer${within}: ${how}, or answer by voice with \`clova-cli listen\``;
}

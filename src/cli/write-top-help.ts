// Build step (`npm run build`, after tsc): captures what commander prints for `clova-cli --help`
// and writes it into dist/cli/top-help.js, which quick-answer.ts prints without loading commander.
import { writeFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { TOP_HELP_WIDTH } from './quick-answer.js';

/** The top-level help exactly as commander writes it on a stdout that is not a terminal. */
export function captureTopHelp(): string {
  let text = '';
  const program = buildProgram().configureOutput({
    writeOut: (s) => (text += s),
    getOutHelpWidth: () => TOP_HELP_WIDTH,
    getOutHasColors: () => false,
  });
  try {
    program.parse(['--help'], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError) || err.code !== 'commander.helpDisplayed') throw err;
  }
  return text;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const target = new URL('./top-help.js', import.meta.url);
  writeFileSync(
    target,
    '// Written by write-top-help.js at build time: `clova-cli --help` as commander prints it.\n' +
      `export const TOP_HELP = ${JSON.stringify(captureTopHelp())};\n`,
  );
}

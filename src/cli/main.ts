// The entry point (bin/clova-cli.js imports it). `clova-cli --version` and `clova-cli --help` are
// answered from here without loading commander or the program: commander alone puts a one-file
// program at 1.31-1.35x bare `node -e 0`, above the 1.3x start-up target (docs/decisions.md).
import { quickAnswer } from './quick-answer.js';

// The reader of our output went away (`clova-cli … | head -1`): stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

if (!(await quickAnswer(process.argv.slice(2)))) await import('./run.js');

import { CommanderError } from 'commander';
import { ClovaError } from '../protocol/errors.js';
import { loadDotEnv } from './config.js';
import { exitCodeFor, internalErrorLine } from './exit.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    loadDotEnv();
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const code = exitCodeFor(err);
    if (err instanceof CommanderError) return code; // commander already printed its one line
    if (err instanceof ClovaError) {
      const jsonMode = argv.includes('--json');
      if (jsonMode) {
        process.stdout.write(JSON.stringify({ type: 'error', code: err.code, exitCode: err.exitCode, message: err.message }) + '\n');
      }
      process.stderr.write(`clova-cli: error: ${err.message}\n`);
    } else {
      process.stderr.write(internalErrorLine(err) + '\n');
      if (process.env.CLOVA_DEBUG) console.error(err);
    }
    return code;
  }
}

// The reader of our output went away (`clova-cli … | head -1`): stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await main(process.argv);
process.exitCode = code;
// Sockets being torn down must not keep a finished command alive.
setTimeout(() => process.exit(code), 500).unref();

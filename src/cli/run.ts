// Everything but `clova-cli --version` and `clova-cli --help` (main.ts answers those).
import { CommanderError } from 'commander';
import { ClovaError } from '../protocol/errors.js';
import { safeJson, terminalLine } from '../protocol/sanitize.js';
import { loadDotEnv } from './dotenv.js';
import { exitCodeFor, internalErrorLine } from './exit.js';
import { OutputGuard } from './output/guarded-output.js';
import { buildProgram } from './program.js';
import { secrets, withdrawSecrets } from './secrets.js';

// Before anything can be written: every byte to stdout/stderr goes through the secret filter.
const output = new OutputGuard(secrets);
output.install([process.stdout, process.stderr]);

/** The final error line(s); nothing is written after them. */
function reportError(err: unknown, argv: string[]): void {
  if (err instanceof CommanderError) return; // commander already printed its one line
  if (err instanceof ClovaError) {
    // --json keeps the server's exact words (JSON escapes them); the terminal gets one clean line.
    if (argv.includes('--json')) {
      process.stdout.write(safeJson({ type: 'error', code: err.code, exitCode: exitCodeFor(err), message: err.message }) + '\n');
    }
    process.stderr.write(`clova-cli: error: ${terminalLine(err.message)}\n`);
    return;
  }
  if (process.env.CLOVA_DEBUG) console.error(err);
  process.stderr.write(internalErrorLine(err) + '\n');
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    try {
      loadDotEnv();
    } finally {
      // The settings read the secrets from a snapshot; children spawned from now on never see them.
      withdrawSecrets();
    }
    // `clova-cli` alone on a terminal is the interactive session; without one it is the help, as before.
    const args = argv.length === 2 && process.stdin.isTTY === true && process.stdout.isTTY === true ? [...argv, 'chat'] : argv;
    await program.parseAsync(args);
    return 0;
  } catch (err) {
    reportError(err, argv);
    output.seal();
    return exitCodeFor(err);
  }
}

const code = await main(process.argv);
process.exitCode = code;
// Sockets being torn down must not keep a finished command alive.
setTimeout(() => process.exit(code), 500).unref();

import { CommanderError } from 'commander';
import { ClovaError, ExitCode } from '../protocol/errors.js';
import { redact } from '../protocol/redact.js';
import { terminalLine } from '../protocol/sanitize.js';
import { secrets } from './secrets.js';

/** The one place where errors become exit codes (README: "Exit codes"). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ClovaError) return err.exitCode;
  if (err instanceof CommanderError) {
    // --help and --version succeed; help shown because no command was given is a usage error.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    return ExitCode.usage;
  }
  return ExitCode.internal;
}

/** A one-line message for an unexpected error (never with a credential, never with control characters). */
export function internalErrorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return `clova-cli: internal error: ${terminalLine(secrets.redact(redact(msg.split('\n')[0] ?? '')))}; rerun with --verbose and report it`;
}

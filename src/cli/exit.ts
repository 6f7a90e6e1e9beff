import { CommanderError } from 'commander';
import { ClovaError, type ClovaErrorCode } from '../protocol/errors.js';
import { redact } from '../protocol/redact.js';
import { terminalLine } from '../protocol/sanitize.js';
import { secrets } from './secrets.js';

/** Exit codes of the CLI, one per failure class (the README has the table). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  auth: 3,
  connection: 4,
  interrupted: 130,
  /** 128 + SIGTERM (15), as a shell reports a process the signal ended. */
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one table from error code to exit status. The errors below cli/ only say what failed; this
 * is the CLI's policy for it. A Record over the whole union: a new code does not compile until it
 * has its row here.
 */
const EXIT_STATUS: Readonly<Record<ClovaErrorCode, ExitCodeValue>> = {
  // Bad input or a local setup to fix: nothing was sent.
  E_USAGE: ExitCode.usage,
  E_AUDIO_FORMAT: ExitCode.usage,
  E_AUDIO_INPUT: ExitCode.usage,
  E_PROGRAM_MISSING: ExitCode.usage,
  E_SAVE_AUDIO: ExitCode.usage,
  E_CAPTURE_DEVICE: ExitCode.usage,
  // Not an internal error: the machine's audio setup is what needs fixing, like bad input.
  E_RECORDER: ExitCode.usage,
  E_AUTH: ExitCode.auth,
  E_NO_TOKEN: ExitCode.auth,
  E_CONNECTION: ExitCode.connection,
  E_CONNECT: ExitCode.connection,
  E_NOT_HTTP2: ExitCode.connection,
  E_CLOSED: ExitCode.connection,
  E_GOAWAY: ExitCode.connection,
  E_DOWNCHANNEL: ExitCode.connection,
  E_NO_HELLO: ExitCode.connection,
  E_PROTOCOL: ExitCode.connection,
  E_REFUSED: ExitCode.connection,
  E_ABANDONED: ExitCode.connection,
  E_MULTIPART: ExitCode.connection,
  E_TIMEOUT: ExitCode.connection,
  E_UPLOAD_STALLED: ExitCode.connection,
  E_SERVER: ExitCode.connection,
  E_TOO_MANY: ExitCode.connection,
  E_INTERRUPTED: ExitCode.interrupted,
  E_ABORTED: ExitCode.interrupted,
  E_TERMINATED: ExitCode.terminated,
  E_PLAYER: ExitCode.internal,
  E_PLAYER_TIMEOUT: ExitCode.internal,
};

/** The one place where errors become exit codes (README: "Exit codes"). */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof ClovaError) {
    // A code outside the table can only come from code that bypassed the types: our bug.
    return Object.hasOwn(EXIT_STATUS, err.code) ? EXIT_STATUS[err.code] : ExitCode.internal;
  }
  if (err instanceof CommanderError) {
    // --help and --version succeed; help shown because no command was given is a usage error.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
    return ExitCode.usage;
  }
  return ExitCode.internal;
}

/** A one-line message for an unexpected error (never with a credential, never with control characters). */
export function internalErrorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return `clova-cli: internal error: ${terminalLine(secrets.redact(redact(msg.split('\n')[0] ?? '')))}; rerun with --verbose and report it`;
}

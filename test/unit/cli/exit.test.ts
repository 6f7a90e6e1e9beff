import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { PlaybackAbortedError, PlayerError } from '../../../src/audio/player.js';
import { RecorderError } from '../../../src/audio/microphone.js';
import { ExitCode, exitCodeFor } from '../../../src/cli/exit.js';
import * as pkg from '../../../src/index.js';
import {
  AuthError,
  ClovaError,
  ConnectionError,
  InterruptedError,
  MultipartError,
  ServerError,
  TerminatedError,
  TimeoutError,
  UsageError,
  type ClovaErrorCode,
} from '../../../src/protocol/errors.js';

describe('exitCodeFor: the one table from error to exit status (README "Exit codes")', () => {
  it('each error class, with its default code, exits as documented', () => {
    const cases: Array<[ClovaError, number]> = [
      [new UsageError('x'), 2],
      [new AuthError('x'), 3],
      [new AuthError('x', undefined, 'E_NO_TOKEN'), 3],
      [new ConnectionError('x'), 4],
      [new TimeoutError('x'), 4],
      [new ServerError('x', 500), 4],
      [new ServerError('x', 429, undefined, 'E_TOO_MANY'), 4],
      [new MultipartError('x'), 4],
      [new InterruptedError(), 130],
      [new TerminatedError(), 143],
      [new RecorderError('x'), 2],
      [new RecorderError('x', 'E_CAPTURE_DEVICE'), 2],
      [new UsageError('x', 'E_CAPTURE_DEVICE'), 2],
      [new PlayerError('x'), 1],
      [new PlayerError('x', 'E_PLAYER_TIMEOUT'), 1],
      [new PlaybackAbortedError('stop'), 130],
    ];
    for (const [err, status] of cases) expect([err.code, exitCodeFor(err)]).toEqual([err.code, status]);
  });

  it('the status depends on the code alone, not on where the error was raised', () => {
    for (const code of ['E_CONNECT', 'E_NOT_HTTP2', 'E_CLOSED', 'E_GOAWAY', 'E_DOWNCHANNEL', 'E_NO_HELLO', 'E_PROTOCOL', 'E_REFUSED', 'E_ABANDONED'] as const) {
      expect(exitCodeFor(new ConnectionError('x', code))).toBe(ExitCode.connection);
    }
    for (const code of ['E_AUDIO_FORMAT', 'E_AUDIO_INPUT', 'E_PROGRAM_MISSING', 'E_SAVE_AUDIO'] as const) {
      expect(exitCodeFor(new UsageError('x', code))).toBe(ExitCode.usage);
    }
    expect(exitCodeFor(new TimeoutError('x', 'E_UPLOAD_STALLED'))).toBe(ExitCode.connection);
  });

  it('commander: --help and --version succeed, anything else is a usage error; our own bugs exit 1', () => {
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', ''))).toBe(0);
    expect(exitCodeFor(new CommanderError(0, 'commander.version', ''))).toBe(0);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', ''))).toBe(2);
    expect(exitCodeFor(new TypeError('bug'))).toBe(1);
    expect(exitCodeFor('thrown string')).toBe(1);
    // Only code that got past the types can make a code outside the union: that is a bug too.
    expect(exitCodeFor(new ClovaError('x', 'E_NOT_A_CODE' as ClovaErrorCode))).toBe(1);
  });

  it('errors carry no exit policy of their own; the package still exports the table', () => {
    expect(Object.keys(new ConnectionError('x'))).not.toContain('exitCode');
    expect(pkg.ExitCode).toBe(ExitCode);
    expect(pkg.exitCodeFor(new UsageError('x'))).toBe(2);
  });
});

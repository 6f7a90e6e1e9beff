import { describe, expect, it } from 'vitest';
import { Command, CommanderError } from 'commander';
import { registerEmulatorCommand } from '../../../src/cli/commands/emulator.js';
import { FAULT_TABLE } from '../../../src/emulator/index.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { exitCodeFor } from '../../../src/cli/exit.js';

function program(): { cmd: Command; out: () => string } {
  let out = '';
  const cmd = new Command('clova-cli').exitOverride().configureOutput({
    writeOut: (s) => (out += s),
    writeErr: (s) => (out += s),
  });
  registerEmulatorCommand(cmd);
  return { cmd, out: () => out };
}

function run(args: string[]): Promise<unknown> {
  return program().cmd.parseAsync(['node', 'clova-cli', 'emulator', ...args]);
}

describe('clova-cli emulator (options)', () => {
  it('lists every fault in --help', async () => {
    const p = program();
    await expect(p.cmd.parseAsync(['node', 'clova-cli', 'emulator', '--help'])).rejects.toBeInstanceOf(CommanderError);
    const help = p.out();
    for (const opt of ['--host', '--port', '--tls', '--cert', '--key', '--token', '--fault', '--push-every', '--strict-ua', '--quiet', '--recognizer', '--recognized-text', '--no-show-recognized-text', '--record-limit', 'CLOVA_EMULATOR_TOKEN', '--token-lifetime', '--client-id', '--client-secret', 'CLOVA_EMULATOR_CLIENT_SECRET', 'CLOVA_AUTH_URL']) {
      expect(help).toContain(opt);
    }
    for (const f of FAULT_TABLE) expect(help).toContain(f.name + f.value);
  });

  it('rejects bad options with a one-line usage error (exit code 2) before listening', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', 'abc'], /--port "abc" is not a port number/],
      [['--port', '70000'], /not a port number/],
      [['--fault', 'bogus'], /unknown fault "bogus"/],
      [['--fault', 'event-status=abc'], /fault "event-status"/],
      [['--cert', '/nonexistent.pem'], /--cert and --key must be given together/],
      [['--cert', '/nonexistent.pem', '--key', '/nonexistent.key'], /--cert \/nonexistent.pem: ENOENT/],
      [['--push-every', '0'], /--push-every must be a number of seconds above 0 and at most 2147483 \(got "0"\)/],
      [['--push-every', '2147483.648'], /--push-every must be a number of seconds above 0 and at most 2147483 \(got "2147483.648"\)/],
      [['--fault', 'drop-downchannel-after=3000000'], /at most 2147483 seconds/],
      [['--record-limit', '0'], /--record-limit "0" is not a whole number of 1 or more/],
      [['--record-limit', '2.5'], /--record-limit "2.5"/],
      [['--recognizer', 'maybe'], /--recognizer must be auto or off/],
      [['--token-lifetime', 'abc'], /--token-lifetime must be a whole number of seconds from 1 to 2147483647 \(got "abc"\)/],
      [['--token-lifetime', '2147483648'], /--token-lifetime must be a whole number/],
      [['--client-secret', 'a b'], /--client-secret must be non-empty and without whitespace/],
    ];
    for (const [args, re] of cases) {
      const err = await run(args).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, args.join(' ')).toBeInstanceOf(UsageError);
      expect(exitCodeFor(err)).toBe(2);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

import { Option, type Command } from 'commander';
import type { DoctorOptions } from '../actions/doctor.js';

/** `clova-cli doctor`: checks what the client needs, one line each with the fix. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check what clova-cli needs, one line each with the fix: Node.js, the token, CIC (TLS, ALPN h2, Hello, PING), ' +
        'the auth URL, the recorder and capture device, the player, pocketsphinx for the emulator',
    )
    .option('--server <url>', 'the CIC to check, wins over CLOVA_CIC_URL (https:// = TLS, http:// = h2c)')
    .option('--emulator', 'check against the built-in CIC emulator, started in-process on 127.0.0.1 (no token needed)')
    .option('--ca-file <pem>', 'extra trusted CA certificate (NODE_EXTRA_CA_CERTS also works)')
    .option('--insecure', 'testing only: do not verify the server certificate, allow http:// to another host (CLOVA_ALLOW_INSECURE=1 also works)')
    .addOption(new Option('--recorder <backend>', 'capture backend to check, as for listen').choices(['lpcm16', 'mic']).default('lpcm16'))
    .option('--device <name>', 'capture device to check (see `clova-cli devices`; default "default")')
    .option('--player <command>', 'the player to check, as for listen (it plays to a null output)')
    .option('--json', 'NDJSON on stdout: one line per check, then a summary')
    .option('--no-color', 'no colours (NO_COLOR also works)')
    .addHelpText(
      'after',
      `
Exit status: 0 when everything listen needs works (Node.js, token, CIC, recorder, player); otherwise that of
the first failed one: 2 Node.js, the recorder or the player (local setup), 3 the token, 4 CIC (3 when CIC refuses the token).`,
    )
    .action(async (opts: DoctorOptions) => {
      const { runDoctor } = await import('../actions/doctor.js');
      await runDoctor(opts);
    });
}

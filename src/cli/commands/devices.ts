import type { Command } from 'commander';

/** `clova-cli devices`: the capture devices `listen --device` accepts. */
export function registerDevicesCommand(program: Command): void {
  program
    .command('devices')
    .description('list the capture devices that `clova-cli listen --device <name>` accepts')
    .option('--json', 'one NDJSON line per device')
    .action(async (opts: { json?: boolean }) => {
      const { runDevices } = await import('../actions/devices.js');
      await runDevices(opts);
    });
}

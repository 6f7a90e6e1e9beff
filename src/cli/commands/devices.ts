import type { Command } from 'commander';
import { listCaptureDevices } from '../../audio/devices.js';
import { terminalLine } from '../../protocol/sanitize.js';

/** `clova-cli devices`: the capture devices `listen --device` accepts. */
export function registerDevicesCommand(program: Command): void {
  program
    .command('devices')
    .description('list the capture devices that `clova-cli listen --device <name>` accepts')
    .option('--json', 'one NDJSON line per device')
    .action(async (opts: { json?: boolean }) => {
      const devices = await listCaptureDevices();
      for (const d of devices) {
        if (opts.json) process.stdout.write(JSON.stringify({ type: 'device', name: d.name, description: d.description }) + '\n');
        // Names come from the hardware (a USB device describes itself): no escape sequence reaches the terminal.
        else process.stdout.write(`${terminalLine(d.name)}${d.description ? `\t${terminalLine(d.description)}` : ''}\n`);
      }
      if (devices.length === 0 && !opts.json) process.stderr.write('clova-cli: no capture device found\n');
    });
}

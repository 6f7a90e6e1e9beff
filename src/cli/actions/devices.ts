import { listCaptureDevices } from '../../audio/devices.js';
import { safeJson, terminalLine } from '../../protocol/sanitize.js';

/** Runs `clova-cli devices` (commands/devices.ts defines its options). */
export async function runDevices(opts: { json?: boolean }): Promise<void> {
  const devices = await listCaptureDevices();
  for (const d of devices) {
    if (opts.json) process.stdout.write(safeJson({ type: 'device', name: d.name, description: d.description }) + '\n');
    // Names come from the hardware (a USB device describes itself): no escape sequence reaches the terminal.
    else process.stdout.write(`${terminalLine(d.name)}${d.description ? `\t${terminalLine(d.description)}` : ''}\n`);
  }
  if (devices.length === 0 && !opts.json) process.stderr.write('clova-cli: no capture device found\n');
}

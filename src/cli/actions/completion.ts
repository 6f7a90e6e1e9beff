import type { Command } from 'commander';
import { listCaptureDevices } from '../../audio/devices.js';
import { FAULT_TABLE } from '../../emulator/faults.js';
import { UsageError } from '../../protocol/errors.js';
import { bashScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import { completionModel, shortDescription, type SourceValues } from '../completion/model.js';
import type { Shell } from '../completion/shells.js';
import { zshScript } from '../completion/zsh.js';
import { packageVersion } from '../version.js';

export interface CompletionCommandOptions {
  devices?: boolean;
}

const SCRIPTS: Record<Shell, typeof bashScript> = { bash: bashScript, zsh: zshScript, fish: fishScript };

/** The values `completeFrom` sources stand for, read from the modules that own them. */
function sourceValues(): SourceValues {
  return {
    // A fault that needs a value completes to `name=` (the value is the user's to type).
    faults: FAULT_TABLE.map((f) => ({
      word: f.value.startsWith('=') ? `${f.name}=` : f.name,
      description: shortDescription(f.value === '' ? f.effect : `${f.value}: ${f.effect}`),
      open: f.value.startsWith('='),
    })),
  };
}

/**
 * Runs `clova-cli completion` (commands/completion.ts defines its options): the script for `shell`,
 * generated from the program `cmd` belongs to, or with --devices the capture device names for the
 * scripts to offer, one a line: nothing at all, and exit 0, when they cannot be listed (no arecord,
 * no sound card), since a completion must never print an error into the user's command line.
 */
export async function runCompletion(shell: Shell | undefined, opts: CompletionCommandOptions, cmd: Command): Promise<void> {
  if (opts.devices) {
    // Names come from the hardware; only printable names without line breaks are offered.
    const devices = await listCaptureDevices().catch(() => []);
    for (const d of devices) if (/^[^\p{Cc}]+$/u.test(d.name)) process.stdout.write(`${d.name}\n`);
    return;
  }
  if (shell === undefined) throw new UsageError('completion needs a shell: clova-cli completion bash|zsh|fish');
  const program = cmd.parent ?? cmd;
  process.stdout.write(SCRIPTS[shell](completionModel(program, sourceValues()), packageVersion));
}

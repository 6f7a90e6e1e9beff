import type { Command } from 'commander';

/**
 * Runs `prepare` when `cmd` is chosen on the command line, before its options are parsed, its help
 * is shown or its action runs. Help details that need heavier modules (the emulator's fault table,
 * the platform's default player) load there, so `clova-cli --version` and `--help` do not load them.
 */
export function beforeDispatch(cmd: Command, prepare: () => Promise<void>): void {
  const parent = cmd.parent;
  if (!parent) throw new Error(`beforeDispatch: command ${cmd.name()} has no parent`);
  parent.hook('preSubcommand', async (_parent, sub) => {
    if (sub === cmd) await prepare();
  });
}

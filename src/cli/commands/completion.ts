import { Argument, type Command } from 'commander';
import type { CompletionCommandOptions } from '../actions/completion.js';
import { SHELLS, type Shell } from '../completion/shells.js';

/** `clova-cli completion bash|zsh|fish`: a completion script generated from this program's own commands and options. */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish, made from these commands and options (install: see the README)')
    .addArgument(new Argument('[shell]', 'the shell the script is for').choices(SHELLS))
    .option('--devices', 'print the capture device names, one a line, or nothing (the scripts call it to complete --device)')
    .action(async (shell: Shell | undefined, opts: CompletionCommandOptions, cmd: Command) => {
      const { runCompletion } = await import('../actions/completion.js');
      await runCompletion(shell, opts, cmd);
    });
}

import type { Argument, Command, Option } from 'commander';
import { completionSource } from '../completion-hints.js';
import { collect } from '../request-options.js';

/** One word a value may be, with what it means (shown by zsh and fish). */
export interface ValueWord {
  word: string;
  description: string;
  /** The word is only the start of the value (a fault that needs `=value`): no space after it. */
  open?: boolean;
}

/** What a value (of an option or a positional argument) completes to. */
export type ValueSpec =
  | { kind: 'words'; words: ValueWord[] }
  /** Asked of `clova-cli completion --devices` at completion time (the sound cards change). */
  | { kind: 'devices' }
  | { kind: 'files' };

export interface CompletionOption {
  /** `-V`, `--version`: every spelling. */
  flags: string[];
  description: string;
  /** undefined: a switch that takes no value. */
  value?: ValueSpec;
  /** The value may be left out (`[value]`). */
  optionalValue: boolean;
  /** Given more than once, every value counts. */
  repeatable: boolean;
}

export interface CompletionArgument {
  name: string;
  description: string;
  variadic: boolean;
  value: ValueSpec;
}

export interface CompletionCommand {
  /** Names from the program down, the program's own name first. */
  path: string[];
  names: string[];
  description: string;
  options: CompletionOption[];
  args: CompletionArgument[];
  commands: CompletionCommand[];
}

/** The values of a `completeFrom` source, resolved when the script is generated (devices are not). */
export interface SourceValues {
  faults: ValueWord[];
}

/** The first line of a help text, without its markdown quotes, short enough for a completion menu. */
export function shortDescription(text: string, max = 72): string {
  const line = text.split('\n')[0].replace(/`/g, '').trim();
  const first = /^(.*?[^.]\.)\s/.exec(line)?.[1] ?? line; // the first sentence
  return first.length <= max ? first : `${first.slice(0, max - 1).trimEnd()}…`;
}

function words(choices: readonly string[]): ValueSpec {
  return { kind: 'words', words: choices.map((word) => ({ word, description: '' })) };
}

function optionValue(option: Option, values: SourceValues): ValueSpec | undefined {
  if (!option.required && !option.optional) return undefined;
  if (option.argChoices) return words(option.argChoices);
  const source = completionSource(option);
  if (source === 'faults') return { kind: 'words', words: values.faults };
  if (source === 'devices') return { kind: 'devices' };
  return { kind: 'files' };
}

function argument(arg: Argument, siblings: readonly Command[], isHelp: boolean): CompletionArgument {
  // commander's own `help [command]` takes the name of a sibling command.
  const value: ValueSpec = arg.argChoices
    ? words(arg.argChoices)
    : isHelp
      ? { kind: 'words', words: siblings.filter((c) => c.name() !== 'help').map((c) => ({ word: c.name(), description: shortDescription(c.description()) })) }
      : { kind: 'files' };
  return { name: arg.name(), description: shortDescription(arg.description), variadic: arg.variadic, value };
}

/**
 * The completion model of `cmd` and every command below it, read from commander itself: what its
 * help shows (visible commands and options, including the help option and `help` command commander
 * adds), option choices, and the `completeFrom` sources. Hidden options and commands are left out.
 */
export function completionModel(cmd: Command, values: SourceValues, parentPath: string[] = [], isHelp = false, siblings: readonly Command[] = []): CompletionCommand {
  const help = cmd.createHelp();
  const path = [...parentPath, cmd.name()];
  const subcommands = help.visibleCommands(cmd);
  return {
    path,
    names: [cmd.name(), ...cmd.aliases()],
    description: shortDescription(cmd.description()),
    options: help.visibleOptions(cmd).map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => f !== undefined),
      description: shortDescription(o.description),
      value: optionValue(o, values),
      optionalValue: o.optional,
      repeatable: o.variadic || o.parseArg === collect,
    })),
    args: cmd.registeredArguments.map((a) => argument(a, siblings, isHelp)),
    commands: subcommands.map((c) => completionModel(c, values, path, !cmd.commands.includes(c) && c.name() === 'help', subcommands)),
  };
}

/** Every command of the model, the program first, parents before children. */
export function allCommands(model: CompletionCommand): CompletionCommand[] {
  return [model, ...model.commands.flatMap(allCommands)];
}

/** Every way the words after the program's name can spell `cmd`'s path (aliases included), space-separated. */
export function pathSpellings(model: CompletionCommand, cmd: CompletionCommand): string[] {
  let spellings = [''];
  let at = model;
  for (const name of cmd.path.slice(1)) {
    const next = at.commands.find((c) => c.names[0] === name)!;
    spellings = spellings.flatMap((s) => next.names.map((n) => (s === '' ? n : `${s} ${n}`)));
    at = next;
  }
  return spellings;
}

/** Options that take a value (its next word, unless written `--opt=value`). */
export function valuedFlags(cmd: CompletionCommand): string[] {
  return cmd.options.filter((o) => o.value !== undefined && !o.optionalValue).flatMap((o) => o.flags);
}

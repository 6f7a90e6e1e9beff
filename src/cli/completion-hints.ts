import type { Option } from 'commander';

/**
 * Where shell completion finds the values of an option whose values are not a fixed `choices` list
 * (`clova-cli completion`, actions/completion.ts): the emulator's fault names (from its fault table,
 * when the script is generated) or the capture devices (asked of `clova-cli completion --devices`
 * each time the user presses Tab). An option with neither choices nor a source completes file names.
 */
export type CompletionSource = 'faults' | 'devices';

const sources = new WeakMap<Option, CompletionSource>();

/** Marks `option` as completed from `source`; returns it for chaining. */
export function completeFrom<O extends Option>(option: O, source: CompletionSource): O {
  sources.set(option, source);
  return option;
}

/** The source `completeFrom` gave `option`, if any. */
export function completionSource(option: Option): CompletionSource | undefined {
  return sources.get(option);
}

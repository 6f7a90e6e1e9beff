/**
 * How many colours human output uses (a chalk level: 0 none, 1 basic, 2 256, 3 truecolor).
 *
 * Precedence, most explicit first: `--no-color` on the command line; then FORCE_COLOR (as chalk and
 * supports-color read it: "0"/"false" none, ""/"true"/"1" basic, "2" 256, "3" or more truecolor; any
 * other value forces basic colour, since force-color.org says its value does not matter); then
 * NO_COLOR (set and not empty: none); then colour only when stdout is a terminal. FORCE_COLOR beats
 * NO_COLOR as it does in Node itself (tty.getColorDepth): it is usually set for one run
 * (`FORCE_COLOR=1 clova-cli … | less -R`), NO_COLOR once in a profile.
 */
export function colorLevel(inputs: {
  /** commander's `color`: false for --no-color, otherwise undefined or true. */
  flag: boolean | undefined;
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
  /** What chalk detected for the terminal (used only when stdout is one). */
  detected: number;
}): 0 | 1 | 2 | 3 {
  if (inputs.flag === false) return 0;
  const forced = forceColorLevel(inputs.env.FORCE_COLOR);
  if (forced !== undefined) return forced;
  const noColor = inputs.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return 0;
  if (!inputs.stdoutIsTTY) return 0;
  return Math.min(3, Math.max(1, Math.trunc(inputs.detected))) as 1 | 2 | 3;
}

function forceColorLevel(value: string | undefined): 0 | 1 | 2 | 3 | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value === 'true') return 1;
  if (value === 'false') return 0;
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n) || n < 0) return 1;
  return Math.min(n, 3) as 0 | 1 | 2 | 3;
}

/** The width the prebuilt top-level help is wrapped to: commander's own width when stdout is not a terminal. */
export const TOP_HELP_WIDTH = 80;

/**
 * Answers `clova-cli --version` (`-V`) and `clova-cli --help` (`-h`) with exactly what commander
 * prints for them, without loading it; returns false for anything else (the program then runs).
 * The help is the one write-top-help.ts captured from commander at build time, wrapped at 80
 * columns; a terminal narrower than that gets commander's, wrapped to its width.
 */
export async function quickAnswer(args: string[]): Promise<boolean> {
  if (args.length !== 1) return false;
  const arg = args[0];
  if (arg === '--version' || arg === '-V') {
    const { packageVersion } = await import('./version.js');
    process.stdout.write(`${packageVersion}\n`);
    return true;
  }
  if (arg === '--help' || arg === '-h') {
    if (process.stdout.isTTY && (process.stdout.columns ?? TOP_HELP_WIDTH) < TOP_HELP_WIDTH) return false;
    const { TOP_HELP } = await import('./top-help.js');
    if (TOP_HELP === undefined) return false; // built by tsc alone: commander answers
    process.stdout.write(TOP_HELP);
    return true;
  }
  return false;
}

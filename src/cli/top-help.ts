/**
 * `clova-cli --help` as commander prints it, wrapped at TOP_HELP_WIDTH columns. Undefined here:
 * `npm run build` replaces dist/cli/top-help.js with the text write-top-help.ts captures from the
 * program itself, so it cannot drift from the commands' definitions.
 */
export const TOP_HELP: string | undefined = undefined;

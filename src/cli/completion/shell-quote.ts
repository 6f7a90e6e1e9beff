/** `text` as one single-quoted shell word (bash, zsh and fish read `'…'` the same way, but fish escapes differently). */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `text` as one single-quoted fish word: fish allows only `\'` and `\\` escapes inside single quotes. */
export function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A name usable in a shell function name: letters, digits and `_` only. */
export function identifier(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * Strings from the server (and from anything else we do not control) made safe for a terminal. A
 * terminal obeys escape sequences wherever they appear: a RenderText could set the window title
 * (OSC), clear the screen (CSI 2J), or use a carriage return or a newline to draw a forged
 * "clova-cli: error" line over or under ours. Pure: no I/O.
 */

/**
 * Whole escape sequences, so that their parameters do not show up as stray text: CSI (ESC [ or C1
 * U+009B) with its parameter, intermediate and final bytes; the string commands OSC, DCS, SOS, PM
 * and APC (ESC ] P X ^ _ or C1 U+009D U+0090 U+0098 U+009E U+009F) up to BEL or ST, or to the end
 * when unterminated; any other ESC with its intermediate and final byte.
 */
const SEQUENCE =
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|(?:\u001b[\]PX^_]|[\u009d\u0090\u0098\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
/** Everything a terminal could take as a line break: CR, LF, CRLF, VT, FF, NEL, U+2028, U+2029. */
const BREAKS = /(?:\r\n|[\r\n\u000b\u000c\u0085\u2028\u2029])+/g;
const BREAK = /\r\n|[\r\n\u000b\u000c\u0085\u2028\u2029]/g;
/** C0 controls but LF, DEL, C1 controls. */
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
/**
 * Invisible format characters that can disguise what is shown: the bidirectional embeddings,
 * overrides and isolates (U+202A-U+202E, U+2066-U+2069), the directional marks (U+200E, U+200F,
 * U+061C), and the zero-width characters (U+200B-U+200D, U+2060-U+2064, U+FEFF, U+180E). A right-to-left
 * override makes "gpj.exe" read "exe.jpg"; a zero-width space hides inside a word. They are removed.
 */
const INVISIBLE = /[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

function strip(text: string): string {
  return text.replace(/\t/g, ' ').replace(CONTROLS, '').replace(INVISIBLE, '');
}

/**
 * Characters JSON.stringify leaves raw that a terminal showing the NDJSON would obey or hide: DEL,
 * the C1 controls (U+0080-U+009F; U+009B is a CSI), the line and paragraph separators, and the
 * invisible format characters above. They only ever occur inside JSON strings (the structure is
 * ASCII), so each is written as its \uXXXX escape: the value is the same once parsed.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** JSON.stringify(value), with every character a terminal could obey or hide escaped as \uXXXX. */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(JSON_UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Text for ONE terminal line (a notice, a trace line, the final error line): escape sequences and control characters removed, line breaks and tabs turned into spaces. */
export function terminalLine(text: string): string {
  return strip(text.replace(SEQUENCE, '').replace(BREAKS, ' '));
}

/** Text that may span lines (a RenderText): like terminalLine, but each line break becomes a plain \n. */
export function terminalText(text: string): string {
  return strip(text.replace(SEQUENCE, '').replace(BREAK, '\n'));
}

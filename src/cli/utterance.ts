import { UsageError } from '../protocol/errors.js';
import { secrets } from './secrets.js';

/** The most UTF-8 bytes one typed utterance may hold, without its surrounding whitespace. */
export const MAX_UTTERANCE_BYTES = 10000;

// Control characters (C0, DEL, C1) other than tab: they reach the server and its logs as they are.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/u;

function codePoint(ch: string): string {
  return 'U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Checks one utterance (`where` names it: "utterance 2", "line 3 of standard input") and returns
 * it trimmed; throws UsageError for an empty, too long or control-character-bearing one.
 */
export function checkUtterance(raw: string, where: string): string {
  const text = raw.trim();
  if (text.length === 0) throw new UsageError(`${where} is empty: give the text to send, e.g. clova-cli text hello`);
  const control = CONTROL.exec(text);
  if (control) throw new UsageError(`${where} contains a control character (${codePoint(control[0])}); only tab is allowed`);
  if (Buffer.byteLength(text, 'utf8') > MAX_UTTERANCE_BYTES) throw tooLong(where);
  // A token pasted by mistake: not sent to CLOVA, and (chat) not kept in the history.
  if (secrets.holds(text)) throw new UsageError(`${where} holds a secret of this run (an access token, refresh token or client secret): it is not sent`);
  return text;
}

/**
 * Joins the words given on the command line into the one utterance they make (single spaces, as
 * echo does) and checks it. Node has already replaced bytes that are not UTF-8 with U+FFFD, so
 * that character is taken as the sign of an invalid argument.
 */
export function checkArgumentUtterance(words: readonly string[]): string {
  const where = 'the utterance';
  const raw = words.join(' ');
  if (raw.includes('\uFFFD')) throw new UsageError(`${where} is not valid UTF-8; give the text in UTF-8`);
  return checkUtterance(raw, where);
}

function tooLong(where: string): UsageError {
  return new UsageError(`${where} is longer than ${MAX_UTTERANCE_BYTES} bytes; send a shorter utterance`);
}

const LF = 0x0a;
/** Bytes dropped around a line, as trim() would: space, tab and the CR of a CRLF line end. */
const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d;

/**
 * Splits a byte stream into lines and refuses a line as soon as it exceeds the limit, so memory
 * stays at most the limit plus one chunk however long the line. Blank lines are skipped; each
 * other line is decoded with a fatal UTF-8 decoder and checked like an argument.
 */
export class UtteranceLineSplitter {
  private lineNo = 1;
  /** Bytes from the line's first non-blank byte to its last one seen so far. */
  private content: Buffer[] = [];
  private contentBytes = 0;
  /** Blank bytes after the last non-blank one: kept (up to what could still fit) in case more text follows. */
  private blanks: Buffer[] = [];
  private blankBytes = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  /**
   * Feeds the next bytes; yields the complete, checked utterances they end, one at a time, so a
   * bad line is refused only once the lines before it were taken.
   */
  *push(chunk: Buffer): Generator<string> {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.skipping) this.refusing(() => this.addSegment(chunk.subarray(start, end)), true);
      if (nl === -1) break;
      const line = this.skipping ? this.skipLine() : this.refusing(() => this.finishLine());
      if (line !== undefined) yield line;
      start = nl + 1;
    }
  }

  /**
   * With `refused` (chat): a bad line is handed to it and skipped, and the lines after it go on;
   * without: the error is thrown (text -: bad input ends the command).
   */
  constructor(private readonly refused?: (err: UsageError) => void) {}

  /** The rest of a refused line is read past, not kept. */
  private skipping = false;

  /** `midLine`: the error came before the line's end, so the rest of the line is skipped. */
  private refusing<T>(work: () => T, midLine = false): T | undefined {
    try {
      return work();
    } catch (err) {
      if (!this.refused || !(err instanceof UsageError)) throw err;
      this.skipping = midLine;
      this.refused(err);
      return undefined;
    }
  }

  private skipLine(): undefined {
    this.skipping = false;
    this.lineNo++;
    this.content = [];
    this.contentBytes = 0;
    this.blanks = [];
    this.blankBytes = 0;
    return undefined;
  }

  /** Call at the end of input: yields the last line's utterance when it had no newline. */
  *end(): Generator<string> {
    const line = this.skipping ? this.skipLine() : this.refusing(() => this.finishLine());
    if (line !== undefined) yield line;
  }

  private where(): string {
    return `line ${this.lineNo} of standard input`;
  }

  private addSegment(seg: Buffer): void {
    let first = 0;
    while (first < seg.length && isBlank(seg[first]!)) first++;
    if (first === seg.length) {
      if (this.contentBytes > 0) this.addBlanks(seg);
      return;
    }
    let last = seg.length - 1;
    while (isBlank(seg[last]!)) last--;
    if (this.contentBytes > 0) this.addBlanks(seg.subarray(0, first));
    const text = seg.subarray(first, last + 1);
    const total = this.contentBytes + (this.contentBytes > 0 ? this.blankBytes : 0) + text.length;
    if (total > MAX_UTTERANCE_BYTES) throw tooLong(this.where());
    if (this.contentBytes > 0) this.content.push(...this.blanks);
    this.content.push(Buffer.from(text)); // a copy: the reader may reuse its chunk
    this.contentBytes = total;
    this.blanks = [];
    this.blankBytes = 0;
    this.addBlanks(seg.subarray(last + 1));
  }

  private addBlanks(seg: Buffer): void {
    if (seg.length === 0) return;
    // Blanks that already push the line past the limit are only counted: any further text is refused.
    const room = MAX_UTTERANCE_BYTES - this.contentBytes - this.blankBytes;
    if (room > 0) this.blanks.push(Buffer.from(seg.subarray(0, room)));
    this.blankBytes += seg.length;
  }

  private finishLine(): string | undefined {
    const where = this.where();
    const bytes = Buffer.concat(this.content);
    this.lineNo++;
    this.content = [];
    this.contentBytes = 0;
    this.blanks = [];
    this.blankBytes = 0;
    if (bytes.length === 0) return undefined;
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      throw new UsageError(`${where} is not valid UTF-8; give the text in UTF-8`);
    }
    // Whitespace other than space and tab (e.g. U+3000) can still leave nothing: a blank line.
    if (text.trim().length === 0) return undefined;
    return checkUtterance(text, where);
  }
}

/** The checked utterances of a byte stream, one per non-blank line, as the lines arrive (`refused`: see the splitter). */
export async function* utteranceLines(input: AsyncIterable<Buffer | string>, refused?: (err: UsageError) => void): AsyncGenerator<string> {
  const splitter = new UtteranceLineSplitter(refused);
  for await (const chunk of input) {
    yield* splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  yield* splitter.end();
}

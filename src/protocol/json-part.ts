/**
 * Collects the body of a JSON part. `tryEarly` parses it before the part's closing delimiter
 * has arrived, so a downchannel directive (Hello, a push) counts as soon as its JSON is complete
 * (spec 2.2) even though the server sends the next delimiter only with the next directive.
 */
export class JsonPartAccumulator {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly maxBytes: number;
  /** Set once the part was handed out early, so it is not handed out again at its end. */
  deliveredEarly = false;

  constructor(maxBytes = 4 * 1024 * 1024) {
    this.maxBytes = maxBytes;
  }

  /** Adds body bytes; returns false when the part grew past the size limit. */
  add(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return false;
    this.chunks.push(chunk);
    return true;
  }

  /** The whole text received so far. */
  text(extra?: Buffer): string {
    const all = extra && extra.length > 0 ? [...this.chunks, extra] : this.chunks;
    return Buffer.concat(all).toString('utf8');
  }

  /** Parses the complete part; throws SyntaxError on bad JSON. */
  parse(): unknown {
    return JSON.parse(this.text());
  }

  /**
   * Parses body + held-back bytes when they already form a complete JSON value ending in `}`.
   * Returns undefined when not complete yet (a complete object cannot become a different valid
   * object by appending bytes, so an early parse never changes the result).
   */
  tryEarly(heldBack: Buffer): unknown {
    if (this.deliveredEarly) return undefined;
    if (lastNonSpace([...this.chunks, heldBack]) !== 0x7d /* } */) return undefined;
    try {
      return JSON.parse(this.text(heldBack));
    } catch {
      return undefined;
    }
  }
}

/** The last byte that is not JSON whitespace across the buffers, or -1. */
function lastNonSpace(buffers: Buffer[]): number {
  for (let j = buffers.length - 1; j >= 0; j--) {
    const buf = buffers[j]!;
    for (let i = buf.length - 1; i >= 0; i--) {
      const c = buf[i]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
    }
  }
  return -1;
}

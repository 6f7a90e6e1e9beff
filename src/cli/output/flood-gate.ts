/**
 * A flood of lines of one kind (10,000 SetAlert directives in one answer, and as many "could not
 * be set" notices) is shown as its first `limit` lines and then one summary line, "… and 9,990
 * more SetAlert", told when a line of another kind comes or the turn ends.
 */
export const FLOOD_LINES = 10;

export class FloodGate {
  private kind: string | undefined;
  private run = 0;

  constructor(
    /** Writes the summary line. */
    private readonly summary: (line: string) => void,
    readonly limit = FLOOD_LINES,
  ) {}

  /** True when a line of `kind` is to be shown; false when it is one too many of a run. */
  pass(kind: string): boolean {
    if (kind !== this.kind) {
      this.flush();
      this.kind = kind;
    }
    this.run++;
    return this.run <= this.limit;
  }

  /** Tells what was held back of the current run (if anything) and starts afresh. */
  flush(): void {
    const more = this.run - this.limit;
    if (this.kind !== undefined && more > 0) this.summary(`… and ${more.toLocaleString('en-US')} more ${this.kind}`);
    this.kind = undefined;
    this.run = 0;
  }
}

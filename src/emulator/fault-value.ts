/**
 * Reading the value of one fault spec (`name=value`). Every message is one line and names the
 * fault and its syntax, so `--fault` and `--emulator-fault` can print it as a usage error.
 */

/** The text after `=` of one fault spec, with the readers a fault table row parses it with. */
export class FaultValue {
  readonly name: string;
  /** The value as written; undefined when the spec has no `=`. */
  readonly text: string | undefined;
  private readonly syntax: string;

  constructor(name: string, syntax: string, text: string | undefined) {
    this.name = name;
    this.syntax = syntax;
    this.text = text;
  }

  /** Throws unless the spec has no value; returns no parameters. */
  none(): Record<never, never> {
    if (this.text !== undefined) throw new Error(`fault "${this.name}" takes no value`);
    return {};
  }

  /** The value, or throws when it is missing or empty. */
  need(): string {
    if (this.text === undefined || this.text === '') throw new Error(`fault "${this.name}" needs a value: ${this.syntax}`);
    return this.text;
  }

  /** An invalid-value error for `value`. */
  bad(value: string, why: string): Error {
    return new Error(`fault "${this.name}": invalid value "${value}" (${why}; syntax ${this.syntax})`);
  }

  /** A whole number in [min, max]; `fallback` when the spec has no value (then the value is optional). */
  integer(range: { min: number; max?: number; fallback?: number }): number {
    const { min, max = Number.MAX_SAFE_INTEGER, fallback } = range;
    if (fallback !== undefined && this.text === undefined) return fallback;
    const value = fallback !== undefined ? this.text! : this.need();
    if (!/^\d+$/.test(value)) throw this.bad(value, 'expected a whole number');
    const n = Number(value);
    if (n < min || n > max) {
      throw this.bad(value, max === Number.MAX_SAFE_INTEGER ? `expected ${min} or more` : `expected ${min}-${max}`);
    }
    return n;
  }

  /** Seconds, fractions allowed, at most `max`. */
  seconds(max: number): number {
    const value = this.need();
    if (!/^\d+(\.\d+)?$|^\.\d+$/.test(value)) throw this.bad(value, 'expected seconds, fractions allowed');
    if (Number(value) > max) throw this.bad(value, `at most ${max} seconds`);
    return Number(value);
  }

  /** `<code>[:N]`: a status of 400-599 (or 204 when `allowNoContent`) and an optional count of 1 or more. */
  statusWithCount(allowNoContent: boolean): { status: number; count?: number } {
    const value = this.need();
    const m = /^(\d{3})(?::(\d+))?$/.exec(value);
    if (!m) throw this.bad(value, 'expected <code>[:N]');
    const status = Number(m[1]);
    if (!((allowNoContent && status === 204) || (status >= 400 && status <= 599))) {
      throw this.bad(value, allowNoContent ? 'status must be 204 or 400-599' : 'status must be 400-599');
    }
    if (m[2] === undefined) return { status };
    const count = Number(m[2]);
    if (count < 1) throw this.bad(value, 'N must be 1 or more');
    return { status, count };
  }
}

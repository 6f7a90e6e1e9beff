/**
 * The faults in force while the emulator runs, read through the fault table. Apart from faults.ts so
 * that a client which only validates `--emulator-fault` loads the table and its parser, nothing more.
 */
import { faultRow, type Fault, type FaultName } from './faults.js';

/** The parameters of a parsed fault (everything but its name). */
function paramsOf(f: Fault): object {
  const { name: _name, ...params } = f;
  return params;
}

/** A fault as a spec again (`name` or `name=value`), for logs. */
export function showFault(f: Fault): string {
  const r = faultRow(f.name);
  const params = paramsOf(f);
  const values = Object.values(params) as unknown[];
  const value = r.show ? r.show(params) : values.length === 1 ? String(values[0]) : undefined;
  return value === undefined ? f.name : `${f.name}=${value}`;
}

/** Read access to the faults in force: what answer builders and wire framing need. */
export interface FaultReader {
  /** True when a fault of this name is in force. */
  has(name: FaultName): boolean;
  /** The (last given) fault of this name, or undefined. */
  get<N extends FaultName>(name: N): Extract<Fault, { name: N }> | undefined;
}

/** The faults in force, with the remaining uses of the counted ones. */
export class ActiveFaults implements FaultReader {
  private readonly faults: Fault[];
  private readonly remaining = new Map<Fault, number>();

  constructor(faults: readonly Fault[] = []) {
    this.faults = [...faults];
    for (const f of this.faults) {
      const uses = faultRow(f.name).uses?.(paramsOf(f));
      if (uses !== undefined) this.remaining.set(f, uses);
    }
  }

  /** The specs in force, for logs. */
  describe(): string[] {
    return this.faults.map(showFault);
  }

  has(name: FaultName): boolean {
    return this.faults.some((f) => f.name === name);
  }

  get<N extends FaultName>(name: N): Extract<Fault, { name: N }> | undefined {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.name === name) return f as Extract<Fault, { name: N }>;
    }
    return undefined;
  }

  /**
   * Uses up one application of a counted fault. Returns the fault when it applies to this occasion;
   * an uncounted fault (such as `event-status` without `:N`) applies every time.
   */
  take<N extends FaultName>(name: N): Extract<Fault, { name: N }> | undefined {
    const f = this.get(name);
    if (!f) return undefined;
    const left = this.remaining.get(f);
    if (left === undefined) return f;
    if (left <= 0) return undefined;
    this.remaining.set(f, left - 1);
    return f;
  }
}

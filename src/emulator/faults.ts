/**
 * Fault injection for the emulator. A fault is written `name` or `name=value`, the same way on the
 * CLI (`--fault`, repeatable) and in `EmulatorOptions.faults` / `Emulator.setFaults`.
 */
import { MAX_TIMER_SECONDS } from '../protocol/timer-range.js';

/** One parsed fault. Counted faults keep their own remaining count in `ActiveFaults`. */
export type Fault =
  | { name: 'goaway-after-hello'; connections: number }
  | { name: 'drop-downchannel-after'; seconds: number }
  | { name: 'no-hello' }
  | { name: 'event-status'; status: number; count?: number }
  | { name: 'downchannel-status'; status: number; count: number }
  | { name: 'event-delay'; ms: number }
  | { name: 'slow-frames'; bytes: number }
  | { name: 'no-ping-ack' }
  | { name: 'attachment-size'; bytes: number }
  | { name: 'extra-directives'; count: number }
  | { name: 'unknown-directive' }
  | { name: 'stale-directive' }
  | { name: 'attachment-first' }
  | { name: 'shuffle' }
  | { name: 'content-id-brackets' }
  | { name: 'quirky-content-type' }
  | { name: 'form-data-response' }
  | { name: 'stop-capture-after'; ms: number }
  | { name: 'no-stop-capture' }
  | { name: 'reset-recognize'; ms: number };

/** The name of a fault. */
export type FaultName = Fault['name'];

/** One row of the fault table printed by `--help` and the README. */
export interface FaultDescription {
  name: FaultName;
  /** Value syntax, '' when the fault takes none; `[...]` marks an optional value. */
  value: string;
  effect: string;
}

/** Every fault, its value syntax and its effect. The single source for help texts. */
export const FAULT_TABLE: readonly FaultDescription[] = [
  {
    name: 'goaway-after-hello',
    value: '[=N]',
    effect:
      'on the first N connections (default 1) send GOAWAY (NO_ERROR) right after Hello, end the downchannel 100 ms later and close the session',
  },
  {
    name: 'drop-downchannel-after',
    value: '=<seconds>',
    effect: 'end every downchannel this many seconds after its Hello (close delimiter + END_STREAM)',
  },
  { name: 'no-hello', value: '', effect: 'answer the downchannel 200 but never send Clova.Hello' },
  {
    name: 'event-status',
    value: '=<code>[:N]',
    effect: 'answer the first N events (default all) with this status (204, or 400-599 with a System.Exception)',
  },
  {
    name: 'downchannel-status',
    value: '=<code>[:N]',
    effect: 'answer the first N downchannel requests (default 1) with this status (400-599)',
  },
  { name: 'event-delay', value: '=<ms>', effect: 'wait this long before answering each event' },
  {
    name: 'slow-frames',
    value: '[=bytes]',
    effect: 'write response and downchannel bodies in pieces of this size (default 7), one DATA frame each',
  },
  { name: 'no-ping-ack', value: '', effect: 'never acknowledge client PING frames (they are dropped before the HTTP/2 stack)' },
  {
    name: 'attachment-size',
    value: '=<bytes>',
    effect: 'make each Speak attachment about this many bytes of valid MP3 (whole frames, may exceed slightly)',
  },
  {
    name: 'extra-directives',
    value: '=<n>',
    effect: 'append n Clova.RenderText directives ("directive 1" ...) to each Recognize answer',
  },
  {
    name: 'unknown-directive',
    value: '',
    effect: 'insert Unknown.FutureDirective before RenderText in each Recognize answer',
  },
  {
    name: 'stale-directive',
    value: '',
    effect: "start each Recognize answer with a RenderText carrying the previous dialog's dialogRequestId",
  },
  { name: 'attachment-first', value: '', effect: 'send each attachment part before the Speak that refers to it' },
  { name: 'shuffle', value: '', effect: 'shuffle the parts of each 200 answer (deterministic seed)' },
  { name: 'content-id-brackets', value: '', effect: 'send Content-ID: <uuid> with angle brackets' },
  {
    name: 'quirky-content-type',
    value: '',
    effect: 'response content-type multipart/related; boundary="<b>"; (quoted, trailing ;)',
  },
  { name: 'form-data-response', value: '', effect: 'response media type multipart/form-data instead of multipart/related' },
  {
    name: 'stop-capture-after',
    value: '=<ms>',
    effect:
      'send StopCapture once this many ms of audio have arrived (audio time: 32 bytes = 1 ms; 0 = before any audio), instead of the VAD, the no-speech timeout and the 10 s cap',
  },
  {
    name: 'no-stop-capture',
    value: '',
    effect: 'never send SpeechRecognizer.StopCapture; answer once the client ends the body by itself',
  },
  {
    name: 'reset-recognize',
    value: '[=<ms>]',
    effect: 'reset each SpeechRecognizer.Recognize stream (RST_STREAM INTERNAL_ERROR) once this many ms of audio have arrived (default 400)',
  },
];

const NAMES = FAULT_TABLE.map((f) => f.name);

/** The fault table as aligned text lines for `--help`, effects word-wrapped to `width` columns. */
export function formatFaultTable(indent = '  ', width = 80): string {
  const specs = FAULT_TABLE.map((f) => f.name + f.value);
  const col = Math.max(...specs.map((s) => s.length));
  const room = Math.max(30, width - indent.length - col - 2);
  return FAULT_TABLE.map((f, i) => {
    const lines: string[] = [];
    let line = '';
    for (const word of f.effect.split(' ')) {
      if (line && line.length + 1 + word.length > room) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
    const pad = ' '.repeat(indent.length + col + 2);
    return `${indent}${specs[i]!.padEnd(col)}  ${lines.join(`\n${pad}`)}`;
  }).join('\n');
}

function syntaxOf(name: FaultName): string {
  const row = FAULT_TABLE.find((f) => f.name === name)!;
  return name + row.value;
}

function bad(name: FaultName, value: string, why: string): Error {
  return new Error(`fault "${name}": invalid value "${value}" (${why}; syntax ${syntaxOf(name)})`);
}

function integer(name: FaultName, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value)) throw bad(name, value, 'expected a whole number');
  const n = Number(value);
  if (n < min || n > max) {
    throw bad(name, value, max === Number.MAX_SAFE_INTEGER ? `expected ${min} or more` : `expected ${min}-${max}`);
  }
  return n;
}

function statusWithCount(
  name: 'event-status' | 'downchannel-status',
  value: string,
  allowNoContent: boolean,
): { status: number; count?: number } {
  const m = /^(\d{3})(?::(\d+))?$/.exec(value);
  if (!m) throw bad(name, value, 'expected <code>[:N]');
  const status = Number(m[1]);
  if (!((allowNoContent && status === 204) || (status >= 400 && status <= 599))) {
    throw bad(name, value, allowNoContent ? 'status must be 204 or 400-599' : 'status must be 400-599');
  }
  if (m[2] === undefined) return { status };
  const count = Number(m[2]);
  if (count < 1) throw bad(name, value, 'N must be 1 or more');
  return { status, count };
}

/** Parses one fault spec (`name` or `name=value`); throws Error with a one-line message when invalid. */
export function parseFault(spec: string): Fault {
  const text = spec.trim();
  const eq = text.indexOf('=');
  const rawName = eq < 0 ? text : text.slice(0, eq);
  const value = eq < 0 ? undefined : text.slice(eq + 1);
  if (!(NAMES as string[]).includes(rawName)) {
    throw new Error(`unknown fault "${rawName}": expected one of ${NAMES.join(', ')}`);
  }
  const name = rawName as FaultName;
  const need = (): string => {
    if (value === undefined || value === '') throw new Error(`fault "${name}" needs a value: ${syntaxOf(name)}`);
    return value;
  };
  const none = (): void => {
    if (value !== undefined) throw new Error(`fault "${name}" takes no value`);
  };
  switch (name) {
    case 'goaway-after-hello':
      return { name, connections: value === undefined ? 1 : integer(name, value, 1) };
    case 'drop-downchannel-after': {
      const v = need();
      if (!/^\d+(\.\d+)?$|^\.\d+$/.test(v)) throw bad(name, v, 'expected seconds, fractions allowed');
      // Node's timer range: a longer timer fires after 1 ms instead.
      if (Number(v) > MAX_TIMER_SECONDS) throw bad(name, v, `at most ${MAX_TIMER_SECONDS} seconds`);
      return { name, seconds: Number(v) };
    }
    case 'event-status': {
      const r = statusWithCount(name, need(), true);
      return r.count === undefined ? { name, status: r.status } : { name, status: r.status, count: r.count };
    }
    case 'downchannel-status': {
      const r = statusWithCount(name, need(), false);
      return { name, status: r.status, count: r.count ?? 1 };
    }
    case 'event-delay':
      return { name, ms: integer(name, need(), 0, 600_000) };
    case 'slow-frames':
      return { name, bytes: value === undefined ? 7 : integer(name, value, 1) };
    case 'attachment-size':
      return { name, bytes: integer(name, need(), 1, 64 * 1024 * 1024) };
    case 'extra-directives':
      return { name, count: integer(name, need(), 0, 10_000) };
    case 'stop-capture-after':
      return { name, ms: integer(name, need(), 0, 600_000) };
    case 'reset-recognize':
      return { name, ms: value === undefined ? 400 : integer(name, value, 0, 600_000) };
    case 'no-hello':
    case 'no-ping-ack':
    case 'unknown-directive':
    case 'stale-directive':
    case 'attachment-first':
    case 'shuffle':
    case 'content-id-brackets':
    case 'quirky-content-type':
    case 'form-data-response':
    case 'no-stop-capture':
      none();
      return { name };
  }
}

/** Parses a list of fault specs; throws on the first invalid one. */
export function parseFaults(specs: readonly string[]): Fault[] {
  return specs.map(parseFault);
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
      if (f.name === 'goaway-after-hello') this.remaining.set(f, f.connections);
      else if (f.name === 'downchannel-status') this.remaining.set(f, f.count);
      else if (f.name === 'event-status' && f.count !== undefined) this.remaining.set(f, f.count);
    }
  }

  /** The specs in force, for logs. */
  describe(): string[] {
    return this.faults.map((f) => {
      switch (f.name) {
        case 'goaway-after-hello':
          return `${f.name}=${f.connections}`;
        case 'drop-downchannel-after':
          return `${f.name}=${f.seconds}`;
        case 'event-status':
          return `${f.name}=${f.status}${f.count === undefined ? '' : `:${f.count}`}`;
        case 'downchannel-status':
          return `${f.name}=${f.status}:${f.count}`;
        case 'event-delay':
          return `${f.name}=${f.ms}`;
        case 'slow-frames':
        case 'attachment-size':
          return `${f.name}=${f.bytes}`;
        case 'extra-directives':
          return `${f.name}=${f.count}`;
        case 'stop-capture-after':
        case 'reset-recognize':
          return `${f.name}=${f.ms}`;
        default:
          return f.name;
      }
    });
  }

  /** True when a fault of this name is in force. */
  has(name: FaultName): boolean {
    return this.faults.some((f) => f.name === name);
  }

  /** The (last given) fault of this name, or undefined. */
  get<N extends FaultName>(name: N): Extract<Fault, { name: N }> | undefined {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.name === name) return f as Extract<Fault, { name: N }>;
    }
    return undefined;
  }

  /**
   * Uses up one application of a counted fault. Returns the fault when it applies to this occasion;
   * uncounted `event-status` applies every time.
   */
  take<N extends 'goaway-after-hello' | 'downchannel-status' | 'event-status'>(
    name: N,
  ): Extract<Fault, { name: N }> | undefined {
    const f = this.get(name);
    if (!f) return undefined;
    const left = this.remaining.get(f);
    if (left === undefined) return f;
    if (left <= 0) return undefined;
    this.remaining.set(f, left - 1);
    return f;
  }
}

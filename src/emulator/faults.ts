/**
 * Fault injection for the emulator. A fault is written `name` or `name=value`, the same way on the
 * CLI (`--fault`, repeatable) and in `EmulatorOptions.faults` / `Emulator.setFaults`.
 *
 * FAULT_TABLE is the one place a fault is declared: its name, value syntax and parser, the help
 * text and where it acts. `--help`, the README check, the parser, and the counting and logging of
 * the faults in force (active-faults.ts) all read it; adding a fault is one row here plus its
 * effect where its row says it acts.
 */
import { MAX_TIMER_SECONDS } from '../protocol/timer-range.js';

/** The part of the emulator that reads a fault (where its effect is coded). */
export type FaultSite =
  /** the connection's frames (server.ts, asked by the PING filter of listener.ts) */
  | 'connection'
  /** downchannel requests and open downchannels (downchannel-registry.ts) */
  | 'downchannel'
  /** the handling of each event request (events.ts) */
  | 'event'
  /** what an answer says (answer.ts) */
  | 'answer'
  /** how bodies are framed and written (wire.ts) */
  | 'wire'
  /** how SpeechRecognizer.Recognize listens (voice-capture.ts) */
  | 'voice'
  /** the Client Auth API, `/authorize` and `/token` (auth-api.ts) */
  | 'auth';

/** One row of the fault table printed by `--help` and the README. */
export interface FaultDescription {
  readonly name: string;
  /** Value syntax, '' when the fault takes none; `[...]` marks an optional value. */
  readonly value: string;
  readonly effect: string;
  readonly actsOn: FaultSite;
}

/** One fault: its description, and how its value becomes the parameters `P` its effect reads. */
export interface FaultRow<N extends string = string, P extends object = object> extends FaultDescription {
  readonly name: N;
  /** The parameters of a spec; throws Error with a one-line message when the value is invalid. */
  parse(value: FaultValue): P;
  /** How many occasions a counted fault applies to; undefined (or no `uses`) = every occasion. */
  uses?(params: P): number | undefined;
  /** The value as the log shows it; by default the single parameter, or nothing when there is none. */
  show?(params: P): string;
}

/**
 * The text after `=` of one fault spec, with the readers a fault table row parses it with. Every
 * message is one line naming the fault and its syntax: `--fault` and `--emulator-fault` print it
 * as a usage error.
 */
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

  /** One of the given statuses. */
  oneOf(statuses: readonly number[]): number {
    const value = this.need();
    if (!/^\d{3}$/.test(value) || !statuses.includes(Number(value))) throw this.bad(value, `expected ${statuses.join(', ')}`);
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

function row<N extends string, P extends object>(r: FaultRow<N, P>): FaultRow<N, P> {
  return r;
}

const ROWS = [
  row({
    name: 'goaway-after-hello',
    value: '[=N]',
    actsOn: 'downchannel',
    effect:
      'on the first N connections (default 1) send GOAWAY (NO_ERROR) right after Hello, end the downchannel 100 ms later and close the session',
    parse: (v) => ({ connections: v.integer({ min: 1, fallback: 1 }) }),
    uses: (p) => p.connections,
  }),
  row({
    name: 'drop-downchannel-after',
    value: '=<seconds>',
    actsOn: 'downchannel',
    effect: 'end every downchannel this many seconds after its Hello (close delimiter + END_STREAM)',
    // Node's timer range: a longer timer fires after 1 ms instead.
    parse: (v) => ({ seconds: v.seconds(MAX_TIMER_SECONDS) }),
  }),
  row({
    name: 'no-hello',
    value: '',
    actsOn: 'downchannel',
    effect: 'answer the downchannel 200 but never send Clova.Hello',
    parse: (v) => v.none(),
  }),
  row({
    name: 'event-status',
    value: '=<code>[:N]',
    actsOn: 'event',
    effect: 'answer the first N events (default all) with this status (204, or 400-599 with a System.Exception)',
    parse: (v) => v.statusWithCount(true),
    uses: (p) => p.count,
    show: (p) => `${p.status}${p.count === undefined ? '' : `:${p.count}`}`,
  }),
  row({
    name: 'downchannel-status',
    value: '=<code>[:N]',
    actsOn: 'downchannel',
    effect: 'answer the first N downchannel requests (default 1) with this status (400-599)',
    parse: (v) => {
      const r = v.statusWithCount(false);
      return { status: r.status, count: r.count ?? 1 };
    },
    uses: (p) => p.count,
    show: (p) => `${p.status}:${p.count}`,
  }),
  row({
    name: 'event-delay',
    value: '=<ms>',
    actsOn: 'event',
    effect: 'wait this long before answering each event',
    parse: (v) => ({ ms: v.integer({ min: 0, max: 600_000 }) }),
  }),
  row({
    name: 'slow-frames',
    value: '[=bytes]',
    actsOn: 'wire',
    effect: 'write response and downchannel bodies in pieces of this size (default 7), one DATA frame each',
    parse: (v) => ({ bytes: v.integer({ min: 1, fallback: 7 }) }),
  }),
  row({
    name: 'no-ping-ack',
    value: '',
    actsOn: 'connection',
    effect: 'never acknowledge client PING frames (they are dropped before the HTTP/2 stack)',
    parse: (v) => v.none(),
  }),
  row({
    name: 'attachment-size',
    value: '=<bytes>',
    actsOn: 'answer',
    effect: 'make each Speak attachment about this many bytes of valid MP3 (whole frames, may exceed slightly)',
    parse: (v) => ({ bytes: v.integer({ min: 1, max: 64 * 1024 * 1024 }) }),
  }),
  row({
    name: 'extra-directives',
    value: '=<n>',
    actsOn: 'answer',
    effect: 'append n Clova.RenderText directives ("directive 1" ...) to each Recognize answer',
    parse: (v) => ({ count: v.integer({ min: 0, max: 10_000 }) }),
  }),
  row({
    name: 'unknown-directive',
    value: '',
    actsOn: 'answer',
    effect: 'insert Unknown.FutureDirective before RenderText in each Recognize answer',
    parse: (v) => v.none(),
  }),
  row({
    name: 'stale-directive',
    value: '',
    actsOn: 'answer',
    effect: "start each Recognize answer with a RenderText carrying the previous dialog's dialogRequestId",
    parse: (v) => v.none(),
  }),
  row({
    name: 'attachment-first',
    value: '',
    actsOn: 'wire',
    effect: 'send each attachment part before the Speak that refers to it',
    parse: (v) => v.none(),
  }),
  row({
    name: 'shuffle',
    value: '',
    actsOn: 'wire',
    effect: 'shuffle the parts of each 200 answer (deterministic seed)',
    parse: (v) => v.none(),
  }),
  row({
    name: 'content-id-brackets',
    value: '',
    actsOn: 'wire',
    effect: 'send Content-ID: <uuid> with angle brackets',
    parse: (v) => v.none(),
  }),
  row({
    name: 'quirky-content-type',
    value: '',
    actsOn: 'wire',
    effect: 'response content-type multipart/related; boundary="<b>"; (quoted, trailing ;)',
    parse: (v) => v.none(),
  }),
  row({
    name: 'form-data-response',
    value: '',
    actsOn: 'wire',
    effect: 'response media type multipart/form-data instead of multipart/related',
    parse: (v) => v.none(),
  }),
  row({
    name: 'stop-capture-after',
    value: '=<ms>',
    actsOn: 'voice',
    effect:
      'send StopCapture once this many ms of audio have arrived (audio time: 32 bytes = 1 ms; 0 = before any audio), instead of the VAD, the no-speech timeout and the 10 s cap',
    parse: (v) => ({ ms: v.integer({ min: 0, max: 600_000 }) }),
  }),
  row({
    name: 'no-stop-capture',
    value: '',
    actsOn: 'voice',
    effect: 'never send SpeechRecognizer.StopCapture; answer once the client ends the body by itself',
    parse: (v) => v.none(),
  }),
  row({
    name: 'reset-recognize',
    value: '[=<ms>]',
    actsOn: 'voice',
    effect:
      'reset each SpeechRecognizer.Recognize stream (RST_STREAM INTERNAL_ERROR) once this many ms of audio have arrived (default 400)',
    parse: (v) => ({ ms: v.integer({ min: 0, max: 600_000, fallback: 400 }) }),
  }),
  row({
    name: 'authorize-status',
    value: '=<code>',
    actsOn: 'auth',
    effect:
      'answer every valid GET /authorize with this status (403, 423, 451 or 500): 403 invalid NAVER token, 423 withdrawn account, 451 terms not accepted (a usable code and a redirect_uri to the emulator\'s /terms page), 500 server error',
    parse: (v) => ({ status: v.oneOf([403, 423, 451, 500]) }),
  }),
  row({
    name: 'token-status',
    value: '=<code>',
    actsOn: 'auth',
    effect: 'answer every valid /token request (all grant types) with this status (400 or 500) and an {"error",…} body',
    parse: (v) => ({ status: v.oneOf([400, 500]) }),
  }),
] as const;

type FaultOf<R> = R extends FaultRow<infer N, infer P> ? { name: N } & P : never;

/** One parsed fault: its name and the parameters its row's parser gives. */
export type Fault = FaultOf<(typeof ROWS)[number]>;

/** The name of a fault. */
export type FaultName = Fault['name'];

/** Every fault, in the order `--help` and the README list them. */
export const FAULT_TABLE: readonly FaultRow<FaultName>[] = ROWS;

const BY_NAME = new Map<string, FaultRow<FaultName>>(FAULT_TABLE.map((r) => [r.name, r]));

/** The row of a fault. */
export function faultRow(name: FaultName): FaultRow<FaultName> {
  return BY_NAME.get(name)!;
}

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

/** Parses one fault spec (`name` or `name=value`); throws Error with a one-line message when invalid. */
export function parseFault(spec: string): Fault {
  const text = spec.trim();
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  const r = BY_NAME.get(name);
  if (!r) throw new Error(`unknown fault "${name}": expected one of ${[...BY_NAME.keys()].join(', ')}`);
  const params = r.parse(new FaultValue(r.name, r.name + r.value, eq < 0 ? undefined : text.slice(eq + 1)));
  return { name: r.name, ...params } as Fault;
}

/** Parses a list of fault specs; throws on the first invalid one. */
export function parseFaults(specs: readonly string[]): Fault[] {
  return specs.map(parseFault);
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_TABLE } from '../../src/emulator/faults.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { buildWav, silence, sine } from '../helpers/wav.js';

/**
 * Every fault of the emulator (FAULT_TABLE), at several values where it takes one, through the
 * real CLI with its in-process emulator (`--emulator --emulator-fault <spec>`): text faults with
 * `text hello`, voice faults with `recognize <wav>`, and every fault once more with the other
 * command and --json. Whatever the fault, the CLI must end by itself with a documented outcome:
 * never exit 1, never an internal error or a stack trace, and a failure ends with one
 * `clova-cli: error:` line. Runs go two at a time; each is bounded by a kill timer.
 */

const TOKEN = 'tok-fault-walk-5e1b9d7c3a';
/** A run still going after this long hung: it is killed and the case fails. */
const KILL_MS = 30_000;
/** Long enough for every retry and reconnect sequence the faults cause to run its course. */
const TIMEOUT = ['--timeout', '10000', '--hello-timeout', '3000'];

interface Case {
  name: string;
  args: string[];
}

const dir = mkdtempSync(join(tmpdir(), 'clova-fault-walk-'));
/** 1.5 s of a 440 Hz tone then 1 s of silence: the emulator's VAD hears speech and its end. */
const wav = join(dir, 'tone.wav');
writeFileSync(
  wav,
  buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [Float64Array.from([...sine(440, 1.5, 16000, 0.4), ...silence(1, 16000)])]),
);

const text = (spec: string, extra: string[] = []): Case => ({
  name: `text hello --emulator-fault ${spec}${extra.length ? ` ${extra.join(' ')}` : ''}`,
  args: ['text', 'hello', '--emulator', '--emulator-fault', spec, ...TIMEOUT, ...extra],
});
const voice = (spec: string, extra: string[] = []): Case => ({
  name: `recognize <wav> --emulator-fault ${spec}${extra.length ? ` ${extra.join(' ')}` : ''}`,
  args: ['recognize', wav, '--emulator', '--emulator-fault', spec, ...TIMEOUT, ...extra],
});

const counts = [1, 2, 4, 8];
/** The faults that act on voice capture: walked with `recognize`, the others with `text`. */
const VOICE_FAULTS = new Set<string>(FAULT_TABLE.filter((f) => f.actsOn === 'voice').map((f) => f.name));

/** The sweep: each fault with the command it acts on, at several values where it takes one. */
const SWEEP: Case[] = [
  text('goaway-after-hello'),
  ...counts.map((n) => text(`goaway-after-hello=${n}`)),
  ...['0', '0.05', '0.5', '1', '2'].map((s) => text(`drop-downchannel-after=${s}`)),
  text('no-hello'),
  ...['204', '400', '401', '403', '404', '429', '500', '503', '599'].map((c) => text(`event-status=${c}`)),
  ...counts.map((n) => text(`event-status=500:${n}`)),
  text('event-status=503:1'),
  text('event-status=204:1'),
  text('event-status=429:2'),
  text('event-status=401:1'),
  ...['400', '401', '403', '429', '500', '503', '599'].map((c) => text(`downchannel-status=${c}`)),
  ...counts.map((n) => text(`downchannel-status=503:${n}`)),
  text('downchannel-status=429:2'),
  text('downchannel-status=500:2'),
  ...['0', '250'].map((ms) => text(`event-delay=${ms}`)),
  // An answer later than --timeout: the timeout, not the answer, ends the run.
  text('event-delay=3000', ['--timeout', '1000']),
  text('slow-frames'),
  ...[...counts, 1024].map((n) => text(`slow-frames=${n}`)),
  text('no-ping-ack'),
  // PINGs sent while an answer is awaited go unanswered: the connection counts as dead.
  text('no-ping-ack', ['--ping-interval', '200', '--ping-timeout', '300', '--emulator-fault', 'event-delay=2000']),
  ...[...counts, 1_000_000].map((n) => text(`attachment-size=${n}`)),
  ...[0, ...counts].map((n) => text(`extra-directives=${n}`)),
  text('unknown-directive'),
  text('stale-directive'),
  text('attachment-first'),
  text('shuffle'),
  text('content-id-brackets'),
  text('quirky-content-type'),
  text('form-data-response'),
  ...[0, ...counts, 200, 1000].map((ms) => voice(`stop-capture-after=${ms}`)),
  voice('no-stop-capture'),
  voice('reset-recognize'),
  // Auth API faults leave CIC alone: a request command that needs no login is unaffected.
  ...['403', '423', '451', '500'].map((c) => text(`authorize-status=${c}`)),
  ...['400', '500'].map((c) => text(`token-status=${c}`)),
  ...[0, ...counts, 1000].map((ms) => voice(`reset-recognize=${ms}`)),
];

/** Each fault once more with the other command, in --json mode: a fault must not care which request it meets. */
const representative = (name: string): string => {
  const row = FAULT_TABLE.find((f) => f.name === name)!;
  if (!row.value.startsWith('=')) return name; // no value, or an optional one
  const values: Record<string, string> = {
    'drop-downchannel-after': '0.5',
    'event-status': '500',
    'downchannel-status': '503:2',
    'event-delay': '250',
    'attachment-size': '100000',
    'extra-directives': '2',
    'stop-capture-after': '200',
    'authorize-status': '451',
    'token-status': '500',
  };
  return `${name}=${values[name]}`;
};
const CROSS: Case[] = FAULT_TABLE.map((f) =>
  VOICE_FAULTS.has(f.name) ? text(representative(f.name), ['--json']) : voice(representative(f.name), ['--json']),
);

const CASES = [...SWEEP, ...CROSS];
const results = new Map<string, CliResult>();

/** Runs `jobs` with at most `limit` at a time. */
async function pool(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

beforeAll(async () => {
  await pool(
    CASES.map((c) => async () => {
      results.set(c.name, await runCli(c.args, { env: { CLOVA_ACCESS_TOKEN: TOKEN }, timeoutMs: KILL_MS }));
    }),
    2,
  );
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('every emulator fault through the real CLI (e2e)', () => {
  it('walks every fault of the FAULT_TABLE with the command it acts on', () => {
    const walked = new Set(SWEEP.map((c) => c.args[c.args.indexOf('--emulator-fault') + 1]!.split('=')[0]));
    expect([...walked].sort()).toEqual(FAULT_TABLE.map((f) => f.name).sort());
    expect([...VOICE_FAULTS].sort()).toEqual(['no-stop-capture', 'reset-recognize', 'stop-capture-after']);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const r = results.get(c.name)!;
      const stderrLines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      const context = `exit ${r.code ?? r.signal} after ${r.ms} ms; stderr:\n${r.stderr.slice(-2000)}`;
      expect(r.signal, `killed: still running after ${KILL_MS} ms; ${context}`).toBeNull();
      expect(r.code, context).not.toBe(1);
      // A valid fault spec is no usage error; what a fault may cause is auth (3) or connection/server/timeout (4).
      expect([0, 3, 4], context).toContain(r.code);
      expect(r.stderr + r.stdout, context).not.toMatch(/internal error/i);
      expect(r.stderr + r.stdout, context).not.toMatch(/^ {4}at /m);
      expect(r.stderr + r.stdout, 'the token was printed').not.toContain(TOKEN);
      if (r.code !== 0) expect(stderrLines.at(-1), context).toMatch(/^clova-cli: error: /);
    });
  }
});

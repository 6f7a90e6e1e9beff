import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTION_STAGES, STAGE_ORDER, TURN_STAGES } from '../../src/client/timings.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { buildWav, silence, sine } from '../helpers/wav.js';

// --timings and --repeat against the real emulator over real HTTP/2. No assertion is about how
// fast anything is: only what every timing must be (present, non-negative, in order), and a lower
// bound that an injected fault puts on one stage.

const dir = mkdtempSync(join(tmpdir(), 'clova-timings-'));
const env = (url: string) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url });

/** 16 kHz mono 16-bit: `seconds` of a 440 Hz tone, then `quiet` seconds of silence. */
function toneWav(name: string, seconds: number, quiet: number): string {
  const samples = Float64Array.from([...sine(440, seconds, 16000, 0.4), ...silence(quiet, 16000)]);
  const path = join(dir, name);
  writeFileSync(path, buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [samples]));
  return path;
}

type Stages = Record<string, number>;

/** Every stage non-negative, and each one at or after the one it follows, where both happened. */
function expectOrdered(stages: Stages): void {
  for (const [stage, ms] of Object.entries(stages)) {
    expect(TURN_STAGES as readonly string[], stage).toContain(stage);
    expect(ms, stage).toBeGreaterThanOrEqual(0);
  }
  for (const [before, after] of STAGE_ORDER) {
    if (stages[before] !== undefined && stages[after] !== undefined) {
      expect(stages[after], `${after} >= ${before}`).toBeGreaterThanOrEqual(stages[before]!);
    }
  }
}

/** The connection's phases: each present, non-negative, in the order they happen. */
function expectConnection(stages: Stages, tls: boolean): void {
  const expected = CONNECTION_STAGES.filter((s) => tls || s !== 'tls');
  expect(Object.keys(stages).sort()).toEqual([...expected].sort());
  let previous = 0;
  for (const s of expected) {
    expect(stages[s], s).toBeGreaterThanOrEqual(previous);
    previous = stages[s]!;
  }
}

const TEXT_STAGES = ['headersSent', 'bodyClosed', 'responseHeaders', 'firstDirective', 'firstSpeechByte', 'lastByte'];
const VOICE_STAGES = ['headersSent', 'firstAudio', 'lastAudio', 'stopCapture', 'bodyClosed', 'responseHeaders', 'firstDirective', 'firstSpeechByte', 'lastByte'];

describe('--timings', () => {
  it('text hello --json: one timing line with every stage of a typed turn, in order, and the TLS connection phases', async () => {
    const emu = await emulator({ tls: true });
    const r = await runCli(['text', 'hello', '--timings', '--json', '--ca-file', emu.certPath!], { env: env(emu.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = ndjson(r.stdout);
    const timings = lines.filter((l) => l.type === 'timing');
    expect(timings).toHaveLength(1);
    const t = timings[0]!;
    const request = lines.find((l) => l.type === 'request')!;
    expect(t).toMatchObject({ event: 'TextRecognizer.Recognize', dialogRequestId: request.dialogRequestId, connectionId: 1 });
    expect(t.streamId).toBe(emu.record.events[0]!.streamId);
    expect(Object.keys(t.stages).sort()).toEqual([...TEXT_STAGES].sort());
    expectOrdered(t.stages);
    expect(t.connection.id).toBe(1);
    expectConnection(t.connection.stages, true);
    // After the answer was read, before the response line.
    const types = lines.map((l) => l.type);
    expect(types.indexOf('timing')).toBeGreaterThan(types.lastIndexOf('directive'));
    expect(types.indexOf('timing')).toBeLessThan(types.indexOf('response'));
  });

  it('people get the timings on stderr, not stdout; the connection only with the first turn on it', async () => {
    const emu = await emulator();
    const r = await runCli(['text', '-', '--timings', '--no-play'], { env: env(emu.url), input: 'hello\nwhat time is it\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('timing');
    const turnLines = r.stderr.split('\n').filter((l) => l.startsWith('timing: TextRecognizer.Recognize conn#1 stream '));
    expect(turnLines).toHaveLength(2);
    for (const l of turnLines) expect(l).toMatch(/headers sent [\d.]+ · body closed [\d.]+ · response headers [\d.]+/);
    expect(r.stderr.match(/timing: conn#1 opened \(ms from connecting\): TCP [\d.]+ · h2 settings [\d.]+ · Hello [\d.]+/g)).toHaveLength(1);
  });

  it('chat --timings --json: a timing line after each turn, the connection with the first only', async () => {
    const emu = await emulator();
    const r = await runCli(['chat', '--timings', '--json', '--no-play'], { env: env(emu.url), input: 'hello\nwhat time is it\n' });
    expect(r.code, r.stderr).toBe(0);
    const lines = ndjson(r.stdout);
    const timings = lines.filter((l) => l.type === 'timing');
    const requests = lines.filter((l) => l.type === 'request');
    expect(timings.map((t) => t.dialogRequestId)).toEqual(requests.map((q) => q.dialogRequestId));
    expect(timings.map((t) => t.connection !== undefined)).toEqual([true, false]);
    for (const t of timings) {
      expect(Object.keys(t.stages).sort()).toEqual([...TEXT_STAGES].sort());
      expectOrdered(t.stages);
    }
  });

  it('without --timings nothing is timed on the output', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).filter((l) => l.type === 'timing')).toEqual([]);
  });

  it('recognize a WAV: the audio stages and StopCapture, and how long after the last audio part it came', async () => {
    const emu = await emulator({ faults: ['stop-capture-after=600'] });
    const wav = toneWav('tone.wav', 1.5, 1.5);
    const r = await runCli(['recognize', wav, '--realtime', '--timings', '--json'], { env: env(emu.url) });
    expect(r.code, r.stderr).toBe(0);
    const lines = ndjson(r.stdout);
    const t = lines.find((l) => l.type === 'timing')!;
    expect(t.event).toBe('SpeechRecognizer.Recognize');
    expect(Object.keys(t.stages).sort()).toEqual([...VOICE_STAGES].sort());
    expectOrdered(t.stages);
    expectConnection(t.connection.stages, false);
    expect(lines.find((l) => l.type === 'response')).toMatchObject({ uploadEnded: 'stop-capture' });
    // StopCapture closed the body: the audio went out before it, the body closed after it.
    expect(t.stages.stopCapture).toBeGreaterThanOrEqual(t.stages.lastAudio);
    expect(t.stages.bodyClosed).toBeGreaterThanOrEqual(t.stages.stopCapture);
    expect(t.stopCaptureAfterLastAudioMs).toBeGreaterThanOrEqual(0);
    expect(t.stopCaptureAfterLastAudioMs).toBeCloseTo(t.stages.stopCapture - t.stages.lastAudio, 1);
  });

  it('event-delay=200 shows in the response headers stage (at least 200 ms after the request)', async () => {
    const emu = await emulator({ faults: ['event-delay=200'] });
    const r = await runCli(['text', 'hello', '--timings', '--json'], { env: env(emu.url) });
    expect(r.code, r.stderr).toBe(0);
    const t = ndjson(r.stdout).find((l) => l.type === 'timing')!;
    expectOrdered(t.stages);
    expect(t.stages.responseHeaders).toBeGreaterThanOrEqual(200);
    expect(t.stages.bodyClosed).toBeLessThan(t.stages.responseHeaders);
  });
});

describe('--repeat', () => {
  function expectPercentiles(stats: Record<string, number>, count: number): void {
    expect(stats.count).toBe(count);
    expect(stats.min).toBeGreaterThanOrEqual(0);
    expect(stats.p50).toBeGreaterThanOrEqual(stats.min!);
    expect(stats.p90).toBeGreaterThanOrEqual(stats.p50!);
    expect(stats.p99).toBeGreaterThanOrEqual(stats.p90!);
    expect(stats.max).toBeGreaterThanOrEqual(stats.p99!);
    expect(stats.mean).toBeGreaterThanOrEqual(stats.min!);
    expect(stats.mean).toBeLessThanOrEqual(stats.max!);
  }

  it('text --repeat 5: five turns on one connection, percentiles of each stage with count 5', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--repeat', '5', '--json'], { env: env(emu.url) });
    expect(r.code, r.stderr).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines.filter((l) => l.type === 'response')).toHaveLength(5);
    // Each a new dialog, on the one connection.
    const events = emu.record.events.filter((e) => e.message.event.header.namespace === 'TextRecognizer');
    expect(events).toHaveLength(5);
    expect(new Set(events.map((e) => e.connectionId)).size).toBe(1);
    expect(new Set(events.map((e) => e.message.event.header.dialogRequestId)).size).toBe(5);
    // Per-turn lines only with --timings; the summary always, last.
    expect(lines.filter((l) => l.type === 'timing')).toEqual([]);
    const summary = lines.at(-1)!;
    expect(summary.type).toBe('timing-summary');
    expect(summary.turns).toBe(5);
    expect(Object.keys(summary.stages).sort()).toEqual([...TEXT_STAGES].sort());
    for (const s of TEXT_STAGES) expectPercentiles(summary.stages[s], 5);
    for (const s of ['tcp', 'settings', 'hello']) expectPercentiles(summary.connection[s], 1);
  });

  it('recognize --repeat 5 --timings: the audio stages too, a timing line per turn, the table for people on stderr', async () => {
    const emu = await emulator({ faults: ['stop-capture-after=200'] });
    const wav = toneWav('short.wav', 0.6, 0.2);
    const json = await runCli(['recognize', wav, '--repeat', '5', '--timings', '--json'], { env: env(emu.url) });
    expect(json.code, json.stderr).toBe(0);
    const lines = ndjson(json.stdout);
    expect(lines.filter((l) => l.type === 'timing')).toHaveLength(5);
    expect(lines.filter((l) => l.type === 'timing').filter((l) => l.connection !== undefined)).toHaveLength(1);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ type: 'timing-summary', turns: 5 });
    for (const s of ['headersSent', 'firstAudio', 'lastAudio', 'stopCapture', 'bodyClosed', 'responseHeaders', 'firstDirective', 'lastByte']) {
      expectPercentiles(summary.stages[s], 5);
    }

    const human = await runCli(['recognize', wav, '--repeat', '5', '--no-play'], { env: env(emu.url) });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).not.toMatch(/p50/);
    expect(human.stderr).toMatch(/timings of 5 turns/);
    expect(human.stderr).toMatch(/^stage\s+count\s+p50\s+p90\s+p99\s+min\s+max$/m);
    expect(human.stderr).toMatch(/^response headers\s+5(\s+[\d.]+){5}$/m);
    expect(human.stderr).toMatch(/^first audio part\s+5(\s+[\d.]+){5}$/m);
    expect(human.stderr).toMatch(/^TCP \(connecting\)\s+1(\s+[\d.]+){5}$/m);
  });

  it('refuses what cannot be repeated (exit 2, nothing connected)', async () => {
    const emu = await emulator();
    const wav = toneWav('one.wav', 0.4, 0);
    for (const args of [
      ['text', 'hello', '--repeat', '0'],
      ['text', 'hello', '--repeat', '2.5'],
      ['text', '-', '--repeat', '2'],
      ['recognize', wav, wav, '--repeat', '2'],
      ['recognize', '-', '--repeat', '2'],
    ]) {
      const r = await runCli(args, { env: env(emu.url), input: 'hello\n' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/--repeat/);
    }
    expect(emu.record.connections).toEqual([]);
  });
});

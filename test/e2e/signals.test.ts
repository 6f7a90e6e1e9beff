import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALSA_SYSTEM_CONFIG, pacedFifoTurns } from '../helpers/alsa.js';
import { baseEnv, CLI, ndjson } from '../helpers/cli.js';
import { processesWithEnv } from '../helpers/terminal.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { buildWav, sine } from '../helpers/wav.js';

const env = (url: string, extra: Record<string, string> = {}) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url, ...extra });

const SIGNALS = [
  { signal: 'SIGINT', code: 130, line: /^clova-cli: error: interrupted by the user \(Ctrl-C\); nothing more was sent$/ },
  { signal: 'SIGTERM', code: 143, line: /^clova-cli: error: terminated \(SIGTERM\); nothing more was sent$/ },
] as const;

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], extraEnv: Record<string, string>): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: baseEnv(extraEnv), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin.on('error', () => undefined); // the CLI may be gone before the test stops writing
  const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, closed };
}

/** Resolves once `predicate` holds for the output so far (polled; bounded by the test timeout). */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('SIGINT is Ctrl-C (exit 130), SIGTERM is a termination (exit 143)', () => {
  for (const s of SIGNALS) {
    it(`text -: ${s.signal} while waiting for the next line after connecting`, async () => {
      const emu = await emulator();
      const run = start(['text', '-', '--json'], env(emu.url));
      run.child.stdin.write('hello\n');
      await until(() => ndjson(run.stdout()).some((l) => l.type === 'response'));
      run.child.kill(s.signal);
      const { code, signal } = await run.closed;
      expect(signal).toBeNull();
      expect(code).toBe(s.code);
      expect(run.stderr().split('\n').filter(Boolean)).toEqual([expect.stringMatching(s.line)]);
      expect(ndjson(run.stdout()).at(-1)).toMatchObject({ type: 'error', exitCode: s.code });
      expect(emu.record.events).toHaveLength(1);
    });

    it(`text -: ${s.signal} while waiting for the first line, before connecting`, async () => {
      // The cleartext warning (printed before the first line is awaited) shows the command is
      // waiting; no line ever comes, so the remote host is never contacted.
      const run = start(['text', '-', '--server', 'http://192.0.2.10:8080', '--insecure'], { CLOVA_ACCESS_TOKEN: TOKEN });
      await until(() => run.stderr().includes('warning:'));
      run.child.kill(s.signal);
      const { code, signal } = await run.closed;
      expect(signal).toBeNull();
      expect(code).toBe(s.code);
      const lines = run.stderr().split('\n').filter(Boolean);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(s.line);
    });

    it(`recognize -: ${s.signal} while a slow standard input is being opened, before connecting`, async () => {
      // As above: the warning shows the command is running; the input never completes its first
      // half second, so nothing is connected.
      const run = start(['recognize', '-', '--server', 'http://192.0.2.10:8080', '--insecure'], { CLOVA_ACCESS_TOKEN: TOKEN });
      run.child.stdin.write(buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataSize: 0xffffffff }, [sine(440, 0.1, 16000)]));
      await until(() => run.stderr().includes('warning:'));
      run.child.kill(s.signal);
      const { code, signal } = await run.closed;
      expect(signal).toBeNull();
      expect(code).toBe(s.code);
      const lines = run.stderr().split('\n').filter(Boolean);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(s.line);
    });

    it(`recognize -: ${s.signal} while a slow standard input is being sent`, async () => {
      const emu = await emulator({ faults: ['no-stop-capture'] });
      const run = start(['recognize', '-', '--json'], env(emu.url));
      const tone = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataSize: 0xffffffff }, [sine(440, 1, 16000, 0.3)]);
      run.child.stdin.write(tone); // and standard input stays open: the rest never comes
      await emu.waitFor((r) => (r.events[0]?.parts.length ?? 0) > 2, 20000);
      run.child.kill(s.signal);
      const { code, signal } = await run.closed;
      expect(signal).toBeNull();
      expect(code).toBe(s.code);
      expect(run.stderr().split('\n').filter(Boolean)).toEqual([expect.stringMatching(s.line)]);
      expect(emu.record.events).toHaveLength(1);
    });
  }

  it('listen: SIGTERM while listening exits 143 and stops the recorder', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const dir = mkdtempSync(join(tmpdir(), 'clova-signals-'));
    const conf = join(dir, 'asound.conf');
    const fifo = pacedFifoTurns([Buffer.alloc(32000 * 30, 1)], () => conf);
    fifos.push(fifo);
    writeFileSync(conf, `pcm.!default { type file slave.pcm "null" file "${join(dir, 'played.raw')}" infile "${fifo.path}" format "raw" }\n`);
    const alsa = `${ALSA_SYSTEM_CONFIG}:${conf}`;
    const run = start(['listen', '--no-play', '--json'], env(emu.url, { ALSA_CONFIG_PATH: alsa }));
    await emu.waitFor((rec) => (rec.events[0]?.parts.length ?? 0) > 3, 20000);
    run.child.kill('SIGTERM');
    const { code } = await run.closed;
    expect(code).toBe(143);
    expect(run.stderr().split('\n').filter(Boolean)).toEqual([expect.stringMatching(SIGNALS[1].line)]);
    // No recorder outlives the CLI (one blocked in a read may need its SIGKILL a moment later).
    await until(() => processesWithEnv(alsa).length === 0);
  });
});

const fifos: Array<{ close(): void }> = [];
afterEach(() => {
  for (const f of fifos.splice(0)) f.close();
});

const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/** The CLI on a pseudo-terminal; `ctrlC()` types Ctrl-C there, so the whole foreground group gets SIGINT, as at a keyboard. */
function onTerminal(args: string[], extraEnv: Record<string, string>) {
  const cmd = `stty cols 120; ${[process.execPath, CLI, ...args].map((a) => JSON.stringify(a)).join(' ')}`;
  const child = spawn(script!, ['-qec', cmd, '/dev/null'], { env: baseEnv({ TERM: 'xterm', ...extraEnv }), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stdin.on('error', () => undefined);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
  const closed = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { output: () => out, ctrlC: () => child.stdin.write('\x03'), type: (s: string) => child.stdin.write(s), closed };
}

/** What the terminal shows after the interruption line, without escape sequences (cursor moves, colours). */
function drawnAfterErrorLine(out: string): string {
  const at = out.lastIndexOf('interrupted by the user (Ctrl-C); nothing more was sent');
  expect(at).toBeGreaterThanOrEqual(0);
  // eslint-disable-next-line no-control-regex
  return out.slice(at).split('\n').slice(1).join('\n').replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').trim();
}

describe('Ctrl-C at a terminal: exit 130 by itself, nothing drawn after the last line', () => {
  it.skipIf(!script)('recognize --realtime while sending (the spinner does not start after the error line)', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const dir = mkdtempSync(join(tmpdir(), 'clova-ctrlc-'));
    const wav = join(dir, 'long.wav');
    writeFileSync(wav, buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [sine(440, 20, 16000, 0.3)]));
    const run = onTerminal(['recognize', wav, '--realtime', '--no-play'], env(emu.url));
    await emu.waitFor((rec) => (rec.events[0]?.parts.length ?? 0) > 3, 20000);
    run.ctrlC();
    expect(await run.closed).toBe(130);
    expect(drawnAfterErrorLine(run.output())).toBe('');
    expect(run.output()).not.toMatch(/interrupted[^]*waiting for CLOVA/);
  });

  it.skipIf(!script)('listen while sending', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const dir = mkdtempSync(join(tmpdir(), 'clova-ctrlc-'));
    const conf = join(dir, 'asound.conf');
    const fifo = pacedFifoTurns([Buffer.alloc(32000 * 30, 1)], () => conf);
    fifos.push(fifo);
    writeFileSync(conf, `pcm.!default { type file slave.pcm "null" file "/dev/null" infile "${fifo.path}" format "raw" }\n`);
    const alsa = `${ALSA_SYSTEM_CONFIG}:${conf}`;
    const run = onTerminal(['listen', '--no-play'], env(emu.url, { ALSA_CONFIG_PATH: alsa }));
    await emu.waitFor((rec) => (rec.events[0]?.parts.length ?? 0) > 3, 20000);
    run.ctrlC();
    expect(await run.closed).toBe(130);
    expect(drawnAfterErrorLine(run.output())).toBe('');
    await until(() => processesWithEnv(alsa).length === 0);
  });

  it.skipIf(!script)('text - while waiting for the next line', async () => {
    const emu = await emulator();
    const run = onTerminal(['text', '-', '--no-play'], env(emu.url));
    run.type('hello\n');
    await until(() => run.output().includes('CLOVA:'));
    run.ctrlC();
    expect(await run.closed).toBe(130);
    expect(drawnAfterErrorLine(run.output())).toBe('');
  });
});

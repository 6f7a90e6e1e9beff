import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, CLI, runCli } from '../helpers/cli.js';
import { espeak } from '../helpers/wav.js';

// What a person reads (issue 7, section 2): colour, order, noise, local times.

const dir = mkdtempSync(join(tmpdir(), 'clova-output-'));
const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
const ESC = '\u001b[';

/** Runs the CLI on a pseudo-terminal (stdout and stderr both go to it); resolves with all it printed. */
function onTerminal(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const cmd = `stty cols 120; ${[process.execPath, CLI, ...args].map((a) => JSON.stringify(a)).join(' ')}`;
  return new Promise((resolve) => {
    const child = spawn(script!, ['-qec', cmd, '/dev/null'], { env: baseEnv({ TERM: 'xterm', ...extraEnv }), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('close', () => resolve(out));
    child.stdin.end();
  });
}

describe('colour: FORCE_COLOR, NO_COLOR, --no-color (e2e)', () => {
  it('piped stdout with FORCE_COLOR=1 is coloured; plain without it, with NO_COLOR alone, and with --no-color', async () => {
    const forced = await runCli(['text', 'hello', '--emulator'], { env: { FORCE_COLOR: '1' } });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`${ESC}1m${ESC}36mCLOVA:`);
    const plain = await runCli(['text', 'hello', '--emulator']);
    expect(plain.stdout).toContain('CLOVA:');
    expect(plain.stdout).not.toContain(ESC);
    const noColor = await runCli(['text', 'hello', '--emulator'], { env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain(ESC);
    const flag = await runCli(['text', 'hello', '--emulator', '--no-color'], { env: { FORCE_COLOR: '3' } });
    expect(flag.stdout).toContain('CLOVA:');
    expect(flag.stdout).not.toContain(ESC);
    // Documented precedence: FORCE_COLOR is set for one run, so it beats a standing NO_COLOR.
    const both = await runCli(['text', 'hello', '--emulator'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(both.stdout).toContain(`${ESC}36mCLOVA:`);
  });

  it('--json stays plain NDJSON whatever FORCE_COLOR says', async () => {
    const r = await runCli(['text', 'hello', '--emulator', '--json'], { env: { FORCE_COLOR: '3' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(ESC);
  });

  it.skipIf(!script)('on a terminal: coloured by default, plain with NO_COLOR or FORCE_COLOR=0', async () => {
    expect(await onTerminal(['text', 'hello', '--emulator', '--no-play'])).toContain(`${ESC}36mCLOVA:`);
    for (const env of [{ NO_COLOR: '1' }, { FORCE_COLOR: '0' }] as Array<Record<string, string>>) {
      const out = await onTerminal(['text', 'hello', '--emulator', '--no-play'], env);
      expect(out, JSON.stringify(env)).toContain('CLOVA:');
      expect(out, JSON.stringify(env)).not.toMatch(/\u001b\[\d+m/);
    }
  });
});

/** Index of the first line matching `re` (-1 when none). */
const lineOf = (text: string, re: RegExp) => text.split(/\r?\n/).findIndex((l) => re.test(l));

describe('lines in the order things happened (e2e)', () => {
  it('recognize: StopCapture (downchannel) is printed before the answer and the follow-up hint', async () => {
    const wav = join(dir, 'pizza.wav');
    await espeak('order a pizza', wav);
    const r = await runCli(['recognize', wav, '--emulator', '--no-play']);
    expect(r.code, r.stderr).toBe(0);
    const stop = lineOf(r.stdout, /SpeechRecognizer\.StopCapture/);
    expect(stop, r.stdout).toBeGreaterThanOrEqual(0);
    expect(stop, r.stdout).toBeLessThan(lineOf(r.stdout, /^CLOVA:/));
    expect(stop, r.stdout).toBeLessThan(lineOf(r.stdout, /SpeechSynthesizer\.Speak/));
    const hint = lineOf(r.stdout, /↪ to answer/);
    if (hint >= 0) expect(stop).toBeLessThan(hint);
  });

  it.skipIf(!script)('on a terminal too: the transcript, then StopCapture, then the answer', async () => {
    const wav = join(dir, 'pizza-tty.wav');
    await espeak('order a pizza', wav);
    const out = await onTerminal(['recognize', wav, '--emulator', '--no-play']);
    const stop = lineOf(out, /SpeechRecognizer\.StopCapture/);
    expect(stop, out).toBeGreaterThanOrEqual(0);
    expect(stop, out).toBeLessThan(lineOf(out, /CLOVA:/));
  });
});

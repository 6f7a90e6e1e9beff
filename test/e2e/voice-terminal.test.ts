import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALSA_SYSTEM_CONFIG, pacedFifoTurns } from '../helpers/alsa.js';
import { baseEnv, CLI, runCli } from '../helpers/cli.js';
import { onTerminal, SCRIPT } from '../helpers/terminal.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { buildWav, sine } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'clova-voice-tty-'));
const script = SCRIPT;
const env = (url: string, extra: Record<string, string> = {}) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url, ...extra });
const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

function toneFile(name: string, seconds: number): string {
  const path = join(dir, name);
  writeFileSync(path, buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [sine(440, seconds, 16000, 0.4)]));
  return path;
}

/** Pids of live processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

describe('voice on a terminal (e2e through a pseudo-terminal)', () => {
  it.skipIf(!script)('recognize shows the seconds sent for a long input, and the live transcript', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const out = await onTerminal(['recognize', toneFile('long.wav', 8), '--no-play'], env(emu.url));
    expect(out).toMatch(/sending audio…(\u001b\[\d+m)? \d+\.\d s/);
    expect(out).toContain('CLOVA:');
  });

  it.skipIf(!script)('listen draws a level meter with dBFS on stderr', async () => {
    const emu = await emulator();
    const conf = join(dir, `meter-${Date.now()}.conf`);
    const speechLike = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [sine(300, 1.5, 16000, 0.5)]).subarray(44);
    const fifo = pacedFifoTurns([speechLike], () => conf);
    closers.push(() => fifo.close());
    writeFileSync(conf, `pcm.!default { type file slave.pcm "null" file "/dev/null" infile "${fifo.path}" format "raw" }\n`);
    const out = await onTerminal(['listen', '--no-play'], env(emu.url, { ALSA_CONFIG_PATH: `${ALSA_SYSTEM_CONFIG}:${conf}` }));
    expect(out).toMatch(/▕[█▉▊▋▌▍▎▏ ]+▏ -\d+ dBFS +\d+\.\d s/);
    expect(out).toContain('listening');
    expect(out).toMatch(/stopped after \d+\.\d s: StopCapture from CLOVA/);
  });
});

describe('speech playback by default on a terminal (e2e)', () => {
  it.skipIf(!script)('text on a terminal plays the answer with mpg123 (into ALSA\'s file plugin)', async () => {
    const emu = await emulator();
    const played = join(dir, `played-${Date.now()}.raw`);
    const conf = join(dir, `play-${Date.now()}.conf`);
    writeFileSync(conf, `pcm.!default { type file slave.pcm "null" file "${played}" format "raw" }\n`);
    const out = await onTerminal(['text', 'hello'], env(emu.url, { ALSA_CONFIG_PATH: `${ALSA_SYSTEM_CONFIG}:${conf}` }));
    expect(out).toContain('playing speech');
    expect(existsSync(played) ? readFileSync(played).length : 0).toBeGreaterThan(1000);
    const names = emu.record.events.map((e) => e.message.event.header.name);
    expect(names).toEqual(['Recognize', 'SpeechStarted', 'SpeechFinished']);
  });

  it('piped output does not play (scripts do not want sound)', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('playing speech');
    expect(emu.record.events.map((e) => e.message.event.header.name)).toEqual(['Recognize']);
  });
});

describe('Ctrl-C in every command (e2e)', () => {
  it('recognize --realtime mid-upload: exit 130 within a second, the stream cancelled', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const child = spawn(process.execPath, [CLI, 'recognize', '--realtime', toneFile('ctrl-c.wav', 20)], {
      env: baseEnv(env(emu.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await emu.waitFor((rec) => (rec.events[0]?.parts.length ?? 0) > 3, 10000);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(1000);
    await emu.waitFor((rec) => rec.events[0]!.status !== 200 && rec.connections.every((c) => c.closedAt !== undefined), 2000);
    expect(emu.record.events[0]!.audio!.bodyEndedAt).toBeUndefined(); // cancelled, never completed
  });

  it('text while the answer plays: the player is killed, exit 130 within a second', async () => {
    const emu = await emulator();
    const marker = `clova-slow-player-${process.pid}`;
    const player = join(dir, `${marker}.sh`);
    writeFileSync(player, '#!/bin/sh\ntrap "" TERM\ncat > /dev/null\nsleep 30\n');
    chmodSync(player, 0o755);
    const child = spawn(process.execPath, [CLI, 'text', 'hello', '--player', player], { env: baseEnv(env(emu.url)), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await emu.waitFor((r) => r.events.some((e) => e.message.event.header.name === 'SpeechStarted'), 10000);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(out).toContain('playing speech');
    await new Promise((r) => setTimeout(r, 300));
    expect(processesWith(marker)).toEqual([]);
  });

  it('a missing player named with --player is exit 2 before any connection (text)', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--player', 'no-such-player -q -'], { env: env(emu.url) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clova-cli: error: no-such-player not found/);
    expect(emu.record.connections).toHaveLength(0);
  });
});

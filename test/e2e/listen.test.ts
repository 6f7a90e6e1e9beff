import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sharedSpeechToText } from '../../src/emulator/voice-settings.js';
import { ALSA_SYSTEM_CONFIG, pacedFifoTurns } from '../helpers/alsa.js';
import { baseEnv, CLI, ndjson, runCli } from '../helpers/cli.js';
import { processesWithEnv } from '../helpers/terminal.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { speechL16 } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'clova-listen-'));
const fifos: Array<{ close(): void }> = [];
afterEach(() => {
  for (const f of fifos.splice(0)) f.close();
});

const speech = (text: string) => speechL16(text, dir);

let devices = 0;

/**
 * An ALSA configuration whose default device captures from a FIFO microphone (one utterance per
 * capture turn, paced like a real one) and plays into a file.
 */
function alsaDevice(turns: Buffer[]): { env: Record<string, string>; played: string; readers: () => number } {
  const id = `${process.pid}-${++devices}`;
  const conf = join(dir, `asound-${id}.conf`);
  const fifo = pacedFifoTurns(turns, () => conf);
  fifos.push(fifo);
  const played = join(dir, `played-${id}.raw`);
  writeFileSync(conf, `pcm.!default { type file slave.pcm "null" file "${played}" infile "${fifo.path}" format "raw" }\n`);
  return { env: { ALSA_CONFIG_PATH: `${ALSA_SYSTEM_CONFIG}:${conf}` }, played, readers: fifo.readers };
}

const env = (url: string, extra: Record<string, string> = {}) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url, ...extra });
/** True when the emulator can recognise speech here (Debian's pocketsphinx and pocketsphinx-en-us). */
const hears = (await sharedSpeechToText().unavailable()) === undefined;

let weather: Buffer;
beforeAll(async () => {
  weather = await speech('what is the weather today');
});

describe('clova-cli listen (e2e: arecord through ALSA, the emulator over real HTTP/2)', () => {
  for (const recorder of ['lpcm16', 'mic'] as const) {
    it(`--recorder ${recorder}: streams 6400-byte parts as captured and stops at StopCapture`, async () => {
      const emu = await emulator();
      const mic = alsaDevice([weather]);
      const r = await runCli(['listen', '--recorder', recorder, '--lang', 'en', '--no-play', '--json'], {
        env: env(emu.url, mic.env),
        timeoutMs: 25000,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = ndjson(r.stdout);
      expect(lines[0]).toMatchObject({ type: 'capture', phase: 'start' });
      const stop = lines.find((l) => l.type === 'capture' && l.phase === 'stop')!;
      expect(stop.detail).toBe('StopCapture from CLOVA');
      const e = emu.record.events.find((x) => x.message.event.header.name === 'Recognize')!;
      expect(e.message.event.payload).toMatchObject({ lang: 'en', profile: 'CLOSE_TALK', format: 'AUDIO_L16_RATE_16000_CHANNELS_1' });
      expect(e.parts[0]!.name).toBe('metadata');
      const audio = e.parts.slice(1);
      expect(audio.length).toBeGreaterThan(5);
      for (const p of audio.slice(0, -1)) expect(p).toMatchObject({ name: 'audio', bytes: 6400 });
      expect(e.audio!.stopCaptureAt).toBeDefined();
      // The 100 ms reaction itself is checked by recognize's --realtime test; here a recorder and
      // two processes share a loaded machine, so only "promptly".
      expect(e.audio!.bodyEndedAt! - e.audio!.stopCaptureAt!).toBeLessThan(500);
      // The captured audio is the fixture itself (arecord through the file plugin is byte-exact).
      const sent = audio.reduce((n, p) => n + p.bytes, 0);
      expect(sent).toBeGreaterThan(weather.length * 0.8);
      if (hears) {
        expect(lines.some((l) => l.type === 'directive' && l.directive.header.name === 'RenderText' && /sunny/.test(l.directive.payload.text))).toBe(true);
      }
      expect(lines.at(-1)).toMatchObject({ type: 'response', status: 200, uploadEnded: 'stop-capture' });
    });
  }

  it.skipIf(!hears)('follows the two-turn dialog: the answer is a follow-up with speechId and the same dialogRequestId', async () => {
    const emu = await emulator();
    const mic = alsaDevice([await speech('order a pizza'), await speech('large')]);
    const r = await runCli(['listen', '--lang', 'en', '--no-play'], { env: env(emu.url, mic.env), timeoutMs: 30000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CLOVA: .*size/i);
    expect(r.stdout).toMatch(/CLOVA: Your large pizza is on its way/);
    const turns = emu.record.events.filter((x) => x.message.event.header.name === 'Recognize');
    expect(turns).toHaveLength(2);
    const first = turns[0]!.message.event;
    const second = turns[1]!.message.event;
    expect(second.header.dialogRequestId).toBe(first.header.dialogRequestId);
    expect(second.header.messageId).not.toBe(first.header.messageId);
    expect(typeof second.payload.speechId).toBe('string');
    expect(second.payload).toMatchObject({ explicit: expect.any(Boolean), lang: 'en' });
    expect(first.payload.speechId).toBeUndefined();
    expect(mic.readers()).toBe(2);
  });

  it('plays the answer through mpg123 into ALSA and reports SpeechStarted/SpeechFinished', async () => {
    const emu = await emulator();
    const mic = alsaDevice([weather]);
    const r = await runCli(['listen', '--lang', 'en'], { env: env(emu.url, mic.env), timeoutMs: 30000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('playing speech');
    expect(existsSync(mic.played) && statSync(mic.played).size).toBeGreaterThan(1000);
    const names = emu.record.events.map((x) => `${x.message.event.header.namespace}.${x.message.event.header.name}`);
    expect(names).toEqual(['SpeechRecognizer.Recognize', 'SpeechSynthesizer.SpeechStarted', 'SpeechSynthesizer.SpeechFinished']);
    const speak = emu.record.events[1]!.message.event.payload.token;
    expect(emu.record.events[2]!.message.event.payload.token).toBe(speak);
  });

  it('Enter ends the utterance: the request is finished with what was captured', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const mic = alsaDevice([Buffer.alloc(32000 * 20)]);
    const r = await runCli(['listen', '--no-play', '--json'], { env: env(emu.url, mic.env), input: '\n', timeoutMs: 20000 });
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines.find((l) => l.type === 'capture' && l.phase === 'stop')!.detail).toBe('Enter');
    expect(lines.at(-1)).toMatchObject({ type: 'response', status: 200, uploadEnded: 'end-of-input' }); // the microphone stopped
  });

  it('warns when only digital silence arrives for two seconds', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const mic = alsaDevice([Buffer.alloc(32000 * 4)]);
    const r = await runCli(['listen', '--no-play', '--json', '--max-seconds', '3'], { env: env(emu.url, mic.env), timeoutMs: 20000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no audio is reaching the microphone: check --device');
  });

  it('--max-seconds ends a long utterance', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const mic = alsaDevice([Buffer.alloc(32000 * 20, 1)]);
    const r = await runCli(['listen', '--no-play', '--json', '--max-seconds', '1'], { env: env(emu.url, mic.env), timeoutMs: 20000 });
    expect(r.code).toBe(0);
    const stop = ndjson(r.stdout).find((l) => l.type === 'capture' && l.phase === 'stop')!;
    expect(stop.detail).toMatch(/--max-seconds \(1 s\)/);
    const sent = emu.record.events[0]!.audio!.bytes;
    expect(sent).toBeGreaterThanOrEqual(32000);
    expect(sent).toBeLessThan(32000 + 4 * 6400);
  });

  it('a missing recorder or player, or a bad --device, is exit 2 with what to do, before any connection', async () => {
    const emu = await emulator();
    const emptyPath = mkdtempSync(join(tmpdir(), 'clova-nopath-'));
    const noRecorder = await runCli(['listen', '--no-play'], { env: env(emu.url, { PATH: emptyPath }) });
    expect(noRecorder.code).toBe(2);
    expect(noRecorder.stderr.trim().split('\n')).toHaveLength(1);
    expect(noRecorder.stderr).toMatch(/arecord not found: install alsa-utils/);
    const noPlayer = await runCli(['listen', '--player', 'no-such-player -'], { env: env(emu.url) });
    expect(noPlayer.code).toBe(2);
    expect(noPlayer.stderr).toMatch(/no-such-player not found/);
    const badDevice = await runCli(['listen', '--no-play', '--device', 'nonexistent'], { env: env(emu.url) });
    expect(badDevice.code).toBe(2);
    expect(badDevice.stderr.trim().split('\n')).toHaveLength(1);
    expect(badDevice.stderr).toMatch(/cannot open capture device "nonexistent" .*clova-cli devices/);
    expect(emu.record.connections).toHaveLength(0);
  });

  it('Ctrl-C while listening: exit 130 within a second, the recorder stopped', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const mic = alsaDevice([Buffer.alloc(32000 * 30, 1)]);
    const child = spawn(process.execPath, [CLI, 'listen', '--no-play', '--json'], {
      env: baseEnv(env(emu.url, mic.env)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await emu.waitFor((rec) => (rec.events[0]?.parts.length ?? 0) > 3, 10000);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(out).toContain('"phase":"start"');
    // No recorder outlives the CLI (arecord blocked in a read ignores SIGTERM; it gets SIGKILL).
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(processesWithEnv(mic.env.ALSA_CONFIG_PATH)).toEqual([]);
  });

  it('clova-cli devices lists the capture devices --device accepts (arecord -L)', async () => {
    const mic = alsaDevice([]);
    const r = await runCli(['devices', '--json'], { env: mic.env });
    expect(r.code).toBe(0);
    const names = ndjson(r.stdout).map((l) => l.name);
    expect(names).toContain('default');
    for (const l of ndjson(r.stdout)) expect(l.type).toBe('device');
    const human = await runCli(['devices'], { env: mic.env });
    expect(human.stdout).toMatch(/^default/m);
    const emptyPath = mkdtempSync(join(tmpdir(), 'clova-nopath-'));
    const missing = await runCli(['devices'], { env: { PATH: emptyPath } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/arecord not found: install alsa-utils/);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedSpeechToText } from '../../src/emulator/voice-settings.js';
import { ALSA_SYSTEM_CONFIG, pacedFifoTurns } from '../helpers/alsa.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { turnEvents } from '../helpers/chat.js';
import { speechL16 } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'clova-chat-voice-'));
const fifos: Array<{ close(): void }> = [];
afterEach(() => {
  for (const f of fifos.splice(0)) f.close();
});

const speech = (text: string) => speechL16(text, dir);

let configs = 0;

/** An ALSA configuration whose default device is `pcm`, loaded after the system's. */
function alsaConfig(pcm: string): { env: Record<string, string>; conf: string } {
  const conf = join(dir, `asound-${process.pid}-${++configs}.conf`);
  writeFileSync(conf, `pcm.!default { ${pcm} }\n`);
  return { env: { ALSA_CONFIG_PATH: `${ALSA_SYSTEM_CONFIG}:${conf}` }, conf };
}

/**
 * An ALSA configuration whose default device captures from a FIFO microphone (one utterance per
 * capture turn, paced like a real one, then silence, as a quiet room).
 */
function alsaDevice(turns: Buffer[]): { env: Record<string, string>; readers: () => number } {
  let conf = '';
  const fifo = pacedFifoTurns(turns, () => conf);
  fifos.push(fifo);
  const alsa = alsaConfig(`type file slave.pcm "null" file "/dev/null" infile "${fifo.path}" format "raw"`);
  conf = alsa.conf;
  return { env: alsa.env, readers: fifo.readers };
}

const env = (url: string, extra: Record<string, string> = {}) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url, ...extra });
/** True when the emulator can recognise speech here (Debian's pocketsphinx and pocketsphinx-en-us). */
const hears = (await sharedSpeechToText().unavailable()) === undefined;

/** Where arecord is on this machine. */
const realArecord = execFileSync('sh', ['-c', 'command -v arecord || echo /usr/bin/arecord'], { encoding: 'utf8' }).trim();

/** The stderr lines of a run (the CLI's notices and errors, one per line). */
const stderrLines = (stderr: string) => stderr.split('\n').filter((l) => l.length > 0);

describe('clova-cli chat by voice (e2e: arecord through ALSA, the emulator over real HTTP/2)', () => {
  it.skipIf(!hears)('/talk on a pipe: the microphone turn, then the follow-up ExpectSpeech asks for, opened by itself', async () => {
    const emu = await emulator();
    const mic = alsaDevice([await speech('order a pizza'), await speech('large')]);
    // A voice turn, then a typed line: on a pipe the typed line waits until the whole voice dialog
    // (the follow-up included) is over; then the end of input ends the session.
    const r = await runCli(['chat', '--lang', 'en', '--no-play', '--json'], {
      env: env(emu.url, mic.env),
      input: '/talk\nwhat time is it\n',
      timeoutMs: 40000,
    });
    // Nothing on stderr but, on a slow machine, the dead-input warning: after the utterance the FIFO
    // feeds digital silence until StopCapture, which comes after the emulator's recognition.
    expect(stderrLines(r.stderr).filter((l) => !l.includes('no audio is reaching the microphone'))).toEqual([]);
    expect(r.code).toBe(0);
    const all = ndjson(r.stdout);
    const typed = all.findIndex((l) => l.type === 'request' && l.text === 'what time is it');
    expect(typed).toBeGreaterThan(0);
    const lines = all.slice(0, typed);

    // Two voice requests from the microphone: the second answers the first's ExpectSpeech.
    const requests = lines.filter((l) => l.type === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ kind: 'voice', input: 'microphone', format: 'L16 16 kHz mono', followUp: false });
    expect(requests[1]).toMatchObject({ kind: 'voice', input: 'microphone', followUp: true, dialogRequestId: requests[0]!.dialogRequestId });

    // On the wire: two Recognize events, the second with speechId and the same dialogRequestId.
    const turns = turnEvents(emu).filter((x) => x.message.event.header.namespace === 'SpeechRecognizer');
    expect(turns).toHaveLength(2);
    const [first, second] = turns.map((t) => t.message.event);
    expect(first!.header.dialogRequestId).toBe(requests[0]!.dialogRequestId);
    expect(second!.header.dialogRequestId).toBe(first!.header.dialogRequestId);
    expect(second!.header.messageId).not.toBe(first!.header.messageId);
    expect(first!.payload.speechId).toBeUndefined();
    expect(typeof second!.payload.speechId).toBe('string');
    expect(second!.payload).toMatchObject({ lang: 'en', format: 'AUDIO_L16_RATE_16000_CHANNELS_1' });
    // Each turn sent its own utterance in 6,400-byte parts.
    for (const t of turns) {
      const audio = t.parts.slice(1);
      expect(audio.length).toBeGreaterThan(2);
      for (const p of audio.slice(0, -1)) expect(p).toMatchObject({ name: 'audio', bytes: 6400 });
    }
    // One recorder per turn.
    expect(mic.readers()).toBe(2);

    // Each capture started before its request and stopped at CLOVA's StopCapture.
    const captures = lines.filter((l) => l.type === 'capture');
    expect(captures.map((c) => c.phase)).toEqual(['start', 'stop', 'start', 'stop']);
    for (const stop of captures.filter((c) => c.phase === 'stop')) {
      expect(stop.detail).toBe('StopCapture from CLOVA');
      expect(stop.seconds).toBeGreaterThan(0);
    }
    const at = (l: Record<string, any>) => lines.indexOf(l);
    expect(at(captures[0]!)).toBeLessThan(at(requests[0]!));
    expect(at(requests[0]!)).toBeLessThan(at(captures[2]!));
    expect(at(captures[2]!)).toBeLessThan(at(requests[1]!));

    // The emulator heard each utterance on its turn (pushed as ShowRecognizedText).
    const heard = lines.filter((l) => l.type === 'directive' && l.directive.header.name === 'ShowRecognizedText').map((l) => l.directive.payload.text as string);
    expect(heard.at(0)).toMatch(/order a pizza/i);
    expect(heard.at(-1)).toMatch(/large/i);

    // The first answer asks (ExpectSpeech), the second is the final answer; each turn has its response line.
    const names = lines.filter((l) => l.type === 'directive').map((l) => `${l.directive.header.namespace}.${l.directive.header.name}`);
    expect(names.filter((n) => n === 'SpeechRecognizer.ExpectSpeech')).toHaveLength(1);
    const texts = lines.filter((l) => l.type === 'directive' && l.directive.header.name === 'RenderText').map((l) => l.directive.payload.text as string);
    expect(texts[0]).toMatch(/size/i);
    expect(texts.at(-1)).toMatch(/Your large pizza is on its way/);
    const responses = lines.filter((l) => l.type === 'response');
    expect(responses).toHaveLength(2);
    for (const resp of responses) expect(resp).toMatchObject({ status: 200, dialogRequestId: first!.header.dialogRequestId, uploadEnded: 'stop-capture' });

    // The state follows the dialog: listening for each turn, and idle at its end.
    const states = lines.filter((l) => l.type === 'state').map((l) => l.state);
    expect(states.filter((s) => s === 'listening')).toHaveLength(2);
    expect(states.at(-1)).toBe('idle');
    expect(lines.at(-1)).toBe(responses[1]);

    // The typed line is a new dialog, not a third answer, and it is answered before the session ends.
    const text = all[typed]!;
    expect(text).toMatchObject({ followUp: false });
    expect(text.dialogRequestId).not.toBe(first!.header.dialogRequestId);
    expect(all.at(-1)).toMatchObject({ type: 'response', status: 200, dialogRequestId: text.dialogRequestId });
    const events = turnEvents(emu).map((x) => `${x.message.event.header.namespace}.${x.message.event.header.name}`);
    expect(events).toEqual(['SpeechRecognizer.Recognize', 'SpeechRecognizer.Recognize', 'TextRecognizer.Recognize']);
  });

  /** `/talk` when no microphone can be used: one notice, then the typed line after it is answered. */
  async function talkWithoutMicrophone(args: string[], extraEnv: Record<string, string>): Promise<{ lines: Array<Record<string, any>>; notices: string[] }> {
    const r = await runCli(['chat', '--emulator', '--json', '--no-play', ...args], { env: extraEnv, input: '/talk\nwhat time is it\n', timeoutMs: 20000 });
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    // No voice request went out; the typed line was sent and answered.
    const requests = lines.filter((l) => l.type === 'request');
    expect(requests).toEqual([expect.objectContaining({ text: 'what time is it', followUp: false })]);
    expect(lines.some((l) => l.type === 'capture')).toBe(false);
    expect(lines.some((l) => l.type === 'error')).toBe(false);
    expect(lines.at(-1)).toMatchObject({ type: 'response', status: 200, dialogRequestId: requests[0]!.dialogRequestId });
    expect(lines.some((l) => l.type === 'directive' && l.directive.header.name === 'RenderText' && /^It is \d/.test(l.directive.payload.text))).toBe(true);
    return { lines, notices: stderrLines(r.stderr) };
  }

  it('/talk with a --device that does not exist: one "no microphone" line, and typing goes on (exit 0)', async () => {
    const { notices } = await talkWithoutMicrophone(['--device', 'nonexistent'], {});
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^clova-cli: no microphone: cannot open capture device "nonexistent" .*clova-cli devices.*; the session goes on: type instead$/);
  });

  for (const recorder of ['lpcm16', 'mic'] as const) {
    it(`/talk when ALSA has no usable default device (--recorder ${recorder}): one line, and typing goes on (exit 0)`, async () => {
      const { notices } = await talkWithoutMicrophone(['--recorder', recorder], alsaConfig('type hw card 99').env);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^clova-cli: no microphone: cannot open the default capture device .*--device.*; the session goes on: type instead$/);
    });
  }

  it('/talk with no recorder installed: one line saying what to install, and typing goes on (exit 0)', async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'clova-nopath-'));
    const { notices } = await talkWithoutMicrophone([], { PATH: emptyPath });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^clova-cli: no microphone: arecord not found: install alsa-utils.*type instead$/);
  });

  it('a second /talk after the microphone failed is told again in one line, without trying the recorder again', async () => {
    const alsa = alsaConfig('type hw card 99');
    // The real arecord, behind a wrapper that counts its runs.
    const bin = mkdtempSync(join(tmpdir(), 'clova-arecord-'));
    const runs = join(bin, 'runs');
    writeFileSync(join(bin, 'arecord'), `#!/bin/sh\necho run >> '${runs}'\nexec '${realArecord}' "$@"\n`, { mode: 0o755 });
    const r = await runCli(['chat', '--emulator', '--json', '--no-play'], {
      env: { ...alsa.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      input: '/talk\n/talk\nhello\n',
      timeoutMs: 20000,
    });
    expect(r.code).toBe(0);
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
    const notices = stderrLines(r.stderr);
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatch(/^clova-cli: no microphone: cannot open the default capture device/);
    // The second is the remembered reason (arecord's own complaint is not printed again: it did not run).
    expect(notices[1]).toMatch(/^clova-cli: no microphone \(cannot open the default capture device .*\): type instead$/);
    const lines = ndjson(r.stdout);
    expect(lines.filter((l) => l.type === 'request').map((l) => l.text)).toEqual(['hello']);
    expect(lines.at(-1)).toMatchObject({ type: 'response', status: 200 });
  });
});

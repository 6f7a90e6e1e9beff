import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openAudioInput } from '../../src/audio/audio-input.js';
import { sharedSpeechToText } from '../../src/emulator/voice-settings.js';
import type { RecordedEvent } from '../../src/emulator/record.js';
import { baseEnv, CLI, ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { buildWav, collect, espeak, riffChunk, silence, sine, soxTone } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'clova-recognize-'));
const env = (url: string) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** True when the emulator can recognise speech here (Debian's pocketsphinx and pocketsphinx-en-us). */
const hears = (await sharedSpeechToText().unavailable()) === undefined;

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** 16 kHz mono 16-bit: `seconds` of a 440 Hz tone, then `quiet` seconds of silence. */
function toneWav(seconds: number, quiet = 0): Buffer {
  const samples = Float64Array.from([...sine(440, seconds, 16000, 0.4), ...silence(quiet, 16000)]);
  return buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [samples]);
}

/** A 16 kHz mono WAV whose header declares `declared` seconds but which holds only `held`. */
function declaresMore(declared: number, held: number): Buffer {
  const w = toneWav(held);
  w.writeUInt32LE(declared * 32000, 40);
  w.writeUInt32LE(36 + declared * 32000, 4);
  return w;
}

/** What the CLI should send for `path`: the library's own conversion of it. */
async function expectedPcm(path: string, raw = false): Promise<Buffer> {
  const input = await openAudioInput(path, { raw });
  try {
    return await collect(input.pcm);
  } finally {
    input.close();
  }
}

function recognizeEvents(events: RecordedEvent[]): RecordedEvent[] {
  return events.filter((e) => e.message.event.header.namespace === 'SpeechRecognizer' && e.message.event.header.name === 'Recognize');
}

function checkParts(e: RecordedEvent): void {
  expect(e.parts[0]).toMatchObject({ name: 'metadata' });
  const audio = e.parts.slice(1);
  expect(audio.length).toBeGreaterThan(0);
  for (const p of audio) expect(p.name).toBe('audio');
  for (const p of audio.slice(0, -1)) expect(p.bytes).toBe(6400);
  expect(audio.at(-1)!.bytes).toBeGreaterThan(0);
  expect(audio.at(-1)!.bytes).toBeLessThanOrEqual(6400);
}

let weatherWav: string;
beforeAll(async () => {
  weatherWav = join(dir, 'weather.wav');
  await espeak('what is the weather today', weatherWav);
});

describe('clova-cli recognize (e2e against the emulator over real HTTP/2)', () => {
  it('sends 16 kHz mono 16-bit WAV byte-exact: metadata first, then 6400-byte audio parts', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const wav = toneWav(1.37);
    const path = file('exact.wav', wav);
    const r = await runCli(['recognize', path, '--lang', 'en', '--json'], { env: env(emu.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [e] = recognizeEvents(emu.record.events);
    expect(e!.message.event.payload).toEqual({
      lang: 'en',
      profile: 'CLOSE_TALK',
      format: 'AUDIO_L16_RATE_16000_CHANNELS_1',
      initiator: { type: 'TAP', inputSource: 'SELF' },
    });
    checkParts(e!);
    const data = wav.subarray(44);
    expect(e!.audio!.bytes).toBe(data.length);
    expect(e!.audio!.sha256).toBe(sha256(data));
    const lines = ndjson(r.stdout);
    expect(lines[0]).toMatchObject({ type: 'request', kind: 'voice', input: path, followUp: false });
    expect(lines.at(-1)).toMatchObject({ type: 'response', status: 200, audioBytes: data.length, audioParts: 7, uploadEnded: 'end-of-input' });
  });

  for (const [name, args] of [
    ['44.1 kHz stereo 16-bit', ['-r', '44100', '-c', '2', '-b', '16']],
    ['48 kHz mono 24-bit', ['-r', '48000', '-c', '1', '-b', '24']],
    ['8 kHz mono 32-bit float', ['-r', '8000', '-c', '1', '-e', 'floating-point', '-b', '32']],
  ] as const) {
    it(`converts ${name} on the fly: the wire carries the L16 16 kHz mono conversion`, async () => {
      const emu = await emulator({ faults: ['no-stop-capture'] });
      const path = join(dir, `${name.replace(/\W+/g, '-')}.wav`);
      await soxTone(path, [...args], 1.5, 440, 0.4);
      const r = await runCli(['recognize', path], { env: env(emu.url) });
      expect(r.code).toBe(0);
      const [e] = recognizeEvents(emu.record.events);
      checkParts(e!);
      const expected = await expectedPcm(path);
      expect(Math.abs(expected.length / 32000 - 1.5)).toBeLessThan(0.015); // duration within 1 %
      expect(e!.audio!.sha256).toBe(sha256(expected));
      expect(r.stdout).toContain('→ L16 16 kHz mono');
    });
  }

  it('reads a streamed WAV from stdin (data size 0xFFFFFFFF, LIST chunk before the data)', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const tone = toneWav(1);
    const header = Buffer.from(tone.subarray(0, 36));
    header.writeUInt32LE(0xffffffff, 4);
    const data = tone.subarray(44);
    const streamed = Buffer.concat([header, riffChunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00')), riffChunk('data', data, 0xffffffff).subarray(0, 8), data]);
    const r = await runCli(['recognize', '-'], { env: env(emu.url), input: streamed });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(recognizeEvents(emu.record.events)[0]!.audio!.sha256).toBe(sha256(data));
  });

  it('a WAV on standard input (a regular file) that holds less than its header declares is refused before connecting', async () => {
    const emu = await emulator();
    const path = file('short-stdin.wav', declaresMore(2, 0.6));
    const fd = openSync(path, 'r');
    const child = spawn(process.execPath, [CLI, 'recognize', '-'], { env: baseEnv(env(emu.url)), stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toBe('clova-cli: error: stdin is truncated: its WAV header declares 2.00 s of audio but it holds 0.60 s (44800 bytes missing); record or export it again\n');
    expect(emu.record.connections).toEqual([]);
  });

  it('a piped WAV that ends after sending began, before its declared size: sent, and one warning line says so', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const wav = declaresMore(3, 1);
    const r = await runCli(['recognize', '-', '--json'], { env: env(emu.url), input: wav });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('clova-cli: warning: standard input ended after 1.00 s although its WAV header declared 3.00 s\n');
    expect(recognizeEvents(emu.record.events)[0]!.audio!.sha256).toBe(sha256(wav.subarray(44)));
  });

  it('--raw sends headerless L16 as it is', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const pcm = toneWav(0.8).subarray(44);
    const r = await runCli(['recognize', '--raw', file('tone.raw', pcm)], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(recognizeEvents(emu.record.events)[0]!.audio!.sha256).toBe(sha256(pcm));
  });

  it('StopCapture closes the body at once, although the input (stdin) goes on', async () => {
    const emu = await emulator();
    const tone = toneWav(1, 1.5);
    const header = Buffer.from(tone.subarray(0, 44));
    header.writeUInt32LE(0xffffffff, 40); // a recorder's streaming header: length unknown
    const child = spawn(process.execPath, [CLI, 'recognize', '-', '--json'], { env: baseEnv(env(emu.url)), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stdin.on('error', () => undefined);
    child.stdin.write(Buffer.concat([header, tone.subarray(44)])); // and stdin stays open
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const [e] = recognizeEvents(emu.record.events);
    expect(e!.audio!.endOfSpeech).toBe('vad');
    expect(e!.audio!.bodyEndedAt! - e!.audio!.stopCaptureAt!).toBeLessThan(100);
    const lines = ndjson(out);
    const stop = lines.find((l) => l.type === 'directive' && l.directive.header.name === 'StopCapture')!;
    expect(stop.source).toBe('downchannel');
    expect(stop.directive.header.dialogRequestId).toBe(e!.message.event.header.dialogRequestId);
    expect(lines.at(-1)).toMatchObject({ type: 'response', status: 200, uploadEnded: 'stop-capture' });
    expect(lines.at(-1)!.stopCaptureReactionMs).toBeLessThan(100);
  });

  it('--realtime paces one part per 200 ms and closes the body within 100 ms of StopCapture', async () => {
    const emu = await emulator();
    const r = await runCli(['recognize', '--realtime', file('paced.wav', toneWav(0.6, 3))], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const [e] = recognizeEvents(emu.record.events);
    const times = e!.parts.slice(1).map((p) => p.at!).filter((t) => t !== undefined);
    expect(times.length).toBeGreaterThan(5);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(150);
    expect(mean).toBeLessThan(300);
    // About 200 ms of audio per 200 ms of time: the whole upload took about as long as its audio.
    expect(e!.audio!.bodyEndedAt! - e!.audio!.stopCaptureAt!).toBeLessThan(100);
    expect(e!.audio!.endOfSpeech).toBe('vad');
  });

  it.skipIf(!hears)('the emulator hears: "what is the weather today" gets the weather answer', async () => {
    const emu = await emulator();
    const r = await runCli(['recognize', weatherWav, '--lang', 'en'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('heard: what is the weather today');
    expect(r.stdout).toMatch(/CLOVA: .*sunny/);
    expect(recognizeEvents(emu.record.events)[0]!.audio!.recognizedText).toBe('what is the weather today');
  });

  it('without recognition the emulator says honestly what it heard', async () => {
    const emu = await emulator({ recognizer: 'off' });
    const r = await runCli(['recognize', weatherWav, '--lang', 'en'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CLOVA: I heard 1(\.\d)? seconds? of speech, but speech recognition is turned off/);
  });

  it('silence gets StopCapture after the no-speech timeout', async () => {
    const emu = await emulator();
    const r = await runCli(['recognize', file('silence.wav', toneWav(0, 12))], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const [e] = recognizeEvents(emu.record.events);
    expect(e!.audio!.endOfSpeech).toBe('no-speech');
    expect(e!.audio!.stopCaptureAt).toBeDefined();
    expect(e!.audio!.bytes).toBeLessThan(12 * 32000);
  });

  it('fault stop-capture-after: the upload ends where the server said', async () => {
    const emu = await emulator({ faults: ['stop-capture-after=600'] });
    const r = await runCli(['recognize', '--realtime', file('long.wav', toneWav(5))], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const [e] = recognizeEvents(emu.record.events);
    expect(e!.audio!.endOfSpeech).toBe('fault');
    expect(e!.audio!.bytes).toBeGreaterThanOrEqual(0.6 * 32000);
    expect(e!.audio!.bytes).toBeLessThan(2 * 32000);
  });

  it('fault reset-recognize: exit 4 with what happened', async () => {
    const emu = await emulator({ faults: ['reset-recognize'] });
    const r = await runCli(['recognize', file('reset.wav', toneWav(3))], { env: env(emu.url) });
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/reset the SpeechRecognizer\.Recognize request/);
  });

  it('--save-audio keeps the spoken answer', async () => {
    const emu = await emulator();
    const out = mkdtempSync(join(tmpdir(), 'clova-recognize-audio-'));
    const r = await runCli(['recognize', file('save.wav', toneWav(1, 1)), '--save-audio', out, '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const audio = ndjson(r.stdout).find((l) => l.type === 'audio')!;
    expect(existsSync(audio.path)).toBe(true);
    expect(sha256(readFileSync(audio.path))).toBe(emu.record.attachments[0]!.sha256);
  });

  it.skipIf(!hears)('a second input answers the ExpectSpeech of the first (same dialogRequestId, speechId)', async () => {
    const emu = await emulator();
    const order = join(dir, 'order.wav');
    const size = join(dir, 'large.wav');
    await espeak('order a pizza', order);
    await espeak('large', size);
    const r = await runCli(['recognize', order, size, '--lang', 'en'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CLOVA: Your large pizza is on its way/);
    const [first, second] = recognizeEvents(emu.record.events);
    expect(second!.message.event.header.dialogRequestId).toBe(first!.message.event.header.dialogRequestId);
    expect(typeof second!.message.event.payload.speechId).toBe('string');
    expect(second!.message.event.payload.initiator).toBeUndefined();
  });

  it.skipIf(!hears)('a pending ExpectSpeech is explained: how to answer it', async () => {
    const emu = await emulator();
    const order = join(dir, 'order-only.wav');
    await espeak('order a pizza', order);
    const r = await runCli(['recognize', order, '--lang', 'en'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/to answer, give the answer as a further input .*recognize question.wav answer.wav/);
  });
});

describe('clova-cli recognize: bad input is refused before anything is sent (exit 2)', () => {
  const fmt = (tag: number) => {
    const w = toneWav(0.2);
    w.writeUInt16LE(tag, 20);
    return w;
  };
  const cases: Array<[string, () => string[], RegExp, Buffer?]> = [
    ['a missing file', () => ['recognize', join(dir, 'nope.wav')], /no such file: .*nope\.wav/],
    ['an empty file', () => ['recognize', file('empty.wav', Buffer.alloc(0))], /is empty/],
    ['not RIFF/WAVE', () => ['recognize', file('text.wav', Buffer.from('hello, this is not audio at all'))], /not a WAV file \(no RIFF\/WAVE header\); use --raw/],
    ['an MP3 inside a WAV', () => ['recognize', file('mp3.wav', fmt(0x55))], /^clova-cli: error: WAV format 0x0055 \(MP3\) is not supported; convert it with sox or ffmpeg$/m],
    ['a truncated header', () => ['recognize', file('trunc.wav', toneWav(0.2).subarray(0, 30))], /./],
    ['an inconsistent header (block align)', () => {
      const w = toneWav(0.2);
      w.writeUInt16LE(3, 32);
      return ['recognize', file('align.wav', w)];
    }, /./],
    ['zero samples', () => ['recognize', file('nosamples.wav', toneWav(0))], /./],
    ['an odd byte count with --raw', () => ['recognize', '--raw', file('odd.raw', Buffer.alloc(6401))], /odd/i],
    ['empty standard input', () => ['recognize', '-'], /empty/, Buffer.alloc(0)],
    ['stdin read twice', () => ['recognize', '-', '-'], /only once/],
    ['a WAV header declaring more audio than the file holds', () => ['recognize', file('short.wav', declaresMore(3, 1))],
      /short\.wav is truncated: its WAV header declares 3\.00 s of audio but it holds 1\.00 s \(64000 bytes missing\); record or export it again$/],
    ['a piped WAV that ends, within the first read-ahead, before its declared size', () => ['recognize', '-'],
      /^clova-cli: error: stdin is truncated: its WAV header declares 3\.00 s of audio but it holds 0\.20 s/, declaresMore(3, 0.2)],
  ];
  for (const [what, args, message, input] of cases) {
    it(what, async () => {
      const emu = await emulator();
      const r = await runCli(args(), { env: env(emu.url), ...(input ? { input } : {}) });
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(r.stdout).toBe('');
      expect(emu.record.connections).toHaveLength(0);
      expect(emu.record.events).toHaveLength(0);
    });
  }
});

describe('clova-cli recognize: other audio formats are named, with the commands that convert them (exit 2, nothing sent)', () => {
  const has = (program: string) => spawnSync(program, ['--version'], { stdio: 'ignore' }).error === undefined;
  /** `ext` made from a tone WAV by `program`, as a user would have it. */
  function encode(name: string, program: 'lame' | 'sox'): string {
    const wav = file(`${name}.src.wav`, toneWav(1));
    const out = join(dir, name);
    execFileSync(program, program === 'lame' ? ['--quiet', wav, out] : [wav, out], { stdio: 'ignore' });
    return out;
  }
  async function refusedLine(args: string[], input?: Buffer): Promise<string> {
    const emu = await emulator();
    const r = await runCli(args, { env: env(emu.url), ...(input ? { input } : {}) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(emu.record.connections).toHaveLength(0);
    return lines[0]!;
  }

  it.skipIf(!has('lame'))('an MP3 file: the same line with and without --raw (no "use --raw", no "odd number of bytes")', async () => {
    const mp3 = encode('question.mp3', 'lame');
    // Odd or even, the size must not matter: make it odd, as the MP3 was.
    if (readFileSync(mp3).length % 2 === 0) writeFileSync(mp3, Buffer.concat([readFileSync(mp3), Buffer.alloc(1)]));
    const out = join(dir, 'question.wav');
    const expected = `clova-cli: error: ${mp3} is an MP3 file, not WAV; convert it: ffmpeg -i ${mp3} -ar 16000 -ac 1 ${out} or sox ${mp3} -r 16000 -c 1 -b 16 ${out}`;
    expect(await refusedLine(['recognize', mp3])).toBe(expected);
    expect(await refusedLine(['recognize', '--raw', mp3])).toBe(expected);
  });

  it.skipIf(!has('lame'))('an MP3 on standard input says how to convert it on the way', async () => {
    const mp3 = readFileSync(encode('piped.mp3', 'lame'));
    for (const args of [['recognize', '-'], ['recognize', '--raw', '-']]) {
      expect(await refusedLine(args, mp3)).toMatch(
        /^clova-cli: error: standard input is an MP3 file, not WAV; convert it on the way: … \| ffmpeg -i - -ar 16000 -ac 1 -f wav - \| clova-cli recognize - or … \| sox -t mp3 - /,
      );
    }
  });

  it.skipIf(!has('sox'))('FLAC, Ogg and AIFF written by sox', async () => {
    for (const [name, what] of [['a.flac', 'a FLAC file'], ['a.ogg', 'an Ogg Vorbis file'], ['a.aiff', 'an AIFF file']] as const) {
      const path = encode(name, 'sox');
      expect(await refusedLine(['recognize', path])).toMatch(new RegExp(`^clova-cli: error: ${path.replace(/\./g, '\\.')} is ${what}, not WAV; convert it: ffmpeg -i `));
    }
  });

  it('M4A and WebM (no encoder here: their magic bytes), ffmpeg only', async () => {
    const m4a = file('memo.m4a', Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypM4A \0\0\0\0isomM4A mp42', 'latin1'), Buffer.alloc(5000)]));
    expect(await refusedLine(['recognize', m4a])).toBe(
      `clova-cli: error: ${m4a} is an M4A (AAC) file, not WAV; convert it: ffmpeg -i ${m4a} -ar 16000 -ac 1 ${join(dir, 'memo.wav')}`,
    );
    const webm = file('clip.webm', Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]), Buffer.alloc(5000)]));
    expect(await refusedLine(['recognize', '--raw', webm])).toMatch(/clip\.webm is a WebM\/Matroska file, not WAV; convert it: ffmpeg -i /);
  });
});

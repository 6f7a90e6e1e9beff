import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAudioInput, openAudioStream, type AudioInput } from '../../../src/audio/audio-input.js';
import { UsageError } from '../../../src/protocol/errors.js';
import {
  buildWav,
  collect,
  encodeSamples,
  espeak,
  espeakStdout,
  estimateFrequency,
  l16,
  listChunk,
  pieces,
  randomSplit,
  readableOf,
  riffChunk,
  rms,
  silence,
  sine,
  snrDb,
  sox,
  soxToL16,
  soxTone,
  splitEvery,
  tempDir,
  toneAmplitude,
  type WavSpec,
} from '../../helpers/wav.js';
import { exitCodeFor } from '../../../src/cli/exit.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

async function pcmOf(input: AudioInput): Promise<Int16Array> {
  return l16(await collect(input.pcm));
}

async function openBytes(bytes: Buffer, options: { raw?: boolean; name?: string; knownSize?: number; split?: number[] } = {}): Promise<AudioInput> {
  return openAudioStream(pieces(splitEvery(bytes, options.split ?? [65536])), options);
}

/** The UsageError `promise` rejects with; checks it is a one-line exit-code-2 error. */
async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  const e = error as UsageError;
  expect(exitCodeFor(e)).toBe(2);
  expect(e.message).not.toMatch(/\n/);
  return e;
}

describe('WAV conversion matrix', () => {
  interface Case {
    name: string;
    make: (path: string) => Promise<void>;
    seconds: number;
    freq: number;
    rate: number;
    channels: number;
    bits: number;
    description: string;
  }
  const code = (spec: WavSpec, seconds: number, freq: number) => async (path: string) =>
    writeFileSync(path, buildWav(spec, Array.from({ length: spec.channels }, () => sine(freq, seconds, spec.sampleRate, 0.5))));
  const cases: Case[] = [
    {
      name: '44.1 kHz stereo 16-bit (code, LIST chunk)',
      make: code({ sampleRate: 44100, channels: 2, bitsPerSample: 16, chunksBefore: [listChunk('odd!')] }, 1, 440),
      seconds: 1, freq: 440, rate: 44100, channels: 2, bits: 16,
      description: 'WAV 44100 Hz stereo 16-bit PCM → L16 16 kHz mono',
    },
    {
      name: '44.1 kHz stereo 16-bit (sox, with a comment → LIST chunk)',
      make: (p) => sox(['-n', '-r', '44100', '-c', '2', '-b', '16', '--comment', 'made by sox', p, 'synth', '1', 'sine', '1000', 'vol', '0.5']),
      seconds: 1, freq: 1000, rate: 44100, channels: 2, bits: 16,
      description: 'WAV 44100 Hz stereo 16-bit PCM → L16 16 kHz mono',
    },
    {
      name: '8 kHz mono 16-bit (code)',
      make: code({ sampleRate: 8000, channels: 1, bitsPerSample: 16 }, 1, 440),
      seconds: 1, freq: 440, rate: 8000, channels: 1, bits: 16,
      description: 'WAV 8000 Hz mono 16-bit PCM → L16 16 kHz mono',
    },
    {
      name: '48 kHz stereo 24-bit (sox: extensible header + fact)',
      make: (p) => soxTone(p, ['-r', '48000', '-c', '2', '-b', '24'], 1, 1000),
      seconds: 1, freq: 1000, rate: 48000, channels: 2, bits: 24,
      description: 'WAV 48000 Hz stereo 24-bit PCM → L16 16 kHz mono',
    },
    {
      name: '22.05 kHz mono 8-bit unsigned (sox)',
      make: (p) => soxTone(p, ['-r', '22050', '-c', '1', '-b', '8', '-e', 'unsigned-integer'], 1, 440),
      seconds: 1, freq: 440, rate: 22050, channels: 1, bits: 8,
      description: 'WAV 22050 Hz mono 8-bit PCM → L16 16 kHz mono',
    },
    {
      name: '32 kHz mono 32-bit float (sox: fmt of 18 bytes + fact)',
      make: (p) => soxTone(p, ['-r', '32000', '-c', '1', '-e', 'floating-point', '-b', '32'], 1, 440),
      seconds: 1, freq: 440, rate: 32000, channels: 1, bits: 32,
      description: 'WAV 32000 Hz mono 32-bit float → L16 16 kHz mono',
    },
    {
      name: '48 kHz 6-channel 16-bit (sox: extensible)',
      make: (p) => soxTone(p, ['-r', '48000', '-c', '6', '-b', '16'], 1, 440),
      seconds: 1, freq: 440, rate: 48000, channels: 6, bits: 16,
      description: 'WAV 48000 Hz 6-channel 16-bit PCM → L16 16 kHz mono',
    },
    {
      name: '96 kHz stereo 32-bit int (code, extensible)',
      make: code({ sampleRate: 96000, channels: 2, bitsPerSample: 32, extensible: true }, 1, 1000),
      seconds: 1, freq: 1000, rate: 96000, channels: 2, bits: 32,
      description: 'WAV 96000 Hz stereo 32-bit PCM → L16 16 kHz mono',
    },
    {
      name: '16 kHz stereo 64-bit float (code: no resampling, downmix only)',
      make: code({ sampleRate: 16000, channels: 2, bitsPerSample: 64, encoding: 'float' }, 1, 440),
      seconds: 1, freq: 440, rate: 16000, channels: 2, bits: 64,
      description: 'WAV 16000 Hz stereo 64-bit float → L16 16 kHz mono',
    },
  ];

  it.each(cases)('$name → 16 kHz mono, duration within 1 %, pitch kept, not silent', async (c) => {
    const path = tmp.path(`matrix-${cases.indexOf(c)}.wav`);
    await c.make(path);
    const input = await openAudioInput(path);
    expect(input.info).toMatchObject({ container: 'wav', sampleRate: c.rate, channels: c.channels, bitsPerSample: c.bits, passthrough: false });
    expect(input.info.description).toBe(c.description);
    expect(input.info.expectedSeconds).toBeCloseTo(c.seconds, 3);
    const out = await pcmOf(input);
    expect(Math.abs(out.length / 16000 - c.seconds) / c.seconds).toBeLessThan(0.01);
    expect(Math.abs(estimateFrequency(out) / c.freq - 1)).toBeLessThan(0.01);
    expect(rms(out, 800, out.length - 800)).toBeGreaterThan(0.3);
  });

  it('passes 16 kHz mono 16-bit WAV through byte for byte (code and sox)', async () => {
    const samples = encodeSamples([sine(440, 1, 16000, 0.7)], 16);
    const wav = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, chunksBefore: [listChunk()] }, [sine(440, 1, 16000, 0.7)]);
    const input = await openBytes(wav);
    expect(input.info.passthrough).toBe(true);
    expect(input.info.description).toBe('WAV 16000 Hz mono 16-bit PCM (L16 16 kHz mono, sent as is)');
    expect((await collect(input.pcm)).equals(samples)).toBe(true);

    const path = tmp.path('sox-16k.wav');
    await soxTone(path, ['-r', '16000', '-c', '1', '-b', '16'], 0.5, 1000);
    const file = readFileSync(path);
    const out = await collect((await openAudioInput(path)).pcm);
    expect(out.equals(file.subarray(44))).toBe(true);
  });

  it('downmixes by averaging: left tone + right silence comes out at half amplitude', async () => {
    const wav = buildWav({ sampleRate: 44100, channels: 2, bitsPerSample: 16 }, [sine(1000, 1, 44100, 0.8), silence(1, 44100)]);
    const out = await pcmOf(await openBytes(wav));
    expect(toneAmplitude(out, 1000)).toBeCloseTo(0.4, 2);
    const opposite = buildWav({ sampleRate: 16000, channels: 2, bitsPerSample: 16 }, [sine(500, 1, 16000, 0.5), sine(500, 1, 16000, 0.5, Math.PI)]);
    expect(rms(await pcmOf(await openBytes(opposite)))).toBeLessThan(1e-4);
  });

  it('agrees with sox to within 30 dB SNR on a resampled tone', async () => {
    const path = tmp.path('snr.wav');
    await soxTone(path, ['-r', '44100', '-c', '1', '-b', '16'], 1, 1000);
    const ours = await pcmOf(await openAudioInput(path));
    const reference = await soxToL16(path);
    expect(ours.length).toBe(reference.length);
    expect(snrDb(reference, ours)).toBeGreaterThan(30);
  });

  it('converts espeak-ng speech to the right length, not silent, close to sox', async () => {
    const path = tmp.path('speech.wav');
    await espeak('what is the weather today', path);
    const input = await openAudioInput(path);
    expect(input.info.sampleRate).toBe(22050);
    const seconds = input.info.expectedSeconds!;
    const out = await pcmOf(input);
    expect(Math.abs(out.length / 16000 - seconds)).toBeLessThan(0.001);
    expect(rms(out)).toBeGreaterThan(0.02);
    expect(snrDb(await soxToL16(path), out)).toBeGreaterThan(30);
  });

  it('reads a piped WAV whose data size is a placeholder (espeak-ng --stdout writes 0x7FFFF000)', async () => {
    const piped = await espeakStdout('hello world');
    expect(piped.readUInt32LE(40)).toBe(0x7ffff000);
    const input = await openAudioStream(readableOf(randomSplit(piped, 7)), { name: 'stdin' });
    expect(input.info.expectedSeconds).toBeUndefined();
    const out = await pcmOf(input);
    const frames = (piped.length - 44) / 2;
    expect(out.length).toBe(Math.round((frames * 16000) / 22050));
  });
});

describe('splits and chunk layouts', () => {
  const spec: WavSpec = {
    sampleRate: 44100,
    channels: 2,
    bitsPerSample: 24,
    extensible: true,
    chunksBeforeFmt: [riffChunk('JUNK', Buffer.alloc(3))],
    chunksBefore: [riffChunk('fact', Buffer.alloc(4)), listChunk('x'), riffChunk('odd ', Buffer.alloc(5, 0x61))],
  };
  const wav = buildWav(spec, [sine(440, 0.3, 44100), sine(880, 0.3, 44100)]);

  it('gives identical output for 1-byte pieces, random pieces and the whole buffer', async () => {
    const whole = await collect((await openBytes(wav, { split: [wav.length] })).pcm);
    expect(whole.length).toBe(Math.round(0.3 * 16000) * 2);
    expect((await collect((await openBytes(wav, { split: [1] })).pcm)).equals(whole)).toBe(true);
    for (const seed of [1, 2, 3]) {
      const out = await collect((await openAudioStream(pieces(randomSplit(wav, seed, 3000)))).pcm);
      expect(out.equals(whole)).toBe(true);
    }
  });

  it('passes 1-byte pieces of a passthrough input through unchanged', async () => {
    const data = encodeSamples([sine(300, 0.2, 16000)], 16);
    const w = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [sine(300, 0.2, 16000)]);
    expect((await collect((await openBytes(w, { split: [1] })).pcm)).equals(data)).toBe(true);
    expect((await collect((await openBytes(data, { raw: true, split: [1] })).pcm)).equals(data)).toBe(true);
  });

  it.each([0, 0xffffffff, 0x80000000])('reads data size %s to the end of input', async (dataSize) => {
    const w = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataSize, riffSize: dataSize }, [sine(300, 0.1, 16000)]);
    const input = await openBytes(w);
    expect(input.info.expectedSeconds).toBeUndefined();
    expect((await collect(input.pcm)).length).toBe(3200);
  });

  it('stops at the declared data size: trailing chunks are not audio', async () => {
    const w = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, chunksAfter: [listChunk('trailer')] }, [sine(300, 0.1, 16000)]);
    const input = await openBytes(w, { knownSize: w.length });
    expect(input.info.expectedSeconds).toBeCloseTo(0.1, 6);
    expect((await collect(input.pcm)).length).toBe(3200);
  });

  it('drops a partial frame at the end of a declared size', async () => {
    const samples = encodeSamples([[0.1, 0.2, 0.3]], 16);
    const header = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataSize: 5 }, [[]]);
    expect((await collect((await openBytes(Buffer.concat([header, samples]))).pcm)).equals(samples.subarray(0, 4))).toBe(true);
  });
});

describe('input that holds less audio than its WAV header declares', () => {
  /** 16 kHz mono 16-bit: a header declaring `declared` s, followed by `held` s of tone. */
  const declaresMore = (declared: number, held: number) =>
    buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataSize: Math.round(declared * 32000) }, [sine(300, held, 16000)]);

  it('is refused at open when the size is known (a regular file), naming both durations', async () => {
    const w = declaresMore(3, 1);
    const e = await usageError(openBytes(w, { knownSize: w.length, name: 'short.wav' }));
    expect(e.message).toBe('short.wav is truncated: its WAV header declares 3.00 s of audio but it holds 1.00 s (64000 bytes missing); record or export it again');
  });

  it('is refused at open when a stream ends within the read-ahead, before anything could be sent', async () => {
    const e = await usageError(openBytes(declaresMore(1, 0.25), { name: 'stdin' }));
    expect(e.message).toMatch(/^stdin is truncated: its WAV header declares 1\.00 s of audio but it holds 0\.25 s/);
  });

  it('a longer stream is read to its end and reported once through onShortInput', async () => {
    const reports: unknown[] = [];
    const w = declaresMore(3, 1.5);
    const input = await openAudioStream(pieces(splitEvery(w, [4096])), { name: 'stdin', onShortInput: (s) => reports.push(s) });
    expect(reports).toEqual([]); // nothing is known yet when the input opens
    expect((await collect(input.pcm)).equals(w.subarray(44))).toBe(true);
    expect(reports).toEqual([{ readSeconds: 1.5, declaredSeconds: 3 }]);
  });

  it('is not reported for placeholder sizes, nor for a shortfall of less than one sample frame', async () => {
    const reports: unknown[] = [];
    const onShortInput = (s: unknown) => reports.push(s);
    for (const dataSize of [0, 0xffffffff, 0x7ffff000]) {
      const w = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataSize, riffSize: dataSize }, [sine(300, 1, 16000)]);
      expect((await collect((await openAudioStream(pieces([w]), { onShortInput })).pcm)).length).toBe(32000);
    }
    // A declared size that is not a whole number of frames (a writer's slip) loses no whole frame.
    const odd = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataSize: 32001 }, [sine(300, 1, 16000)]);
    expect((await collect((await openAudioStream(pieces([odd]), { onShortInput, knownSize: odd.length })).pcm)).length).toBe(32000);
    expect((await collect((await openAudioStream(pieces([odd]), { onShortInput })).pcm)).length).toBe(32000);
    expect(reports).toEqual([]);
  });

  it('is not reported when the upload stops before the end of input (close())', async () => {
    const reports: unknown[] = [];
    const input = await openAudioStream(pieces(splitEvery(declaresMore(3, 1.5), [4096])), { onShortInput: (s) => reports.push(s) });
    for await (const chunk of input.pcm) {
      expect(chunk.length).toBeGreaterThan(0);
      input.close();
    }
    expect(reports).toEqual([]);
  });
});

describe('raw input', () => {
  it('passes headerless L16 through and describes it', async () => {
    const data = encodeSamples([sine(440, 0.7, 16000)], 16);
    const input = await openBytes(data, { raw: true, knownSize: data.length });
    expect(input.info).toMatchObject({ container: 'raw', sampleRate: 16000, channels: 1, bitsPerSample: 16, encoding: 'pcm', formatTag: 1, passthrough: true });
    expect(input.info.expectedSeconds).toBeCloseTo(0.7, 6);
    expect(input.info.description).toBe('raw L16 16 kHz mono (sent as is)');
    expect((await collect(input.pcm)).equals(data)).toBe(true);
  });

  it('takes a WAV file as samples when told it is raw (the user asked for it)', async () => {
    const wav = buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [[0.5, 0.5]]);
    expect((await collect((await openBytes(wav, { raw: true })).pcm)).equals(wav)).toBe(true);
  });

  it('rejects an odd byte count: up front from the file size, at open when short, later from the iterator', async () => {
    const path = tmp.path('odd.raw');
    writeFileSync(path, Buffer.alloc(100001));
    expect((await usageError(openAudioInput(path, { raw: true }))).message).toBe(
      `${path} has an odd number of bytes (100001), so it is not 16-bit samples; --raw expects headerless L16 16 kHz mono`,
    );
    expect((await usageError(openBytes(Buffer.alloc(301), { raw: true, name: 'stdin' }))).message).toMatch(/^stdin has an odd number of bytes \(301\)/);
    expect((await usageError(openBytes(Buffer.alloc(1), { raw: true, name: 'stdin' }))).message).toMatch(/^stdin has an odd number of bytes \(1\)/);
    // Past the 0.5 s prefetch window the input is already being sent: the iterator throws instead.
    const long = await openBytes(Buffer.alloc(64001), { raw: true, name: 'stdin', split: [1000] });
    const e = await usageError(collect(long.pcm));
    expect(e.message).toMatch(/^stdin has an odd number of bytes \(64001\)/);
  });
});

describe('validation before the first byte is handed out', () => {
  const wav16 = (bytes: number): Buffer => buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [sine(300, bytes / 32000, 16000)]);

  it('rejects empty input, naming it', async () => {
    expect((await usageError(openBytes(Buffer.alloc(0), { name: 'stdin' }))).message).toBe(
      'stdin is empty; give a WAV file, or headerless L16 16 kHz mono with --raw',
    );
    expect((await usageError(openBytes(Buffer.alloc(0), { raw: true, name: 'stdin' }))).message).toMatch(/^stdin is empty; /);
    const path = tmp.path('empty.wav');
    writeFileSync(path, '');
    expect((await usageError(openAudioInput(path))).message).toBe(`${path} is empty; give a WAV file, or headerless L16 16 kHz mono with --raw`);
  });

  it('rejects input that is not WAV, suggesting --raw', async () => {
    const e = await usageError(openBytes(Buffer.from('hello, this is not audio at all', 'latin1')));
    expect(e.message).toBe('not a WAV file (no RIFF/WAVE header); use --raw for headerless L16 16 kHz mono');
  });

  it.each([
    ['mu-law', 'WAV format 0x0007 (µ-law) is not supported; convert it with sox or ffmpeg'],
    ['a-law', 'WAV format 0x0006 (A-law) is not supported; convert it with sox or ffmpeg'],
    ['ima-adpcm', 'WAV format 0x0011 (IMA ADPCM) is not supported; convert it with sox or ffmpeg'],
    ['ms-adpcm', 'WAV format 0x0002 (MS ADPCM) is not supported; convert it with sox or ffmpeg'],
  ])('names the codec of a sox %s WAV', async (encoding, message) => {
    const path = tmp.path(`codec-${encoding}.wav`);
    await sox(['-n', '-r', '8000', '-c', '1', '-e', encoding, path, 'synth', '0.1', 'sine', '440']);
    expect((await usageError(openAudioInput(path))).message).toBe(message);
  });

  it('names MP3 in a WAV container', async () => {
    const wav = buildWav({ sampleRate: 44100, channels: 2, bitsPerSample: 16, formatTag: 0x0055, blockAlign: 4 }, [[0], [0]]);
    expect((await usageError(openBytes(wav))).message).toBe('WAV format 0x0055 (MP3) is not supported; convert it with sox or ffmpeg');
  });

  it('rejects a truncated header and a header with no data chunk', async () => {
    const wav = wav16(100);
    expect((await usageError(openBytes(wav.subarray(0, 30)))).message).toMatch(/^WAV header is truncated \(input ends after 30 bytes\); /);
    const noData = Buffer.concat([wav.subarray(0, 36), listChunk()]);
    expect((await usageError(openBytes(noData))).message).toMatch(/^WAV file has no data chunk/);
  });

  it('rejects input with no whole sample frame', async () => {
    const header = buildWav({ sampleRate: 16000, channels: 2, bitsPerSample: 16, dataSize: 0 }, [[], []]);
    for (const tail of [Buffer.alloc(0), Buffer.alloc(3)]) {
      const e = await usageError(openBytes(Buffer.concat([header, tail]), { name: 'x.wav' }));
      expect(e.message).toBe('x.wav has no audio (no whole sample frame before the end of input); record or export it again');
    }
  });

  it('rejects a missing file, a directory and an unreadable file', async () => {
    const missing = tmp.path('nope.wav');
    expect((await usageError(openAudioInput(missing))).message).toBe(`no such file: ${missing}`);
    expect((await usageError(openAudioInput(tmp.path('nope/x.wav')))).message).toMatch(/^no such file: /);
    const dir = tmp.path('a-dir');
    mkdirSync(dir);
    expect((await usageError(openAudioInput(dir))).message).toBe(`${dir} is a directory, not an audio file; give a WAV file`);
  });

  it.skipIf(process.getuid?.() === 0)('rejects an unreadable file', async () => {
    const path = tmp.path('secret.wav');
    writeFileSync(path, wav16(100));
    chmodSync(path, 0o000);
    expect((await usageError(openAudioInput(path))).message).toBe(`cannot read ${path}: permission denied; check the file's permissions`);
  });

  it('reads the header and about half a second before resolving, not the whole input', async () => {
    let pulled = 0;
    const wav = wav16(32000 * 5);
    async function* source(): AsyncGenerator<Buffer> {
      for (const p of splitEvery(wav, [1000])) {
        pulled += p.length;
        yield p;
      }
    }
    const input = await openAudioStream(source());
    expect(pulled).toBeGreaterThanOrEqual(44 + 16000);
    expect(pulled).toBeLessThan(44 + 16000 + 1000);
    expect((await collect(input.pcm)).length).toBe(32000 * 5);
  });

  it('resolves once it has half a second, without waiting for the source to end', async () => {
    const wav = wav16(32000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* hanging(): AsyncGenerator<Buffer> {
      yield wav;
      await gate;
    }
    const input = await openAudioStream(hanging());
    input.close();
    release();
  });
});

describe('openAudioInput sources and close()', () => {
  let path: string;
  beforeAll(() => {
    path = tmp.path('source.wav');
    writeFileSync(path, buildWav({ sampleRate: 8000, channels: 1, bitsPerSample: 16 }, [sine(440, 2, 8000)]));
  });

  it("reads '-' from the given stdin stream", async () => {
    const stdin = Readable.from([readFileSync(path)]);
    const input = await openAudioInput('-', { stdin });
    expect(input.info.expectedSeconds).toBeCloseTo(2, 6);
    expect((await pcmOf(input)).length).toBe(32000);
  });

  it('close() before reading releases the source and is idempotent', async () => {
    const stream = readableOf(splitEvery(readFileSync(path), [100]));
    const input = await openAudioStream(stream);
    input.close();
    input.close();
    expect(stream.destroyed).toBe(true);
    expect((await collect(input.pcm)).length).toBe(0);
  });

  it('close() while reading ends the iteration quietly', async () => {
    const stream = readableOf(splitEvery(readFileSync(path), [1000]));
    const input = await openAudioStream(stream);
    let n = 0;
    for await (const part of input.pcm) {
      expect(part.length).toBeGreaterThan(0);
      if (++n === 2) input.close();
    }
    expect(stream.destroyed).toBe(true);
  });

  it('breaking out of the loop releases the file', async () => {
    const input = await openAudioInput(path);
    for await (const part of input.pcm) {
      expect(part.length).toBeGreaterThan(0);
      break;
    }
    input.close();
  });

  it('a source error during reading propagates', async () => {
    const wav = readFileSync(path);
    async function* failing(): AsyncGenerator<Buffer> {
      yield wav.subarray(0, 20000);
      throw new Error('EIO: disk gone');
    }
    const input = await openAudioStream(failing());
    await expect(collect(input.pcm)).rejects.toThrow('EIO: disk gone');
  });

  it('accepts Uint8Array chunks and rejects strings', async () => {
    const wav = readFileSync(path);
    async function* bytes(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(wav.buffer, wav.byteOffset, wav.length);
    }
    expect((await pcmOf(await openAudioStream(bytes() as AsyncIterable<Buffer>))).length).toBe(32000);
    const text = Readable.from(['RIFF....']);
    await expect(openAudioStream(text)).rejects.toThrow(/yields strings/);
  });
});

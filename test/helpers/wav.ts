import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How to lay out a WAV built in code. Defaults give a canonical 44-byte PCM header. */
export interface WavSpec {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 'float' writes IEEE float samples (tag 3, or subformat 3 when extensible). */
  encoding?: 'pcm' | 'float';
  /** wFormatTag to write; defaults from `encoding` (or 0xFFFE when `extensible`). */
  formatTag?: number;
  /** Write a 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk. */
  extensible?: boolean;
  /** The subformat GUID's tag when extensible; defaults from `encoding`. */
  subFormat?: number;
  /** Overrides for damaged headers. */
  blockAlign?: number;
  fmtSize?: number;
  /** Chunks placed between fmt and data (e.g. LIST, fact), and before fmt. */
  chunksBefore?: Buffer[];
  chunksBeforeFmt?: Buffer[];
  /** Chunks after the data chunk (LIST at the end, as some editors write). */
  chunksAfter?: Buffer[];
  /** The data size field: a number, or the real size by default. */
  dataSize?: number;
  /** The RIFF size field: a number, or the real size by default. */
  riffSize?: number;
}

/** One RIFF chunk: id, size, body and the pad byte an odd size requires. */
export function riffChunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id.padEnd(4, ' '), 0, 'latin1');
  head.writeUInt32LE(declaredSize >>> 0, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length & 1)]);
}

/** A LIST/INFO chunk with one text entry, odd-sized when the text length makes it so. */
export function listChunk(text = 'clova-cli test fixture'): Buffer {
  return riffChunk('LIST', Buffer.concat([Buffer.from('INFO', 'latin1'), riffChunk('ICMT', Buffer.from(text + '\0', 'latin1'))]));
}

/** The fmt chunk body for `spec`. */
export function fmtBody(spec: WavSpec): Buffer {
  const encoding = spec.encoding ?? 'pcm';
  const baseTag = encoding === 'float' ? 3 : 1;
  const tag = spec.formatTag ?? (spec.extensible ? 0xfffe : baseTag);
  const blockAlign = spec.blockAlign ?? (spec.channels * spec.bitsPerSample) / 8;
  const body = Buffer.alloc(spec.extensible ? 40 : 16);
  body.writeUInt16LE(tag, 0);
  body.writeUInt16LE(spec.channels, 2);
  body.writeUInt32LE(spec.sampleRate, 4);
  body.writeUInt32LE((spec.sampleRate * blockAlign) >>> 0, 8);
  body.writeUInt16LE(blockAlign & 0xffff, 12);
  body.writeUInt16LE(spec.bitsPerSample, 14);
  if (spec.extensible) {
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(spec.bitsPerSample, 18);
    body.writeUInt32LE(spec.channels === 1 ? 4 : spec.channels === 2 ? 3 : 0, 20);
    body.writeUInt16LE(spec.subFormat ?? baseTag, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(body, 26);
  }
  return spec.fmtSize === undefined ? body : spec.fmtSize <= body.length ? body.subarray(0, spec.fmtSize) : Buffer.concat([body, Buffer.alloc(spec.fmtSize - body.length)]);
}

/** Everything before the sample bytes: RIFF header, fmt, extra chunks and the data chunk header. */
export function wavHeader(spec: WavSpec, dataBytes: number): Buffer {
  const before = Buffer.concat([
    Buffer.from('WAVE', 'latin1'),
    ...(spec.chunksBeforeFmt ?? []),
    riffChunk('fmt ', fmtBody(spec)),
    ...(spec.chunksBefore ?? []),
  ]);
  const dataHead = Buffer.alloc(8);
  dataHead.write('data', 0, 'latin1');
  dataHead.writeUInt32LE((spec.dataSize ?? dataBytes) >>> 0, 4);
  const after = (spec.chunksAfter ?? []).reduce((n, c) => n + c.length, 0);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE((spec.riffSize ?? before.length + 8 + dataBytes + (dataBytes & 1) + after) >>> 0, 4);
  return Buffer.concat([riff, before, dataHead]);
}

/** Interleaves per-channel float signals (full scale ±1) into little-endian samples. */
export function encodeSamples(channels: ArrayLike<number>[], bitsPerSample: number, encoding: 'pcm' | 'float' = 'pcm'): Buffer {
  const frames = Math.min(...channels.map((c) => c.length));
  const step = bitsPerSample / 8;
  const out = Buffer.alloc(frames * channels.length * step);
  let o = 0;
  for (let i = 0; i < frames; i++) {
    for (const ch of channels) {
      const x = ch[i]!;
      if (encoding === 'float') {
        if (bitsPerSample === 32) out.writeFloatLE(x, o);
        else out.writeDoubleLE(x, o);
      } else {
        const full = 2 ** (bitsPerSample - 1);
        const v = Math.max(-full, Math.min(full - 1, Math.round(x * full)));
        if (bitsPerSample === 8) out[o] = v + 128;
        else out.writeIntLE(v, o, step);
      }
      o += step;
    }
  }
  return out;
}

/** A whole WAV file in memory: header, samples, pad byte and trailing chunks. */
export function buildWav(spec: WavSpec, channels: ArrayLike<number>[]): Buffer {
  const data = encodeSamples(channels, spec.bitsPerSample, spec.encoding);
  return Buffer.concat([wavHeader(spec, data.length), data, Buffer.alloc(data.length & 1), ...(spec.chunksAfter ?? [])]);
}

/** A sine tone, full scale ±amplitude. */
export function sine(freq: number, seconds: number, rate: number, amplitude = 0.5, phase = 0): Float64Array {
  const n = Math.round(seconds * rate);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate + phase);
  return out;
}

/** Silence of the given length. */
export function silence(seconds: number, rate: number): Float64Array {
  return new Float64Array(Math.round(seconds * rate));
}

/** Views L16 LE bytes as samples (copies when the view would be unaligned). */
export function l16(bytes: Buffer): Int16Array {
  const copy = Buffer.from(bytes);
  return new Int16Array(copy.buffer, copy.byteOffset, Math.floor(copy.length / 2));
}

/** RMS of L16 samples, full scale 1. */
export function rms(samples: Int16Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i]! / 32768) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/**
 * Frequency of a clean tone from its zero crossings, each located by linear interpolation;
 * accurate to well under 0.1 % over a second of signal. Skips `skip` samples at each end.
 */
export function estimateFrequency(samples: Int16Array, rate = 16000, skip = 800): number {
  const crossings: number[] = [];
  for (let i = skip + 1; i < samples.length - skip; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a < 0 && b >= 0) crossings.push(i - 1 + -a / (b - a));
  }
  if (crossings.length < 2) return 0;
  return ((crossings.length - 1) * rate) / (crossings[crossings.length - 1]! - crossings[0]!);
}

/** Amplitude (full scale 1) of the component at `freq`, by correlation with sine and cosine. */
export function toneAmplitude(samples: Int16Array, freq: number, rate = 16000, skip = 800): number {
  let s = 0;
  let c = 0;
  const n = samples.length - 2 * skip;
  for (let i = skip; i < samples.length - skip; i++) {
    const x = samples[i]! / 32768;
    s += x * Math.sin((2 * Math.PI * freq * i) / rate);
    c += x * Math.cos((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(s, c)) / n;
}

/** Signal-to-noise ratio of `test` against `reference`, in dB, over the overlapping middle part. */
export function snrDb(reference: Int16Array, test: Int16Array, skip = 200): number {
  const n = Math.min(reference.length, test.length);
  let signal = 0;
  let noise = 0;
  for (let i = skip; i < n - skip; i++) {
    signal += reference[i]! ** 2;
    noise += (reference[i]! - test[i]!) ** 2;
  }
  return 10 * Math.log10(signal / Math.max(noise, 1e-9));
}

/** Concatenates everything an async iterable of Buffers yields; fails on an empty buffer. */
export async function collect(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of iterable) {
    if (b.length === 0) throw new Error('an empty buffer was yielded');
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** Splits `buf` into pieces of the given sizes, cycling through them. */
export function splitEvery(buf: Buffer, sizes: number[] = [1]): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0, k = 0; o < buf.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    out.push(buf.subarray(o, o + n));
    o += n;
  }
  return out;
}

/** Splits `buf` at random points with a seeded generator (reproducible). */
export function randomSplit(buf: Buffer, seed: number, maxPiece = 4096): Buffer[] {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const out: Buffer[] = [];
  for (let o = 0; o < buf.length; ) {
    const n = 1 + Math.floor(next() ** 3 * maxPiece);
    out.push(buf.subarray(o, o + n));
    o += n;
  }
  return out;
}

/** An async iterable that yields the given pieces (copies, so tests cannot share memory by accident). */
export async function* pieces(bufs: Buffer[]): AsyncGenerator<Buffer> {
  for (const b of bufs) yield Buffer.from(b);
}

/** A Readable that yields the given pieces, like a pipe. */
export function readableOf(bufs: Buffer[]): Readable {
  return Readable.from(bufs.map((b) => Buffer.from(b)), { objectMode: false });
}

/**
 * A Readable producing a streaming-style WAV (data size 0xFFFFFFFF) of a stereo tone lazily, so
 * hours of audio can be fed without ever existing in memory. Each block is pushed from
 * setImmediate, as real I/O would be: a source that never returns to the event loop makes V8 keep
 * per-chunk garbage alive until it does (measured: ~150 bytes per chunk), which looks like a leak.
 */
export function lazyToneWav(opts: { seconds: number; sampleRate: number; channels?: number; freq?: number; blockFrames?: number }): Readable {
  const channels = opts.channels ?? 2;
  const freq = opts.freq ?? 440;
  const total = Math.round(opts.seconds * opts.sampleRate);
  const block = opts.blockFrames ?? 8192;
  const spec: WavSpec = { sampleRate: opts.sampleRate, channels, bitsPerSample: 16, dataSize: 0xffffffff, riffSize: 0xffffffff };
  let sent = 0;
  let headerSent = false;
  return new Readable({
    read() {
      if (!headerSent) {
        headerSent = true;
        this.push(wavHeader(spec, 0));
        return;
      }
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(block, total - sent);
      const tone = new Float64Array(n);
      for (let i = 0; i < n; i++) tone[i] = 0.5 * Math.sin((2 * Math.PI * freq * (sent + i)) / opts.sampleRate);
      sent += n;
      const bytes = encodeSamples(Array.from({ length: channels }, () => tone), 16);
      setImmediate(() => this.push(bytes));
    },
  });
}

/** A fresh temporary directory under os.tmpdir(), and a function that removes it. */
export function tempDir(prefix = 'clova-audio-'): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `sox` with the given arguments (throws with its stderr on failure). */
export async function sox(args: string[]): Promise<void> {
  await run('sox', args, { maxBuffer: 64 * 1024 * 1024 });
}

/** `sox inPath [args] outPath`: converts a fixture; `args` are output options such as ['-r', '16000']. */
export async function soxConvert(inPath: string, outPath: string, args: string[] = []): Promise<void> {
  await sox([inPath, ...args, outPath]);
}

/** Writes a sox-synthesised tone: output options (e.g. ['-r', '44100', '-c', '2', '-b', '16']), then `synth`. */
export async function soxTone(outPath: string, outputArgs: string[], seconds: number, freq = 440, amplitude = 0.5): Promise<void> {
  await sox(['-n', ...outputArgs, outPath, 'synth', String(seconds), 'sine', String(freq), 'vol', String(amplitude)]);
}

/** Speech from espeak-ng as a WAV file (22.05 kHz mono 16-bit). */
export async function espeak(text: string, outPath: string, voice = 'en'): Promise<void> {
  await run('espeak-ng', ['-v', voice, '-w', outPath, text]);
}

/** espeak-ng's WAV on stdout, as a pipe writes it (data size left as a placeholder). */
export async function espeakStdout(text: string, voice = 'en'): Promise<Buffer> {
  const { stdout } = await run('espeak-ng', ['-v', voice, '--stdout', text], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** L16 16 kHz mono samples of an audio file as sox converts it (no dither): the reference conversion. */
export async function soxToL16(inPath: string, effects: string[] = ['rate', '-v', '16000']): Promise<Int16Array> {
  const args = ['-D', inPath, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-c', '1', '-', ...effects];
  const { stdout } = await run('sox', args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return l16(stdout);
}

/** L16 16 kHz mono speech of `text` (espeak-ng, then sox), its WAV kept in `dir`. */
export async function speechL16(text: string, dir: string): Promise<Buffer> {
  const wav = join(dir, `${text.replace(/\W+/g, '-')}.wav`);
  await espeak(text, wav);
  const pcm = await soxToL16(wav);
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

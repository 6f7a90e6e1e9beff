import { L16_BITS_PER_SAMPLE, L16_CHANNELS, L16_SAMPLE_RATE } from '../protocol/audio-format.js';
import type { Resampler } from './resampler.js';
import type { SampleEncoding } from './wav-header.js';

/** The rate CIC expects. */
export const TARGET_RATE = L16_SAMPLE_RATE;

/** The input side of a conversion: interleaved little-endian frames. */
export interface SampleFormat {
  encoding: SampleEncoding;
  bitsPerSample: number;
  channels: number;
  sampleRate: number;
}

/** True when the input already is L16 16 kHz mono and is sent byte for byte, with no float round trip. */
export function isPassthrough(format: SampleFormat): boolean {
  return format.encoding === 'pcm' && format.bitsPerSample === L16_BITS_PER_SAMPLE && format.channels === L16_CHANNELS && format.sampleRate === L16_SAMPLE_RATE;
}

/** Bytes per interleaved frame. */
export function frameBytes(format: SampleFormat): number {
  return (format.channels * format.bitsPerSample) / 8;
}

type SampleReader = (buf: Buffer, offset: number) => number;

// Integer full scale is 2^(bits-1) so that 16-bit input maps back onto itself exactly.
function sampleReader(encoding: SampleEncoding, bits: number): SampleReader {
  if (encoding === 'float') {
    if (bits === 32) return (b, o) => b.readFloatLE(o);
    if (bits === 64) return (b, o) => b.readDoubleLE(o);
  } else {
    if (bits === 8) return (b, o) => (b[o]! - 128) / 128;
    if (bits === 16) return (b, o) => b.readInt16LE(o) / 32768;
    if (bits === 24) return (b, o) => (((b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) << 8) >> 8) / 8388608;
    if (bits === 32) return (b, o) => b.readInt32LE(o) / 2147483648;
  }
  throw new RangeError(`no decoder for ${bits}-bit ${encoding}`);
}

// Typed-array views read and write in the platform's byte order; WAV and L16 are little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** 16-bit samples as an Int16Array: a view when aligned, else one copy (a view needs an even offset). */
function int16View(bytes: Buffer, count: number): Int16Array {
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  const copy = new Int16Array(count);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, count * 2));
  return copy;
}

/** Decodes whole interleaved frames and averages the channels: one sample per frame, full scale ±1. */
export function decodeMono(bytes: Buffer, format: SampleFormat): Float32Array {
  const step = format.bitsPerSample / 8;
  const channels = format.channels;
  const frames = Math.floor(bytes.length / (step * channels));
  const out = new Float32Array(frames);
  if (format.encoding === 'pcm' && format.bitsPerSample === 16 && LITTLE_ENDIAN) {
    // The common case, per sample through a typed view rather than readInt16LE: about 5× faster.
    // Integer sum over (32768 × channels) rounds once, exactly as the general path's float sum does.
    const v = int16View(bytes, frames * channels);
    if (channels === 1) for (let i = 0; i < frames; i++) out[i] = v[i]! / 32768;
    else if (channels === 2) for (let i = 0; i < frames; i++) out[i] = (v[2 * i]! + v[2 * i + 1]!) / 65536;
    else {
      const scale = 32768 * channels;
      for (let i = 0, o = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += v[o++]!;
        out[i] = sum / scale;
      }
    }
    return out;
  }
  const read = sampleReader(format.encoding, format.bitsPerSample);
  let offset = 0;
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, offset += step) sum += read(bytes, offset);
    // NaN in float input would poison the resampler's filter state for good; treat it as silence.
    const v = sum / channels;
    out[i] = v === v ? v : 0;
  }
  return out;
}

/** Float samples (full scale ±1) to L16 little-endian, rounded and clamped. */
export function floatToL16(samples: Float32Array, count = samples.length): Buffer {
  if (!LITTLE_ENDIAN) {
    const out = Buffer.allocUnsafe(count * 2);
    for (let i = 0; i < count; i++) out.writeInt16LE(toInt16(samples[i]!), i * 2);
    return out;
  }
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) out[i] = toInt16(samples[i]!);
  return Buffer.from(out.buffer, 0, count * 2);
}

function toInt16(x: number): number {
  const v = Math.round(x * 32768);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v === v ? v : 0;
}

export type { Resampler } from './resampler.js';

/** One resampling stage: Speex from `from` Hz to `to` Hz at `quality` (0..10). */
export interface ResamplerStage {
  from: number;
  to: number;
  quality: number;
}

/**
 * Speex quality of the stage that reaches the output rate. 8 agreed best with sox `rate -v` on
 * speech (46 dB SNR, against 39 dB for libsamplerate's best; 9 and 10 cut higher than sox and agree less).
 */
export const FINAL_QUALITY = 8;
/** Speex quality of the first stage down to twice the output rate: flat to 8 kHz, 84 dB on tones. */
export const FIRST_STAGE_QUALITY = 3;

/**
 * The stages for `inRate` to `outRate`. Above 2 × outRate the input goes first to 2 × outRate with a
 * short filter, then 2:1 with the sharp one: an integer ratio lets Speex use its direct filter
 * table, about four times cheaper per tap than the interpolated one a ratio like 441:160 needs.
 */
export function resamplerStages(inRate: number, outRate = TARGET_RATE): ResamplerStage[] {
  const mid = 2 * outRate;
  if (inRate <= mid) return [{ from: inRate, to: outRate, quality: FINAL_QUALITY }];
  return [
    { from: inRate, to: mid, quality: FIRST_STAGE_QUALITY },
    { from: mid, to: outRate, quality: FINAL_QUALITY },
  ];
}

/**
 * A mono resampler: Speex's (WASM), in the stages resamplerStages() gives, time-aligned with its
 * input. The module is imported only here, so 16 kHz input never loads the WASM.
 */
export async function createResampler(inRate: number, outRate = TARGET_RATE): Promise<Resampler> {
  const { createSpeexResampler } = await import('./speex-resampler.js');
  const stages: Resampler[] = [];
  try {
    for (const s of resamplerStages(inRate, outRate)) stages.push(await createSpeexResampler(s.from, s.to, s.quality));
  } catch (err) {
    for (const r of stages) r.destroy();
    throw err;
  }
  if (stages.length === 1) return stages[0]!;
  return {
    process: (input) => stages.reduce((x, r) => r.process(x), input),
    destroy: () => stages.forEach((r) => r.destroy()),
  };
}

/** The most input frames handed to the resampler at once: keeps its output array small. */
const RESAMPLE_BLOCK = 16384;

/**
 * Streaming conversion of interleaved WAV frames to L16 16 kHz mono: decode, average the channels,
 * resample. Input may be cut anywhere (a partial frame waits for the next push); a partial frame
 * left at the end is dropped.
 */
export class PcmConverter {
  readonly format: SampleFormat;
  readonly passthrough: boolean;
  private readonly frame: number;
  private readonly resampler: Resampler | undefined;
  private carry: Buffer = Buffer.alloc(0);
  private inputFrames = 0;
  private outputSamples = 0;
  private ended = false;

  private constructor(format: SampleFormat, resampler: Resampler | undefined) {
    this.format = format;
    this.passthrough = isPassthrough(format);
    this.frame = frameBytes(format);
    this.resampler = resampler;
  }

  /** A converter for `format`; loads the resampler (async, WASM) only if the rate is not 16 kHz. */
  static async create(format: SampleFormat, resamplerFactory = createResampler): Promise<PcmConverter> {
    const resampler = format.sampleRate === TARGET_RATE ? undefined : await resamplerFactory(format.sampleRate, TARGET_RATE);
    return new PcmConverter(format, resampler);
  }

  /** Converts the next input bytes; the result may be empty (partial frame, or the filter filling up). */
  push(bytes: Buffer): Buffer {
    if (this.ended) throw new Error('PcmConverter: push after end');
    let input = bytes;
    if (this.carry.length > 0) {
      input = Buffer.concat([this.carry, bytes]);
      this.carry = Buffer.alloc(0);
    }
    const whole = input.length - (input.length % this.frame);
    // Copy the remainder: it may be a view of a large buffer we would otherwise keep alive.
    if (whole < input.length) this.carry = Buffer.from(input.subarray(whole));
    if (whole === 0) return Buffer.alloc(0);
    const frames = input.subarray(0, whole);
    if (this.passthrough) return frames;
    if (!this.resampler) return floatToL16(decodeMono(frames, this.format));
    const parts: Buffer[] = [];
    for (let start = 0; start < whole; start += RESAMPLE_BLOCK * this.frame) {
      const mono = decodeMono(frames.subarray(start, start + RESAMPLE_BLOCK * this.frame), this.format);
      this.inputFrames += mono.length;
      const out = this.resampler.process(mono);
      this.outputSamples += out.length;
      if (out.length > 0) parts.push(floatToL16(out));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * Flushes the filter's tail and returns the last samples. The resampler has no end-of-input
   * flag, so zeros are fed until the output reaches round(inputFrames × 16000 / rate)
   * samples, and it is cut there: the output is exactly as long as the input.
   */
  end(): Buffer {
    if (this.ended) return Buffer.alloc(0);
    this.ended = true;
    this.carry = Buffer.alloc(0);
    if (!this.resampler) return Buffer.alloc(0);
    const rate = this.format.sampleRate;
    const expected = Math.round((this.inputFrames * TARGET_RATE) / rate);
    const parts: Buffer[] = [];
    let missing = expected - this.outputSamples;
    for (let round = 0; missing > 0 && round < 64; round++) {
      const zeros = new Float32Array(Math.max(1024, Math.ceil((missing * rate) / TARGET_RATE) * 2));
      const out = this.resampler.process(zeros);
      const used = Math.min(out.length, missing);
      if (used > 0) parts.push(floatToL16(out, used));
      missing -= used;
    }
    // Never reached with Speex's filters; keeps the length promise if it ever is.
    if (missing > 0) parts.push(Buffer.alloc(missing * 2));
    this.outputSamples = expected;
    return Buffer.concat(parts);
  }

  /** Releases the resampler (idempotent). */
  destroy(): void {
    this.ended = true;
    this.resampler?.destroy();
  }
}

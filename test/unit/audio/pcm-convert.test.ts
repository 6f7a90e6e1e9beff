import { describe, expect, it } from 'vitest';
import {
  PcmConverter,
  createResampler,
  decodeMono,
  floatToL16,
  isPassthrough,
  libsamplerateRates,
  type SampleFormat,
} from '../../../src/audio/pcm-convert.js';
import { encodeSamples, estimateFrequency, l16, rms, sine, splitEvery } from '../../helpers/wav.js';

const fmt = (sampleRate: number, channels: number, bitsPerSample: number, encoding: 'pcm' | 'float' = 'pcm'): SampleFormat => ({
  sampleRate,
  channels,
  bitsPerSample,
  encoding,
});

describe('decodeMono', () => {
  it('scales every depth to full scale ±1', () => {
    expect(Array.from(decodeMono(Buffer.from([0, 128, 255]), fmt(8000, 1, 8)))).toEqual([-1, 0, 127 / 128]);
    const s16 = Buffer.alloc(6);
    [-32768, 0, 32767].forEach((v, i) => s16.writeInt16LE(v, i * 2));
    expect(Array.from(decodeMono(s16, fmt(8000, 1, 16)))).toEqual([-1, 0, Math.fround(32767 / 32768)]);
    const s24 = Buffer.alloc(9);
    [-8388608, -1, 8388607].forEach((v, i) => s24.writeIntLE(v, i * 3, 3));
    expect(Array.from(decodeMono(s24, fmt(8000, 1, 24)))).toEqual([-1, Math.fround(-1 / 8388608), Math.fround(8388607 / 8388608)]);
    const s32 = Buffer.alloc(8);
    s32.writeInt32LE(-2147483648, 0);
    s32.writeInt32LE(1073741824, 4);
    expect(Array.from(decodeMono(s32, fmt(8000, 1, 32)))).toEqual([-1, 0.5]);
    const f32 = Buffer.alloc(8);
    f32.writeFloatLE(0.25, 0);
    f32.writeFloatLE(-1.5, 4);
    expect(Array.from(decodeMono(f32, fmt(8000, 1, 32, 'float')))).toEqual([0.25, -1.5]);
    const f64 = Buffer.alloc(16);
    f64.writeDoubleLE(0.125, 0);
    f64.writeDoubleLE(NaN, 8);
    expect(Array.from(decodeMono(f64, fmt(8000, 1, 64, 'float')))).toEqual([0.125, 0]);
  });

  it('averages the channels of each frame and ignores a partial frame', () => {
    const stereo = encodeSamples([[0.5, 0.5], [0, -0.5]], 16);
    expect(Array.from(decodeMono(Buffer.concat([stereo, Buffer.from([1, 2, 3])]), fmt(8000, 2, 16)))).toEqual([0.25, 0]);
    const six = encodeSamples([[0.6], [0.6], [0.6], [0], [0], [0]], 24);
    expect(decodeMono(six, fmt(8000, 6, 24))[0]).toBeCloseTo(0.3, 5);
  });
});

describe('floatToL16', () => {
  it('rounds, clamps and maps NaN to silence', () => {
    const out = l16(floatToL16(new Float32Array([0, 0.5, -0.5, 1, -1, 2, -2, NaN, 1 / 65536, -0.00001])));
    expect(Array.from(out)).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 0, 1, 0]);
  });

  it('maps 16-bit samples back onto themselves exactly', () => {
    const all = Buffer.alloc(65536 * 2);
    for (let v = -32768; v <= 32767; v++) all.writeInt16LE(v, (v + 32768) * 2);
    expect(floatToL16(decodeMono(all, fmt(16000, 1, 16))).equals(all)).toBe(true);
  });
});

describe('libsamplerateRates', () => {
  it('keeps rates the wrapper accepts, reduces higher ones to the same ratio', () => {
    expect(libsamplerateRates(44100, 16000)).toEqual([441, 160]);
    expect(libsamplerateRates(192000, 16000)).toEqual([12, 1]);
    expect(libsamplerateRates(768000, 16000)).toEqual([48, 1]);
    expect(libsamplerateRates(352800, 16000)).toEqual([441, 20]);
    const [a, b] = libsamplerateRates(767999, 16000);
    expect(a).toBeLessThanOrEqual(192000);
    expect(Number.isInteger(a) && Number.isInteger(b)).toBe(true);
    expect(Math.abs(b / a - 16000 / 767999) / (16000 / 767999)).toBeLessThan(1e-5);
  });
});

async function convert(format: SampleFormat, bytes: Buffer, pieces: number[] = [65536]): Promise<Buffer> {
  const converter = await PcmConverter.create(format);
  try {
    const out = splitEvery(bytes, pieces).map((p) => converter.push(p));
    out.push(converter.end());
    return Buffer.concat(out);
  } finally {
    converter.destroy();
  }
}

describe('PcmConverter', () => {
  it('passes L16 16 kHz mono through byte for byte, whatever the split', async () => {
    const f = fmt(16000, 1, 16);
    expect(isPassthrough(f)).toBe(true);
    const bytes = encodeSamples([sine(440, 0.1, 16000)], 16);
    expect((await convert(f, bytes, [1])).equals(bytes)).toBe(true);
    expect((await convert(f, bytes, [3, 7, 1000])).equals(bytes)).toBe(true);
    // A trailing odd byte (partial frame) is dropped.
    expect((await convert(f, Buffer.concat([bytes, Buffer.from([9])]))).equals(bytes)).toBe(true);
  });

  it('does not load the resampler at 16 kHz', async () => {
    let loaded = 0;
    const c = await PcmConverter.create(fmt(16000, 2, 24), async () => {
      loaded++;
      throw new Error('not wanted');
    });
    expect(loaded).toBe(0);
    c.destroy();
  });

  it.each([8000, 11025, 22050, 32000, 44100, 48000, 96000, 192000, 384000, 768000, 1000])(
    'resamples %i Hz to exactly round(n × 16000 / rate) samples with the pitch kept',
    async (rate) => {
      const freq = rate >= 8000 ? 1000 : 220;
      const seconds = rate > 200000 ? 0.5 : 1;
      const bytes = encodeSamples([sine(freq, seconds, rate, 0.5)], 16);
      const frames = bytes.length / 2;
      const out = l16(await convert(fmt(rate, 1, 16), bytes, [4099]));
      expect(out.length).toBe(Math.round((frames * 16000) / rate));
      expect(estimateFrequency(out) / freq).toBeCloseTo(1, 2);
      expect(rms(out, 800, out.length - 800)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    },
  );

  it('gives the same output however the input is split (1-byte pieces included)', async () => {
    const f = fmt(44100, 2, 24);
    const bytes = encodeSamples([sine(440, 0.2, 44100), sine(660, 0.2, 44100)], 24);
    const whole = await convert(f, bytes);
    expect((await convert(f, bytes, [1])).equals(whole)).toBe(true);
    expect((await convert(f, bytes, [5, 13, 4096, 2])).equals(whole)).toBe(true);
  });

  it('keeps time alignment: the filter delay is compensated', async () => {
    // A click at 0.25 s must come out at 0.25 s (4000 samples), not a filter length later.
    const rate = 44100;
    const x = new Float64Array(rate / 2);
    x[rate / 4] = 0.9;
    const out = l16(await convert(fmt(rate, 1, 16), encodeSamples([x], 16)));
    let peak = 0;
    for (let i = 1; i < out.length; i++) if (Math.abs(out[i]!) > Math.abs(out[peak]!)) peak = i;
    expect(Math.abs(peak - 4000)).toBeLessThanOrEqual(1);
  });

  it('handles very short input (a single frame) and no input at all', async () => {
    expect((await convert(fmt(44100, 1, 16), encodeSamples([[0.5]], 16))).length).toBe(0);
    expect((await convert(fmt(8000, 1, 16), encodeSamples([[0.5]], 16))).length).toBe(4);
    expect((await convert(fmt(8000, 1, 16), Buffer.alloc(0))).length).toBe(0);
  });

  it('destroys the resampler once, however often destroy() is called', async () => {
    const r = await createResampler(44100);
    r.destroy();
    r.destroy();
    const c = await PcmConverter.create(fmt(44100, 1, 16));
    c.destroy();
    c.destroy();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FINAL_QUALITY,
  FIRST_STAGE_QUALITY,
  PcmConverter,
  createResampler,
  decodeMono,
  floatToL16,
  isPassthrough,
  resamplerStages,
  type SampleFormat,
} from '../../../src/audio/pcm-convert.js';
import { encodeSamples, espeak, estimateFrequency, l16, rms, sine, snrDb, sox, soxToL16, splitEvery, tempDir } from '../../helpers/wav.js';

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

  it('decodes 16-bit through a typed view exactly as readInt16LE would, at any byte offset and channel count', () => {
    const n = 6 * 1001;
    const raw = Buffer.alloc(n * 2 + 1);
    let seed = 7;
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      raw.writeInt16LE((seed >>> 8) % 65536 - 32768, 1 + i * 2);
    }
    raw.writeInt16LE(-32768, 1);
    raw.writeInt16LE(32767, 3);
    const odd = raw.subarray(1); // byteOffset odd: no Int16Array view possible
    const even = Buffer.from(odd);
    for (const channels of [1, 2, 3, 6]) {
      const expected = new Float32Array(Math.floor(n / channels));
      for (let f = 0; f < expected.length; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += odd.readInt16LE((f * channels + c) * 2) / 32768;
        expected[f] = sum / channels;
      }
      expect(decodeMono(odd, fmt(44100, channels, 16))).toEqual(expected);
      expect(decodeMono(even, fmt(44100, channels, 16))).toEqual(expected);
    }
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

describe('resamplerStages', () => {
  it('goes through 32 kHz above it (an integer 2:1 last stage), in one stage otherwise', () => {
    expect(resamplerStages(44100)).toEqual([
      { from: 44100, to: 32000, quality: FIRST_STAGE_QUALITY },
      { from: 32000, to: 16000, quality: FINAL_QUALITY },
    ]);
    expect(resamplerStages(768000).map((s) => [s.from, s.to])).toEqual([
      [768000, 32000],
      [32000, 16000],
    ]);
    expect(resamplerStages(32000)).toEqual([{ from: 32000, to: 16000, quality: FINAL_QUALITY }]);
    expect(resamplerStages(22050)).toEqual([{ from: 22050, to: 16000, quality: FINAL_QUALITY }]);
    expect(resamplerStages(8000)).toEqual([{ from: 8000, to: 16000, quality: FINAL_QUALITY }]);
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

  it.each([8000, 11025, 22050, 32000, 44100, 48000, 96000, 192000, 384000, 768000, 1000, 1001, 44099, 767999])(
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

  it.each([
    [44100, 9000],
    [44100, 20000],
    [48000, 8200],
    [96000, 28000], // would fold to 4 kHz at the 32 kHz middle stage if the first filter let it through
    [768000, 30000],
  ])('removes what lies above 8 kHz: %i Hz input with a %i Hz tone comes out below -80 dB', async (rate, freq) => {
    const out = l16(await convert(fmt(rate, 1, 16), encodeSamples([sine(freq, 0.5, rate, 0.5)], 16)));
    expect(out.length).toBe(8000);
    expect(20 * Math.log10(rms(out, 800, out.length - 800) / (0.5 / Math.SQRT2) + 1e-12)).toBeLessThan(-80);
  });

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

  it('agrees with sox `rate -v` on espeak-ng speech made 44.1 kHz stereo (over 41 dB SNR)', async () => {
    // The measure behind FINAL_QUALITY (bench/resampler.js): 44 dB on this phrase; libsamplerate's best gave 36 dB.
    const tmp = tempDir('clova-pcm-');
    try {
      await espeak('She sells sea shells by the sea shore, while six slippery snails slid slowly seaward.', tmp.path('s22.wav'));
      await sox([tmp.path('s22.wav'), '-r', '44100', '-c', '2', '-b', '16', tmp.path('s44.wav'), 'rate', '-v']);
      const wav = readFileSync(tmp.path('s44.wav'));
      expect(wav.toString('latin1', 36, 40)).toBe('data'); // sox's plain 44-byte header
      const ours = l16(await convert(fmt(44100, 2, 16), wav.subarray(44)));
      const reference = await soxToL16(tmp.path('s44.wav'));
      expect(ours.length).toBe(reference.length);
      expect(snrDb(reference, ours, 800)).toBeGreaterThan(41);
    } finally {
      tmp.remove();
    }
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

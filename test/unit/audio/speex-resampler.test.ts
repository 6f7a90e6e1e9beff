import { describe, expect, it } from 'vitest';
import { createSpeexResampler, speexMemoryBytes } from '../../../src/audio/speex-resampler.js';

function peakIndex(x: Float32Array): number {
  let p = 0;
  for (let i = 1; i < x.length; i++) if (Math.abs(x[i]!) > Math.abs(x[p]!)) p = i;
  return p;
}

describe('createSpeexResampler', () => {
  it.each([
    [44100, 32000, 3],
    [32000, 16000, 8],
    [22050, 16000, 8],
    [8000, 16000, 8],
    [768000, 32000, 3],
  ])('%i Hz to %i Hz at quality %i is time-aligned: a click keeps its instant', async (inRate, outRate, quality) => {
    const r = await createSpeexResampler(inRate, outRate, quality);
    try {
      const x = new Float32Array(inRate / 2);
      const at = Math.floor(inRate / 4);
      x[at] = 0.9;
      const y = r.process(x);
      expect(Math.abs(peakIndex(y) - (at * outRate) / inRate)).toBeLessThanOrEqual(1);
    } finally {
      r.destroy();
    }
  });

  it('gives the same samples whether the input comes whole (several WASM blocks) or in odd pieces', async () => {
    const x = new Float32Array(100000);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i / 7) * 0.5 + Math.sin(i / 1.3) * 0.2;
    const whole = await createSpeexResampler(44100, 32000, 3);
    const split = await createSpeexResampler(44100, 32000, 3);
    try {
      const a = whole.process(x);
      const parts: Float32Array[] = [];
      for (let o = 0, k = 1; o < x.length; o += k, k = (k * 7 + 3) % 20011) parts.push(split.process(x.subarray(o, o + k)));
      const b = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((o, p) => (b.set(p, o), o + p.length), 0);
      expect(b.length).toBe(a.length);
      expect(b).toEqual(a);
      expect(a.length).toBeGreaterThan((x.length * 32000) / 44100 - 200);
    } finally {
      whole.destroy();
      split.destroy();
    }
  });

  it('refuses rates that are not positive integers, and use after destroy', async () => {
    await expect(createSpeexResampler(0, 16000, 8)).rejects.toThrow(RangeError);
    await expect(createSpeexResampler(44100.5, 16000, 8)).rejects.toThrow(RangeError);
    const r = await createSpeexResampler(44100, 16000, 8);
    r.destroy();
    r.destroy(); // idempotent
    expect(() => r.process(new Float32Array(10))).toThrow(/after destroy/);
  });

  it('frees its WASM memory: a thousand resamplers created and destroyed do not grow it', async () => {
    // Each one allocates about 100 kB (state, filter table, two buffers): a leak would add 100 MB.
    const warm = await createSpeexResampler(44100, 16000, 8);
    warm.process(new Float32Array(44100));
    warm.destroy();
    const before = await speexMemoryBytes();
    for (let i = 0; i < 1000; i++) {
      const r = await createSpeexResampler(44100, 16000, 8);
      r.process(new Float32Array(4410));
      r.destroy();
    }
    expect(await speexMemoryBytes()).toBeLessThanOrEqual(before + 1024 * 1024);
  });
});

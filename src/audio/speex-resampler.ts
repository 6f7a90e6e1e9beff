// Speex's resampler (speexdsp, BSD) compiled to WebAssembly by @echogarden/speex-resampler-wasm.
// One WASM instance per process, shared by every converter: each resampler is only a state in its
// memory plus two small buffers, freed by destroy().
import type { SpeexResamplerModule } from '@echogarden/speex-resampler-wasm/simd';
import type { Resampler } from './resampler.js';

/** Input frames handed to the WASM side per call: sizes its two buffers. */
const WASM_BLOCK = 16384;

const modules = new Map<boolean, Promise<SpeexResamplerModule>>();

/** The shared WASM instance; `simd` picks the build that uses 128-bit SIMD (Node 16.4+ has it). */
function speexModule(simd: boolean): Promise<SpeexResamplerModule> {
  let m = modules.get(simd);
  if (!m) {
    m = (simd ? import('@echogarden/speex-resampler-wasm/simd') : import('@echogarden/speex-resampler-wasm')).then((p) => p.default());
    // A failed load must not stay cached: the next converter tries again.
    m.catch(() => modules.delete(simd));
    modules.set(simd, m);
  }
  return m;
}

/**
 * A mono Speex resampler at `quality` (0 fastest .. 10 best). Its output is time-aligned with its
 * input (skip_zeros drops the filter delay), so the first output sample is the first input instant.
 */
export async function createSpeexResampler(inRate: number, outRate: number, quality: number, simd = true): Promise<Resampler> {
  if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0 || inRate > 0xffffffff || outRate > 0xffffffff) {
    throw new RangeError(`Speex resampler: rates must be positive 32-bit integers (got ${inRate} -> ${outRate})`);
  }
  const m = await speexModule(simd);
  const outCap = Math.ceil((WASM_BLOCK * outRate) / inRate) + 64;
  const lens = m._malloc(12); // in_len, out_len, err: three uint32
  const inPtr = m._malloc(WASM_BLOCK * 4);
  const outPtr = m._malloc(outCap * 4);
  if (!lens || !inPtr || !outPtr) {
    for (const p of [lens, inPtr, outPtr]) if (p) m._free(p);
    throw new Error('Speex resampler: out of WASM memory');
  }
  const state = m._speex_resampler_init(1, inRate, outRate, quality, lens + 8);
  if (!state) {
    const err = m.HEAP32[(lens + 8) >> 2];
    for (const p of [lens, inPtr, outPtr]) m._free(p);
    throw new RangeError(`Speex resampler: cannot convert ${inRate} Hz to ${outRate} Hz at quality ${quality} (error ${err})`);
  }
  m._speex_resampler_skip_zeros(state);
  let destroyed = false;

  return {
    process(input: Float32Array): Float32Array {
      if (destroyed) throw new Error('Speex resampler: process after destroy');
      let out = new Float32Array(Math.ceil((input.length * outRate) / inRate) + 64);
      let written = 0;
      let read = 0;
      while (read < input.length) {
        const n = Math.min(WASM_BLOCK, input.length - read);
        // The heap views are read on every call: they are replaced when the WASM memory grows.
        m.HEAPF32.set(input.subarray(read, read + n), inPtr >> 2);
        const u32 = m.HEAPU32;
        u32[lens >> 2] = n;
        u32[(lens + 4) >> 2] = outCap;
        m._speex_resampler_process_float(state, 0, inPtr, lens, outPtr, lens + 4);
        const consumed = m.HEAPU32[lens >> 2]!;
        const produced = m.HEAPU32[(lens + 4) >> 2]!;
        if (consumed === 0 && produced === 0) throw new Error('Speex resampler: no progress');
        if (written + produced > out.length) {
          const grown = new Float32Array(Math.max(out.length * 2, written + produced));
          grown.set(out.subarray(0, written));
          out = grown;
        }
        out.set(m.HEAPF32.subarray(outPtr >> 2, (outPtr >> 2) + produced), written);
        written += produced;
        read += consumed;
      }
      return out.subarray(0, written);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      m._speex_resampler_destroy(state);
      for (const p of [lens, inPtr, outPtr]) m._free(p);
    },
  };
}

/** Size of the shared WASM memory in bytes (it only grows): shows whether destroy() frees. */
export async function speexMemoryBytes(simd = true): Promise<number> {
  return (await speexModule(simd)).HEAPU8.length;
}

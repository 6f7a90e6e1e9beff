// The package ships an emscripten module without types: only what speex-resampler.ts uses.
declare module '@echogarden/speex-resampler-wasm/simd' {
  export interface SpeexResamplerModule {
    HEAPU8: Uint8Array;
    HEAPF32: Float32Array;
    HEAPU32: Uint32Array;
    HEAP32: Int32Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
    _speex_resampler_destroy(state: number): void;
    _speex_resampler_skip_zeros(state: number): number;
    _speex_resampler_get_input_latency(state: number): number;
    _speex_resampler_process_float(state: number, channel: number, input: number, inLenPtr: number, output: number, outLenPtr: number): number;
  }
  const factory: (moduleArg?: object) => Promise<SpeexResamplerModule>;
  export default factory;
}
declare module '@echogarden/speex-resampler-wasm' {
  export * from '@echogarden/speex-resampler-wasm/simd';
  export { default } from '@echogarden/speex-resampler-wasm/simd';
}

/** One channel of streaming sample-rate conversion (the converter's view of a resampler). */
export interface Resampler {
  /** Converts the next input block; output lags input by the filter delay. */
  process(input: Float32Array): Float32Array;
  destroy(): void;
}

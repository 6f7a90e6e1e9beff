import { L16_BYTES_PER_SECOND } from '../protocol/audio-format.js';

/** Lowest level reported: a 16-bit signal has about 96 dB of range, and JSON has no -Infinity. */
export const DBFS_FLOOR = -96;

export interface Level {
  /** RMS as a fraction of full scale, 0..1. */
  rms: number;
  /** Largest absolute sample as a fraction of full scale, 0..1. */
  peak: number;
  /** RMS in dBFS (a full-scale square wave is 0, a full-scale sine -3), DBFS_FLOOR..0. */
  dbfs: number;
  /** A sample sits at the rails (32767 or -32768). */
  clipped: boolean;
}

/** Level of one L16 mono LE chunk (odd trailing byte ignored). */
export function measureLevel(chunk: Buffer): Level {
  const samples = chunk.length >> 1;
  let sumSquares = 0;
  let peak = 0;
  let clipped = false;
  for (let i = 0; i < samples; i++) {
    const s = chunk.readInt16LE(i * 2);
    sumSquares += s * s;
    const a = s < 0 ? -s : s;
    if (a > peak) peak = a;
    if (s === 32767 || s === -32768) clipped = true;
  }
  const rms = samples === 0 ? 0 : Math.sqrt(sumSquares / samples) / 32768;
  const dbfs = rms === 0 ? DBFS_FLOOR : Math.max(DBFS_FLOOR, Math.min(0, 20 * Math.log10(rms)));
  return { rms, peak: peak / 32768, dbfs, clipped };
}

/**
 * Tracks how long only silence has arrived, in audio time (bytes / 32000 s), so it behaves the
 * same whether audio comes live or faster than real time. `update` returns true once per silent
 * stretch, when it has lasted `afterMs`; a chunk above `thresholdDbfs` starts a new stretch.
 */
export class SilenceWatch {
  private readonly afterMs: number;
  private readonly thresholdDbfs: number;
  private silentBytes = 0;
  private fired = false;

  constructor(options: { afterMs?: number; thresholdDbfs?: number } = {}) {
    this.afterMs = options.afterMs ?? 2000;
    // Digital zeros (a muted or absent device) read DBFS_FLOOR; a live microphone in a quiet room sits well above -60.
    this.thresholdDbfs = options.thresholdDbfs ?? -60;
  }

  /** Feeds one chunk; true exactly when the current silent stretch reaches `afterMs`. */
  update(chunk: Buffer): boolean {
    if (measureLevel(chunk).dbfs > this.thresholdDbfs) {
      this.silentBytes = 0;
      this.fired = false;
      return false;
    }
    // Counted in bytes so that many small chunks add up exactly.
    this.silentBytes += (chunk.length >> 1) * 2;
    if (this.fired || this.silentBytes * 1000 < this.afterMs * L16_BYTES_PER_SECOND) return false;
    this.fired = true;
    return true;
  }

  /** Milliseconds of audio in the current silent stretch. */
  get silenceMs(): number {
    return (this.silentBytes * 1000) / L16_BYTES_PER_SECOND;
  }
}

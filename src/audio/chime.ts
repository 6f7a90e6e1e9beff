/** The device's own notification sound, generated (no audio file ships with the package). */
import { encodeMp3 } from './mp3-encoder.js';

const RATE = 22050;
const KBPS = 48;
/** Two soft bell tones (E6, then A6), each with a quick attack and an exponential decay. */
const NOTES: ReadonlyArray<{ hz: number; at: number; seconds: number }> = [
  { hz: 1318.5, at: 0, seconds: 0.35 },
  { hz: 1760, at: 0.12, seconds: 0.45 },
];

let cached: Buffer | undefined;

/** The notification chime as MP3 (about 0.6 s, 22,050 Hz mono; made once per process, on first use). */
export function notificationChime(): Buffer {
  cached ??= encodeMp3(chimePcm(), RATE, KBPS);
  return cached;
}

/** The chime's samples: 16-bit mono at 22,050 Hz. */
export function chimePcm(): Int16Array {
  const length = Math.ceil(RATE * Math.max(...NOTES.map((n) => n.at + n.seconds)));
  const mix = new Float32Array(length);
  for (const n of NOTES) {
    const start = Math.round(n.at * RATE);
    const count = Math.round(n.seconds * RATE);
    for (let i = 0; i < count && start + i < length; i++) {
      const t = i / RATE;
      const envelope = Math.min(1, t / 0.004) * Math.exp(-t * 9);
      // A bell: the fundamental and a quieter inharmonic partial.
      mix[start + i]! += envelope * (0.8 * Math.sin(2 * Math.PI * n.hz * t) + 0.2 * Math.sin(2 * Math.PI * n.hz * 2.76 * t));
    }
  }
  const pcm = new Int16Array(length);
  for (let i = 0; i < length; i++) pcm[i] = Math.round(Math.max(-1, Math.min(1, mix[i]! * 0.45)) * 32767);
  return pcm;
}

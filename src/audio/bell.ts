import { encodeMp3 } from './mp3-encoder.js';

/** The device's own alert sounds: one per kind of alert (spec 5.8: "the client's own bell for the type"). */
export type BellKind = 'alarm' | 'timer' | 'reminder';

const SAMPLE_RATE = 22050;
const KBPS = 48;
const cache = new Map<BellKind, Buffer>();

/** One struck note: its start, fundamental, length, loudness (0-1). */
interface Strike {
  at: number;
  freq: number;
  seconds: number;
  level: number;
  /** true: a square-ish beep (alarm); false: a bell (inharmonic partials, exponential decay). */
  beep?: boolean;
}

/**
 * What each kind plays, once; the ringer loops it. Alarm: two bursts of four beeps, loud and
 * insistent. Timer: two bell strikes ("ding ding"). Reminder: a soft rising three-note chime.
 * Each ends in a short silence, so the loop has a beat.
 */
const PATTERNS: Record<BellKind, { seconds: number; strikes: Strike[] }> = {
  alarm: {
    seconds: 1.4,
    strikes: [0, 0.16, 0.32, 0.48, 0.7, 0.86, 1.02, 1.18].map((at) => ({ at, freq: 1760, seconds: 0.1, level: 0.55, beep: true })),
  },
  timer: {
    seconds: 1.6,
    strikes: [
      { at: 0, freq: 1319, seconds: 0.7, level: 0.8 },
      { at: 0.35, freq: 1319, seconds: 1.2, level: 0.8 },
    ],
  },
  reminder: {
    seconds: 1.8,
    strikes: [
      { at: 0, freq: 1047, seconds: 1.0, level: 0.55 },
      { at: 0.22, freq: 1319, seconds: 1.0, level: 0.55 },
      { at: 0.44, freq: 1568, seconds: 1.3, level: 0.55 },
    ],
  },
};

/** A church-bell-like spectrum: partial ratio and relative loudness. */
const BELL_PARTIALS: ReadonlyArray<readonly [number, number]> = [
  [1, 1],
  [2, 0.45],
  [2.76, 0.3],
  [5.4, 0.08],
];

/** The PCM (16-bit mono, 22,050 Hz) of one round of the kind's sound. */
export function bellPcm(kind: BellKind): Int16Array {
  const pattern = PATTERNS[kind];
  const total = Math.round(SAMPLE_RATE * pattern.seconds);
  const mix = new Float32Array(total);
  for (const s of pattern.strikes) {
    const start = Math.round(s.at * SAMPLE_RATE);
    const end = Math.min(total, start + Math.round(s.seconds * SAMPLE_RATE));
    for (let i = start; i < end; i++) {
      const t = (i - start) / SAMPLE_RATE;
      const left = (end - i) / SAMPLE_RATE;
      // 4 ms attack and release: no clicks at either end.
      const edge = Math.min(1, t / 0.004, left / 0.004);
      let v = 0;
      if (s.beep) {
        // A beep: the fundamental and two odd harmonics (a soft square wave).
        for (const [k, a] of [[1, 1], [3, 0.3], [5, 0.12]] as const) v += a * Math.sin(2 * Math.PI * s.freq * k * t);
        v *= 0.7;
      } else {
        for (const [ratio, a] of BELL_PARTIALS) {
          const f = s.freq * ratio;
          if (f >= SAMPLE_RATE / 2) continue;
          v += a * Math.exp(-t * (2.5 + ratio)) * Math.sin(2 * Math.PI * f * t);
        }
        v *= 0.55;
      }
      mix[i] = mix[i]! + s.level * edge * v;
    }
  }
  const pcm = new Int16Array(total);
  for (let i = 0; i < total; i++) pcm[i] = Math.round(Math.max(-1, Math.min(1, mix[i]!)) * 32000);
  return pcm;
}

/** How long one round of the kind's sound lasts, in ms. */
export function bellMs(kind: BellKind): number {
  return Math.round(PATTERNS[kind].seconds * 1000);
}

/** The kind's sound as MP3 (MPEG-2 Layer III, 22,050 Hz mono, 48 kbps), made once per process. */
export function bellMp3(kind: BellKind): Buffer {
  let mp3 = cache.get(kind);
  if (mp3 === undefined) {
    mp3 = encodeMp3(bellPcm(kind), SAMPLE_RATE, KBPS);
    cache.set(kind, mp3);
  }
  return mp3;
}

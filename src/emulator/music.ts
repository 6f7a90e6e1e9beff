/**
 * Little pieces of music for the emulator's AudioPlayer (spec 5.6): a melody walking on a scale
 * over a chord progression, with a bass and a soft pad, synthesised as 16 kHz mono PCM. Made from
 * a seed, so every run of the emulator plays the same notes.
 */
import { mulberry32 } from './random.js';

/** What a piece is made of. */
export interface Piece {
  /** Beats per minute; a bar has four beats. */
  bpm: number;
  /** One chord per bar (MIDI note numbers, lowest first), repeated for as long as the piece lasts. */
  chords: readonly (readonly number[])[];
  /** The notes the melody may use (MIDI note numbers, ascending). */
  scale: readonly number[];
  /** Seed of the melody's random walk. */
  seed: number;
  /** Long-short eighth notes (a swing feel) instead of even ones. */
  swing?: boolean;
}

const hz = (midi: number) => 440 * 2 ** ((midi - 69) / 12);

interface Voice {
  /** Relative strengths of the 1st, 2nd, 3rd… harmonics. */
  harmonics: readonly number[];
  amplitude: number;
  attack: number;
  /** Time constant of the exponential decay after the attack (s); Infinity for a held note. */
  decay: number;
  release: number;
}

const MELODY: Voice = { harmonics: [1, 0.3, 0.12], amplitude: 0.32, attack: 0.008, decay: 0.45, release: 0.04 };
const BASS: Voice = { harmonics: [1, 0.25], amplitude: 0.26, attack: 0.01, decay: 0.8, release: 0.06 };
const PAD: Voice = { harmonics: [1, 0.1], amplitude: 0.05, attack: 0.25, decay: Infinity, release: 0.3 };

/** Adds one note to `out`, starting at `start` s and lasting `length` s. */
function addNote(out: Float32Array, rate: number, voice: Voice, midi: number, start: number, length: number): void {
  const f = hz(midi);
  const first = Math.round(start * rate);
  const count = Math.min(out.length - first, Math.round((length + voice.release) * rate));
  for (let i = 0; i < count; i++) {
    const t = i / rate;
    let env = t < voice.attack ? t / voice.attack : Math.exp(-(t - voice.attack) / voice.decay);
    if (t > length) env *= Math.max(0, 1 - (t - length) / voice.release);
    let s = 0;
    for (let h = 0; h < voice.harmonics.length; h++) s += voice.harmonics[h]! * Math.sin(2 * Math.PI * f * (h + 1) * t);
    out[first + i]! += voice.amplitude * env * s;
  }
}

/** The scale note nearest to `midi`, as an index into the scale. */
function nearest(scale: readonly number[], midi: number): number {
  let best = 0;
  for (let i = 1; i < scale.length; i++) if (Math.abs(scale[i]! - midi) < Math.abs(scale[best]! - midi)) best = i;
  return best;
}

/**
 * `seconds` of the piece as 16-bit PCM at `rate` Hz, with a half-second fade-in and a two-second
 * fade-out, peaking at about half of full scale.
 */
export function renderPiece(piece: Piece, seconds: number, rate: number): Int16Array {
  const out = new Float32Array(Math.round(seconds * rate));
  const beat = 60 / piece.bpm;
  const bar = 4 * beat;
  const next = mulberry32(piece.seed);
  let step = nearest(piece.scale, piece.chords[0]![piece.chords[0]!.length - 1]! + 12);
  for (let b = 0; b * bar < seconds; b++) {
    const chord = piece.chords[b % piece.chords.length]!;
    const barStart = b * bar;
    for (const note of chord) addNote(out, rate, PAD, note, barStart, bar);
    addNote(out, rate, BASS, chord[0]! - 12, barStart, 2 * beat);
    addNote(out, rate, BASS, chord[0]! - 12 + (b % 2 === 0 ? 7 : 0), barStart + 2 * beat, 2 * beat);
    for (let k = 0; k < 4; k++) {
      const at = barStart + k * beat;
      // On the first and third beat the melody lands on a chord tone, an octave above the chord.
      if (k % 2 === 0) {
        const tone = chord[Math.floor(next() * chord.length)]! + 12;
        step = nearest(piece.scale, tone);
      } else {
        step = Math.max(0, Math.min(piece.scale.length - 1, step + Math.floor(next() * 5) - 2));
      }
      const split = next() < 0.35 && k !== 3;
      if (next() < 0.1 && k !== 0) continue; // a rest now and then
      if (!split) {
        addNote(out, rate, MELODY, piece.scale[step]!, at, beat * 0.9);
        continue;
      }
      const first = piece.swing ? beat * (2 / 3) : beat / 2;
      addNote(out, rate, MELODY, piece.scale[step]!, at, first * 0.9);
      step = Math.max(0, Math.min(piece.scale.length - 1, step + (next() < 0.5 ? 1 : -1)));
      addNote(out, rate, MELODY, piece.scale[step]!, at + first, (beat - first) * 0.9);
    }
  }
  let peak = 0;
  for (const s of out) peak = Math.max(peak, Math.abs(s));
  const gain = peak > 0 ? 0.5 / peak : 0;
  const pcm = new Int16Array(out.length);
  const fadeIn = 0.5 * rate;
  const fadeOut = 2 * rate;
  for (let i = 0; i < out.length; i++) {
    const fade = Math.min(1, i / fadeIn, (out.length - i) / fadeOut);
    pcm[i] = Math.round(32767 * gain * fade * out[i]!);
  }
  return pcm;
}

/**
 * An energy-based voice-activity detector for L16 16 kHz mono audio (spec 7.5 (b), U-15). Pure:
 * feed it the audio in chunks of any size (an odd byte may straddle chunks), get events back. Time
 * is audio time, counted in bytes (32,000 bytes = 1 s), never the wall clock, so an upload faster
 * than real time is judged the same as a real-time one.
 */

import { L16_BYTES_PER_MS as BYTES_PER_MS } from '../protocol/audio-format.js';

/** L16, 16 kHz, mono: 32 bytes per millisecond of audio (spec 3.5.1). */
export { BYTES_PER_MS };

/** The detector's numbers; all times are milliseconds of audio. */
export interface VadOptions {
  /** A frame is voiced when its 16-bit RMS is above this (default 500). */
  threshold: number;
  /** Frame length over which the RMS is taken (default 20). */
  frameMs: number;
  /** Voiced time needed before a sound counts as speech (default 300). */
  minSpeechMs: number;
  /** Continuous silence after speech that ends it (default 800). */
  silenceMs: number;
  /** Audio without speech after which the detector gives up (default 5000). */
  noSpeechMs: number;
  /** Audio after which the utterance ends whatever it holds (default 10000). */
  maxAudioMs: number;
}

/** The emulator's defaults (spec 7.5 (b), (c)). */
export const DEFAULT_VAD: Readonly<VadOptions> = {
  threshold: 500,
  frameMs: 20,
  minSpeechMs: 300,
  silenceMs: 800,
  noSpeechMs: 5000,
  maxAudioMs: 10_000,
};

/** Where speech was found, in bytes from the start of the audio. */
export interface SpeechSpan {
  /** Start of its first voiced frame. */
  startByte: number;
  /** End of its last voiced frame so far. */
  endByte: number;
}

/** Why the detector ended the utterance. */
export type VadEndReason = 'vad' | 'cap' | 'no-speech';

/** What a chunk of audio made the detector decide. */
export type VadEvent =
  | { type: 'speech'; startByte: number; atByte: number }
  | { type: 'end'; reason: VadEndReason; atByte: number; speech?: SpeechSpan };

/** Fills in the defaults and checks the numbers; throws Error with a one-line message. */
export function vadOptions(given: Partial<VadOptions> = {}): VadOptions {
  const o = { ...DEFAULT_VAD, ...given };
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`vad.${k} must be a number of 0 or more`);
  }
  if (o.frameMs < 1) throw new Error('vad.frameMs must be 1 or more');
  return o;
}

/** Root mean square of the 16-bit little-endian samples in `frame` (an even number of bytes). */
export function rms16(frame: Buffer): number {
  const n = frame.length >> 1;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = frame.readInt16LE(i * 2);
    sum += s * s;
  }
  return Math.sqrt(sum / n);
}

/**
 * Judges audio frame by frame. A run of sound becomes speech once it holds `minSpeechMs` of voiced
 * frames (short gaps inside it allowed); a run that falls silent for `silenceMs` before that was a
 * click and is forgotten. After speech, `silenceMs` of continuous silence ends the utterance
 * (`vad`); without speech, `noSpeechMs` of audio ends it (`no-speech`, deferred while a run of sound
 * is still being judged); `maxAudioMs` always ends it (`cap`). Nothing is decided after the end.
 */
export class VoiceActivityDetector {
  readonly options: VadOptions;
  private readonly frameBytes: number;
  private readonly pending: Buffer;
  private pendingBytes = 0;
  private framesEnd = 0;
  private received = 0;
  /** The run of sound being judged or the confirmed speech. */
  private run: { startByte: number; endByte: number; voicedBytes: number } | undefined;
  private confirmed = false;
  private silentBytes = 0;
  private endEvent: Extract<VadEvent, { type: 'end' }> | undefined;

  constructor(options: Partial<VadOptions> = {}) {
    this.options = vadOptions(options);
    // Whole samples per frame, so that frames never split a sample.
    this.frameBytes = Math.max(2, Math.round((this.options.frameMs * BYTES_PER_MS) / 2) * 2);
    this.pending = Buffer.alloc(this.frameBytes);
  }

  /** Bytes of audio fed so far (including any after the end). */
  get bytes(): number {
    return this.received;
  }

  /** True once speech was confirmed. */
  get speechDetected(): boolean {
    return this.confirmed;
  }

  /** The confirmed speech, if any. */
  get speech(): SpeechSpan | undefined {
    return this.confirmed && this.run ? { startByte: this.run.startByte, endByte: this.run.endByte } : undefined;
  }

  /** The end decision, once made. */
  get ended(): Extract<VadEvent, { type: 'end' }> | undefined {
    return this.endEvent;
  }

  /** Feeds audio; returns what it made the detector decide, in order. */
  push(chunk: Buffer): VadEvent[] {
    const events: VadEvent[] = [];
    const capBytes = this.ms(this.options.maxAudioMs);
    let offset = 0;
    while (offset < chunk.length && !this.endEvent) {
      // Never judge past the cap, even when it falls inside a frame.
      const take = Math.min(this.frameBytes - this.pendingBytes, chunk.length - offset, capBytes - this.received);
      if (take <= 0) {
        this.end('cap', this.received, events);
        break;
      }
      chunk.copy(this.pending, this.pendingBytes, offset, offset + take);
      this.pendingBytes += take;
      offset += take;
      this.received += take;
      if (this.pendingBytes === this.frameBytes) {
        this.pendingBytes = 0;
        this.frame(this.pending, events);
      } else if (this.received >= capBytes) this.end('cap', this.received, events);
    }
    this.received += chunk.length - offset; // audio after the end is counted, not judged
    return events;
  }

  private ms(ms: number): number {
    return Math.round(ms * BYTES_PER_MS);
  }

  private frame(frame: Buffer, events: VadEvent[]): void {
    const start = this.framesEnd;
    this.framesEnd += this.frameBytes;
    const end = this.framesEnd;
    const { options } = this;
    if (rms16(frame) > options.threshold) {
      this.silentBytes = 0;
      this.run ??= { startByte: start, endByte: end, voicedBytes: 0 };
      this.run.endByte = end;
      this.run.voicedBytes += this.frameBytes;
      if (!this.confirmed && this.run.voicedBytes >= this.ms(options.minSpeechMs)) {
        this.confirmed = true;
        events.push({ type: 'speech', startByte: this.run.startByte, atByte: end });
      }
    } else {
      this.silentBytes += this.frameBytes;
      if (this.run && this.silentBytes >= this.ms(options.silenceMs)) {
        if (this.confirmed) {
          this.end('vad', end, events);
          return;
        }
        this.run = undefined; // a click, not speech
      }
    }
    if (end >= this.ms(options.maxAudioMs)) this.end('cap', end, events);
    else if (!this.confirmed && !this.run && end >= this.ms(options.noSpeechMs)) this.end('no-speech', end, events);
  }

  private end(reason: VadEndReason, atByte: number, events: VadEvent[]): void {
    const speech = this.speech;
    this.endEvent = speech ? { type: 'end', reason, atByte, speech } : { type: 'end', reason, atByte };
    events.push(this.endEvent);
  }
}

import { encodeMp3, encodeMp3InSteps } from '../audio/mp3-encoder.js';

/** The sample rate of every MP3 the emulator makes (MPEG-2 Layer III). */
export const MP3_SAMPLE_RATE = 16000;
const SAMPLE_RATE = MP3_SAMPLE_RATE;
const KBPS = 32;
/** Samples per MPEG-2 Layer III frame. */
const FRAME_SAMPLES = 576;
const MAX_SECONDS = 1.5;
const CACHE_LIMIT = 200;
const cache = new Map<string, Buffer>();
let baseFrames: Buffer[] | undefined;

/** Length of the speech for a text: 0.3 s plus 10 ms per character, at most 1.5 s. */
export function speechSeconds(text: string): number {
  return Math.min(MAX_SECONDS, 0.3 + 0.01 * [...text].length);
}

/**
 * Real MP3 (MPEG-2 Layer III, 16 kHz mono, 32 kbps) standing in for synthesized speech: a tone
 * sequence as long as `speechSeconds(text)`, cached by text. lamejs costs a few hundred ms until
 * V8 has optimised it, so it runs once per process for the longest sequence and each answer takes
 * a prefix of whole frames; a prefix of a Layer III stream is itself valid, because frames only
 * borrow bits from earlier frames.
 */
export function speechMp3(text: string): Buffer {
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit); // keep recently used entries at the end
    return hit;
  }
  baseFrames ??= mp3Frames(encodePcm(toneSequence(MAX_SECONDS)));
  const count = Math.min(baseFrames.length, Math.ceil((speechSeconds(text) * SAMPLE_RATE) / FRAME_SAMPLES));
  const mp3 = Buffer.concat(baseFrames.slice(0, count));
  cache.set(text, mp3);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return mp3;
}

/** A little melody of 120 ms tones, faded in and out so tone changes do not click. */
function toneSequence(seconds: number): Int16Array {
  const total = Math.round(SAMPLE_RATE * seconds);
  const pcm = new Int16Array(total);
  const toneLen = Math.round(SAMPLE_RATE * 0.12);
  const ramp = 160;
  const melody = [523, 659, 784, 659, 587, 698, 880, 698, 523, 784, 659, 523, 440];
  for (let start = 0, k = 0; start < total; start += toneLen, k++) {
    const freq = melody[k % melody.length]!;
    const end = Math.min(total, start + toneLen);
    for (let i = start; i < end; i++) {
      const env = Math.min(1, (i - start) / ramp, (end - i) / ramp);
      pcm[i] = Math.round(6000 * env * Math.sin((2 * Math.PI * freq * (i - start)) / SAMPLE_RATE));
    }
  }
  return pcm;
}

function encodePcm(pcm: Int16Array): Buffer {
  return encodeMp3(pcm, SAMPLE_RATE, KBPS);
}

/**
 * Encodes 16 kHz mono PCM to MP3 (MPEG-2 Layer III) at `kbps`, one second of audio per turn of
 * the event loop, so that a long piece does not hold up everything else the process does (the
 * emulator may run inside the client).
 */
export function encodeMp3Gradually(pcm: Int16Array, kbps: number): Promise<Buffer> {
  return encodeMp3InSteps(pcm, SAMPLE_RATE, kbps);
}

const BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Byte length of the Layer III frame whose header starts at `off`, or 0 when there is none. */
export function mp3FrameLength(buf: Buffer, off: number): number {
  if (off + 4 > buf.length) return 0;
  const b1 = buf[off + 1]!;
  const b2 = buf[off + 2]!;
  if (buf[off] !== 0xff || (b1 & 0xe0) !== 0xe0) return 0;
  const version = (b1 >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const layer = (b1 >> 1) & 3; // 1 = Layer III
  if (version === 1 || layer !== 1) return 0;
  const kbps = (version === 3 ? BITRATES_V1_L3 : BITRATES_V2_L3)[b2 >> 4];
  const rate = SAMPLE_RATES[version]![(b2 >> 2) & 3];
  if (!kbps || !rate) return 0;
  const padding = (b2 >> 1) & 1;
  return Math.floor(((version === 3 ? 144000 : 72000) * kbps) / rate) + padding;
}

/** Splits an MP3 made of back-to-back Layer III frames into its frames (stops at anything else). */
export function mp3Frames(mp3: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let off = 0;
  while (off < mp3.length) {
    const len = mp3FrameLength(mp3, off);
    if (len === 0 || off + len > mp3.length) break;
    frames.push(mp3.subarray(off, off + len));
    off += len;
  }
  return frames;
}

/**
 * An MP3 of at least `bytes` bytes (and at least one frame) built by repeating the whole stream and
 * cutting at a frame boundary. Whole repetitions keep the bit reservoir consistent: the first frame
 * of a lamejs stream never borrows from earlier frames.
 */
export function resizeMp3(mp3: Buffer, bytes: number): Buffer {
  const frames = mp3Frames(mp3);
  if (frames.length === 0) return mp3;
  const out: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < bytes || out.length === 0; i = (i + 1) % frames.length) {
    out.push(frames[i]!);
    size += frames[i]!.length;
  }
  return Buffer.concat(out);
}

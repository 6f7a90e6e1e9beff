import { encodeMp3InSteps } from '../audio/mp3-encoder.js';
import { languageOf } from './language.js';
import { synthesizeSpeech, VOICES } from './speech-synthesis.js';

/** The sample rate of every MP3 the emulator makes (MPEG-2 Layer III). */
export const MP3_SAMPLE_RATE = 16000;
const SAMPLE_RATE = MP3_SAMPLE_RATE;
const KBPS = 32;
/** Samples per MPEG-2 Layer III frame. */
const FRAME_SAMPLES = 576;
/** Answers kept, by voice and text (a bounded LRU: 100 answers of a few seconds are about 2 MB). */
const CACHE_LIMIT = 100;
const cache = new Map<string, Promise<Buffer>>();

/**
 * The answer `text` spoken in the voice of its language (`languageOf`: Korean for Hangul, else
 * English) by eSpeak NG (speech-synthesis.ts), as real MP3 (MPEG-2 Layer III, 16 kHz mono, 32 kbps).
 * Cached by voice and text, least recently used out first; a failure is not cached.
 */
export function speechMp3(text: string): Promise<Buffer> {
  const lang = languageOf(text);
  const key = `${VOICES[lang]}\n${text}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit); // keep recently used entries at the end
    return hit;
  }
  const mp3 = synthesizeSpeech(text, lang, SAMPLE_RATE).then((pcm) => encodeMp3Gradually(pcm.length > 0 ? pcm : new Int16Array(FRAME_SAMPLES), KBPS));
  mp3.catch(() => {
    if (cache.get(key) === mp3) cache.delete(key);
  });
  cache.set(key, mp3);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return mp3;
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

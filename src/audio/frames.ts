/**
 * Frame headers of the compressed audio a device streams: MPEG audio (MP3, Layer III; Layers I and
 * II are told apart so they are not mistaken for it) and AAC in ADTS. Enough to know how long a
 * frame is in bytes and in time, where the first frame starts (after an ID3v2 tag) and the bitrate
 * of a constant-bitrate stream: a paced sink sleeps per frame, a resume at an offset finds its byte.
 * Pure: no I/O.
 */

/** One frame header: its length in bytes and the audio it holds. */
export interface FrameHeader {
  kind: 'mpeg' | 'adts';
  /** Bytes of the whole frame, header included. */
  bytes: number;
  sampleRate: number;
  /** Audio samples (per channel) in the frame. */
  samples: number;
  /** MPEG: the frame's bitrate in kbit/s (0 for ADTS, whose frames carry none). */
  kbps: number;
}

const MPEG_KBPS: Record<string, number[]> = {
  // [version 1 | 2][layer 1 | 2 | 3]: MPEG-2.5 uses the MPEG-2 tables.
  v1l1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  v1l2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  v1l3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2l1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  v2l2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  v2l3: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
/** Sample rates by the version bits (3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5). */
const MPEG_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };
const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** The MPEG audio frame header at `off`, or undefined (no sync, reserved values, free format). */
export function mpegFrameAt(buf: Uint8Array, off: number): FrameHeader | undefined {
  if (off + 4 > buf.length || buf[off] !== 0xff || (buf[off + 1]! & 0xe0) !== 0xe0) return undefined;
  const b1 = buf[off + 1]!;
  const b2 = buf[off + 2]!;
  const version = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3; // 3 = Layer I, 2 = Layer II, 1 = Layer III
  if (version === 1 || layerBits === 0) return undefined;
  const layer = 4 - layerBits;
  const kbps = MPEG_KBPS[`v${version === 3 ? 1 : 2}l${layer}`]![b2 >> 4];
  const sampleRate = MPEG_RATES[version]![(b2 >> 2) & 3];
  if (!kbps || !sampleRate) return undefined;
  const padding = (b2 >> 1) & 1;
  if (layer === 1) return { kind: 'mpeg', bytes: (Math.floor((12000 * kbps) / sampleRate) + padding) * 4, sampleRate, samples: 384, kbps };
  const samples = layer === 3 && version !== 3 ? 576 : 1152;
  return { kind: 'mpeg', bytes: Math.floor(((samples / 8) * 1000 * kbps) / sampleRate) + padding, sampleRate, samples, kbps };
}

/** The ADTS (AAC) frame header at `off`, or undefined. */
export function adtsFrameAt(buf: Uint8Array, off: number): FrameHeader | undefined {
  if (off + 7 > buf.length || buf[off] !== 0xff || (buf[off + 1]! & 0xf6) !== 0xf0) return undefined;
  const sampleRate = ADTS_RATES[(buf[off + 2]! >> 2) & 0x0f];
  const bytes = ((buf[off + 3]! & 0x03) << 11) | (buf[off + 4]! << 3) | (buf[off + 5]! >> 5);
  const blocks = (buf[off + 6]! & 0x03) + 1;
  if (!sampleRate || bytes < 7) return undefined;
  return { kind: 'adts', bytes, sampleRate, samples: 1024 * blocks, kbps: 0 };
}

/** The header at `off` of either kind (ADTS first: its sync is the stricter one). */
export function frameAt(buf: Uint8Array, off: number): FrameHeader | undefined {
  return adtsFrameAt(buf, off) ?? mpegFrameAt(buf, off);
}

/** Milliseconds of audio in a frame. */
export function frameMs(frame: FrameHeader): number {
  return (frame.samples * 1000) / frame.sampleRate;
}

/** Bytes of an ID3v2 tag at the start of `head` (0 when there is none; needs its first 10 bytes). */
export function id3Length(head: Uint8Array): number {
  if (head.length < 10 || head[0] !== 0x49 || head[1] !== 0x44 || head[2] !== 0x33) return 0;
  const size = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
  return 10 + size + ((head[5]! & 0x10) !== 0 ? 10 : 0);
}

/**
 * Where the first frame starts in `buf` at or after `from`: a header whose next frame (when `buf`
 * holds it) has a header of the same kind too, so that a stray 0xFF byte in the middle of data is
 * not taken for one. Undefined when none is found in `buf`.
 */
export function findFrame(buf: Uint8Array, from = 0, kind?: FrameHeader['kind']): number | undefined {
  for (let i = from; i + 4 <= buf.length; i++) {
    if (buf[i] !== 0xff) continue;
    const f = kind === 'adts' ? adtsFrameAt(buf, i) : kind === 'mpeg' ? mpegFrameAt(buf, i) : frameAt(buf, i);
    if (!f) continue;
    const next = i + f.bytes;
    if (next + 4 > buf.length) return i; // cannot check further: take it
    const g = f.kind === 'adts' ? adtsFrameAt(buf, next) : mpegFrameAt(buf, next);
    if (g && g.sampleRate === f.sampleRate) return i;
  }
  return undefined;
}

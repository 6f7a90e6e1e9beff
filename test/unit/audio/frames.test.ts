import { describe, expect, it } from 'vitest';
import { audioFrames, batchMs, framesFrom, NotAudioError, type FrameBatch } from '../../../src/audio/frame-stream.js';
import { adtsFrameAt, findFrame, frameMs, id3Length, mpegFrameAt } from '../../../src/audio/frames.js';
import { toneMp3 } from '../../helpers/media.js';

async function collect(batches: AsyncIterable<FrameBatch>): Promise<FrameBatch[]> {
  const out: FrameBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

/** Feeds `buf` in pieces of `size` bytes. */
async function* pieces(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** A synthetic ADTS frame of `bytes` bytes (44.1 kHz, one raw block of 1024 samples). */
function adts(bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 0x11);
  b[0] = 0xff;
  b[1] = 0xf1; // MPEG-4, layer 0, no CRC
  b[2] = (1 << 6) | (4 << 2); // AAC LC, 44.1 kHz
  b[3] = 0x80 | ((bytes >> 11) & 0x03);
  b[4] = (bytes >> 3) & 0xff;
  b[5] = ((bytes & 0x07) << 5) | 0x1f;
  b[6] = 0xfc; // one block
  return b;
}

const mp3 = toneMp3(2); // 16 kHz, 32 kbit/s: 144-byte frames of 36 ms

describe('MPEG and ADTS frame headers', () => {
  it('reads lamejs frames: length, samples, bitrate', () => {
    const f = mpegFrameAt(mp3, 0)!;
    expect(f).toEqual({ kind: 'mpeg', bytes: 144, sampleRate: 16000, samples: 576, kbps: 32 });
    expect(frameMs(f)).toBe(36);
    const cd = mpegFrameAt(toneMp3(0.2, { rate: 44100, kbps: 128 }), 0)!;
    expect(cd).toMatchObject({ sampleRate: 44100, samples: 1152, kbps: 128 });
    expect([417, 418]).toContain(cd.bytes);
  });

  it('reads ADTS headers', () => {
    expect(adtsFrameAt(adts(300), 0)).toEqual({ kind: 'adts', bytes: 300, sampleRate: 44100, samples: 1024, kbps: 0 });
    expect(mpegFrameAt(adts(300), 0)).toBeUndefined(); // layer 00 is no MPEG audio layer
  });

  it('finds a frame after junk only where the next frame confirms it', () => {
    const junk = Buffer.from([0xff, 0xfb, 0x00, 0x00, 0x12, 0xff, 0x00]);
    expect(findFrame(Buffer.concat([junk, mp3]))).toBe(junk.length);
  });

  it('ID3v2 tag length', () => {
    const tag = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 1, 0]);
    expect(id3Length(tag)).toBe(10 + 128);
    expect(id3Length(mp3)).toBe(0);
  });
});

describe('audioFrames: whole frames out of any pieces', () => {
  it('gives the same frames whatever the pieces, and no byte twice', async () => {
    const whole = await collect(audioFrames([mp3]));
    const total = whole.reduce((n, b) => n + b.frames.length, 0);
    expect(total).toBe(Math.floor(mp3.length / 144));
    for (const size of [1, 7, 143, 145, 1000]) {
      const batches = await collect(audioFrames(pieces(mp3, size)));
      expect(Buffer.concat(batches.map((b) => b.data)).equals(Buffer.concat(whole.map((b) => b.data))), `pieces of ${size}`).toBe(true);
      expect(batches.reduce((ms, b) => ms + batchMs(b), 0)).toBeCloseTo(total * 36, 5);
    }
  });

  it('drops an ID3 tag and the bytes before the first frame, and says where that frame began', async () => {
    const tag = Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 20]), Buffer.alloc(20, 0xff)]);
    const input = Buffer.concat([tag, Buffer.from('xyz'), mp3]);
    let first: number | undefined;
    const batches = await collect(audioFrames(pieces(input, 5), { first: (at) => (first = at) }));
    expect(first).toBe(tag.length + 3);
    expect(Buffer.concat(batches.map((b) => b.data)).equals(mp3.subarray(0, Math.floor(mp3.length / 144) * 144))).toBe(true);
  });

  it('enters a stream in the middle of a frame (after a Range request) at the next frame', async () => {
    const batches = await collect(audioFrames([mp3.subarray(1000)]));
    expect(batches[0]!.data.subarray(0, 144).equals(mp3.subarray(1008, 1152))).toBe(true);
  });

  it('ADTS too', async () => {
    const aac = Buffer.concat([adts(200), adts(310), adts(250)]);
    const batches = await collect(audioFrames(pieces(aac, 64)));
    expect(batches.flatMap((b) => b.frames.map((f) => f.bytes))).toEqual([200, 310, 250]);
  });

  it('refuses what is not audio (an HTML page served as audio/mpeg)', async () => {
    const page = Buffer.from('<html>' + 'x'.repeat(300 * 1024) + '</html>');
    await expect(collect(audioFrames(pieces(page, 4096)))).rejects.toBeInstanceOf(NotAudioError);
  });

  it('framesFrom skips whole frames up to the offset', async () => {
    const out: Buffer[] = [];
    for await (const b of framesFrom(audioFrames(pieces(mp3, 500)), 360)) out.push(b);
    // 360 ms = 10 frames of 36 ms: it begins at the 11th.
    expect(Buffer.concat(out).subarray(0, 144).equals(mp3.subarray(1440, 1584))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { RecorderError } from '../../../src/audio/recorder-error.js';
import { WavHeaderStripper } from '../../../src/audio/wav-header-stripper.js';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { listChunk, riffChunk, splitEvery, wavHeader, type WavSpec } from '../../helpers/wav.js';

// The recorder's WAV header is read by the same WavHeaderReader as WAV files (one parser, issue 8).
const L16: WavSpec = { sampleRate: 16000, channels: 1, bitsPerSample: 16 };
const pcm = Buffer.from(Array.from({ length: 640 }, (_, i) => (i * 37) & 0xff));

function strip(bytes: Buffer, pieces: number[] = [bytes.length]): Buffer {
  const s = new WavHeaderStripper();
  return Buffer.concat(splitEvery(bytes, pieces).map((b) => s.push(b) ?? Buffer.alloc(0)));
}

function failure(bytes: Buffer): unknown {
  try {
    new WavHeaderStripper().push(bytes);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('WavHeaderStripper on the shared WAV reader', () => {
  it('takes an extensible PCM header, chunks before fmt, and arecord\'s "unknown length" data size', () => {
    for (const spec of [
      { ...L16, extensible: true },
      { ...L16, chunksBeforeFmt: [listChunk('odd')], chunksBefore: [riffChunk('fact', Buffer.alloc(4))] },
      { ...L16, dataSize: 0x7fffffff, riffSize: 0xffffffff },
    ]) {
      const stream = Buffer.concat([wavHeader(spec, pcm.length), pcm]);
      expect(strip(stream).equals(pcm)).toBe(true);
      expect(strip(stream, [1, 2, 3, 5, 7]).equals(pcm)).toBe(true);
    }
  });

  it('refuses anything but L16 16 kHz mono with the recorder advice (exit 2)', () => {
    for (const spec of [
      { ...L16, sampleRate: 44100 },
      { ...L16, channels: 2 },
      { ...L16, bitsPerSample: 8 },
      { ...L16, bitsPerSample: 32, encoding: 'float' as const },
    ]) {
      const err = failure(Buffer.concat([wavHeader(spec, pcm.length), pcm]));
      expect(err).toBeInstanceOf(RecorderError);
      expect((err as Error).message).toMatch(/^the recorder delivers \d+ Hz, \d channel\(s\), \d+-bit \(format \d+\), not 16 kHz mono 16-bit PCM: try --recorder lpcm16$/);
      expect(exitCodeFor(err)).toBe(2);
    }
  });

  it('a header the reader cannot use is a RecorderError, not advice about files', () => {
    const err = failure(Buffer.concat([wavHeader({ ...L16, formatTag: 0x0002 }, pcm.length), pcm]));
    expect(err).toBeInstanceOf(RecorderError);
    expect(err).toMatchObject({ code: 'E_RECORDER' });
    expect((err as Error).message).toMatch(/^the recorder wrote a WAV header that cannot be used \(WAV format 0x0002 \(MS ADPCM\) is not supported.*\): try --recorder lpcm16$/);
  });

  it('gives up on a header that never reaches its data chunk', () => {
    const s = new WavHeaderStripper();
    const start = wavHeader(L16, 0).subarray(0, 36); // RIFF, WAVE, fmt: no data chunk yet
    expect(s.push(Buffer.concat([start, riffChunk('JUNK', Buffer.alloc(40000), 200000)]))).toBeUndefined();
    expect(() => s.push(Buffer.alloc(40000))).toThrow(new RecorderError('the recorder wrote a WAV header without a data chunk'));
  });

  it('RIFF without WAVE, or no RIFF, passes through as PCM', () => {
    const notWave = Buffer.concat([Buffer.from('RIFF\0\0\0\0AVI ', 'latin1'), pcm]);
    expect(strip(notWave, [3, 4, 6]).equals(notWave)).toBe(true);
    expect(strip(pcm, [2, 1]).equals(pcm)).toBe(true);
  });
});

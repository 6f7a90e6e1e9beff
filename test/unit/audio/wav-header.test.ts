import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WavHeaderReader, formatTagName, parseFmtChunk, type WavHeader } from '../../../src/audio/wav-header.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { buildWav, fmtBody, listChunk, riffChunk, splitEvery, wavHeader, type WavSpec } from '../../helpers/wav.js';
import { exitCodeFor } from '../../../src/cli/exit.js';

const mono16: WavSpec = { sampleRate: 16000, channels: 1, bitsPerSample: 16 };

/** Feeds `pieces` to a walker; returns the header and every byte after it, or throws what end() throws. */
function walk(pieces: Buffer[]): { header: WavHeader; rest: Buffer } {
  const walker = new WavHeaderReader();
  for (let i = 0; i < pieces.length; i++) {
    const found = walker.push(pieces[i]!);
    if (found) return { header: found.header, rest: Buffer.concat([found.rest, ...pieces.slice(i + 1)]) };
  }
  return walker.end();
}

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const e = error as UsageError;
    expect(exitCodeFor(e)).toBe(2);
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error('expected a UsageError');
}

describe('WavHeaderReader', () => {
  it('reads a canonical 44-byte header', () => {
    const wav = buildWav(mono16, [[0.1, -0.1, 0.2]]);
    const { header, rest } = walk([wav]);
    expect(header).toEqual({
      format: { formatTag: 1, subFormat: 1, encoding: 'pcm', channels: 1, sampleRate: 16000, bitsPerSample: 16, blockAlign: 2 },
      dataOffset: 44,
      dataSize: 6,
    });
    expect(rest).toEqual(wav.subarray(44));
  });

  it('skips LIST, fact, JUNK and unknown chunks, honouring the pad byte after odd sizes', () => {
    const odd = riffChunk('zzzz', Buffer.from('abc')); // 3 bytes + 1 pad byte
    expect(odd.length).toBe(12);
    const spec: WavSpec = {
      ...mono16,
      chunksBeforeFmt: [riffChunk('JUNK', Buffer.alloc(27)), riffChunk('bext', Buffer.alloc(5, 0x64))],
      chunksBefore: [riffChunk('fact', Buffer.from([4, 0, 0, 0])), listChunk('odd'), odd, riffChunk('id3 ', Buffer.alloc(1, 0x64))],
    };
    // Pad bytes of 'data'-like content: a walker that ignores padding would find 'data' inside them.
    const wav = buildWav(spec, [[0.5, -0.5]]);
    const { header, rest } = walk([wav]);
    expect(header.dataSize).toBe(4);
    expect(header.dataOffset).toBe(wav.length - 4);
    expect(rest.length).toBe(4);
  });

  it('accepts WAVE_FORMAT_EXTENSIBLE and takes the subformat as the format', () => {
    const pcm = walk([buildWav({ sampleRate: 48000, channels: 2, bitsPerSample: 24, extensible: true }, [[0], [0]])]).header;
    expect(pcm.format).toMatchObject({ formatTag: 0xfffe, subFormat: 1, encoding: 'pcm', bitsPerSample: 24, blockAlign: 6 });
    const float = walk([buildWav({ sampleRate: 44100, channels: 6, bitsPerSample: 32, encoding: 'float', extensible: true }, Array(6).fill([0]))]).header;
    expect(float.format).toMatchObject({ formatTag: 0xfffe, subFormat: 3, encoding: 'float', channels: 6, blockAlign: 24 });
  });

  it('accepts a fmt chunk longer than needed (cbSize, extra bytes) and an odd one', () => {
    const long = walk([buildWav({ ...mono16, fmtSize: 18 }, [[0]])]).header;
    expect(long.dataOffset).toBe(46);
    const odd = walk([buildWav({ ...mono16, fmtSize: 19 }, [[0]])]).header;
    expect(odd.dataOffset).toBe(48);
  });

  it.each([0, 0xffffffff, 0x80000000, 0x7ffff000])('treats data size %s as "until end of input"', (dataSize) => {
    const wav = buildWav({ ...mono16, dataSize, riffSize: dataSize }, [[0.1, 0.2]]);
    expect(walk([wav]).header.dataSize).toBeUndefined();
  });

  it('trusts ordinary data sizes, however large', () => {
    expect(walk([wavHeader(mono16, 0x7fffeffe)]).header.dataSize).toBe(0x7fffeffe);
  });

  it('accepts RF64 (64-bit WAV) and reads its data to the end', () => {
    const wav = buildWav({ ...mono16, dataSize: 0xffffffff, riffSize: 0xffffffff, chunksBeforeFmt: [riffChunk('ds64', Buffer.alloc(28))] }, [[0]]);
    wav.write('RF64', 0, 'latin1');
    expect(walk([wav]).header.dataSize).toBeUndefined();
  });

  it('gives the same result for 1-byte pieces and for any split', () => {
    const wav = buildWav({ ...mono16, chunksBefore: [listChunk('odd text'), riffChunk('fact', Buffer.alloc(4))] }, [[0.1, 0.2, 0.3]]);
    const whole = walk([wav]);
    expect(walk(splitEvery(wav, [1]))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(walk(splitEvery(wav, sizes))).toEqual(whole);
      }),
    );
  });

  it('never buffers a large skipped chunk', () => {
    const walker = new WavHeaderReader();
    walker.push(Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), riffChunk('fmt ', fmtBody(mono16))]));
    const head = Buffer.alloc(8);
    head.write('LIST', 0, 'latin1');
    head.writeUInt32LE(100 * 1024 * 1024, 4);
    walker.push(head);
    const before = process.memoryUsage().arrayBuffers;
    const mb = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 100; i++) expect(walker.push(mb)).toBeUndefined();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    const found = walker.push(Buffer.from('data\x04\0\0\0abcd', 'latin1'));
    expect(found?.rest.toString()).toBe('abcd');
  });
});

describe('WavHeaderReader errors', () => {
  const notWav = 'not a WAV file (no RIFF/WAVE header); use --raw for headerless L16 16 kHz mono';

  it.each([
    ['MP3 with ID3 tag', Buffer.from('ID3\x04\0\0\0\0\0\0', 'latin1')],
    ['Ogg', Buffer.from('OggS\0\x02', 'latin1')],
    ['FLAC', Buffer.from('fLaC\0\0\0\x22', 'latin1')],
    ['AVI', Buffer.from('RIFF\x10\0\0\0AVI LIST', 'latin1')],
    ['short text', Buffer.from('hi', 'latin1')],
    ['raw samples', Buffer.from([0x12, 0x00, 0x40, 0xff, 0x10, 0x00])],
  ])('rejects %s as not a WAV file', (_name, bytes) => {
    expect(usageError(() => walk([bytes])).message).toBe(notWav);
    expect(usageError(() => walk(splitEvery(bytes))).message).toBe(notWav);
  });

  it('rejects non-WAV input from its first bytes, before the 12-byte header is complete', () => {
    const walker = new WavHeaderReader();
    expect(usageError(() => walker.push(Buffer.from('ID3', 'latin1'))).message).toBe(notWav);
  });

  it('names big-endian RIFX', () => {
    expect(usageError(() => walk([Buffer.from('RIFX\0\0\0\x24WAVE', 'latin1')])).message).toBe(
      'big-endian WAV (RIFX) is not supported; convert it with sox or ffmpeg',
    );
  });

  it.each([
    [0x0055, 'WAV format 0x0055 (MP3) is not supported; convert it with sox or ffmpeg'],
    [0x0050, 'WAV format 0x0050 (MPEG) is not supported; convert it with sox or ffmpeg'],
    [0x0002, 'WAV format 0x0002 (MS ADPCM) is not supported; convert it with sox or ffmpeg'],
    [0x0006, 'WAV format 0x0006 (A-law) is not supported; convert it with sox or ffmpeg'],
    [0x0007, 'WAV format 0x0007 (µ-law) is not supported; convert it with sox or ffmpeg'],
    [0x0011, 'WAV format 0x0011 (IMA ADPCM) is not supported; convert it with sox or ffmpeg'],
    [0x00ff, 'WAV format 0x00FF (AAC) is not supported; convert it with sox or ffmpeg'],
    [0x1610, 'WAV format 0x1610 (HE-AAC) is not supported; convert it with sox or ffmpeg'],
    [0xf1ac, 'WAV format 0xF1AC (FLAC) is not supported; convert it with sox or ffmpeg'],
    [0x1234, 'WAV format 0x1234 is not supported; convert it with sox or ffmpeg'],
    [0x0000, 'WAV format 0x0000 is not supported; convert it with sox or ffmpeg'],
  ])('names codec %s', (formatTag, message) => {
    expect(usageError(() => walk([buildWav({ ...mono16, formatTag }, [[0]])])).message).toBe(message);
  });

  it('names the codec inside an extensible header', () => {
    const wav = buildWav({ ...mono16, extensible: true, subFormat: 0x0055 }, [[0]]);
    expect(usageError(() => walk([wav])).message).toBe('WAV format 0x0055 (MP3) is not supported; convert it with sox or ffmpeg');
  });

  it('has names for the table and none for unknown tags', () => {
    expect(formatTagName(0x0055)).toBe('MP3');
    expect(formatTagName(1)).toBe('PCM');
    expect(formatTagName(0x4242)).toBeUndefined();
  });

  it.each<[string, WavSpec, RegExp]>([
    ['fmt chunk too short', { ...mono16, fmtSize: 14 }, /^invalid WAV header: fmt chunk is 14 bytes, at least 16 expected; /],
    ['extensible fmt too short', { ...mono16, formatTag: 0xfffe, fmtSize: 18 }, /^invalid WAV header: extensible fmt chunk is 18 bytes, 40 expected; /],
    ['0 channels', { ...mono16, channels: 0, blockAlign: 2 }, /^invalid WAV header: 0 channels; /],
    ['rate 0', { ...mono16, sampleRate: 0 }, /^invalid WAV header: sample rate 0; /],
    ['0 bits', { ...mono16, bitsPerSample: 0, blockAlign: 2 }, /^invalid WAV header: 0 bits per sample; /],
    ['block align', { ...mono16, channels: 2, blockAlign: 2 }, /^invalid WAV header: block align 2 does not match 2 channel\(s\) of 16 bits \(4\); /],
    ['rate too low', { ...mono16, sampleRate: 500 }, /^WAV sample rate 500 Hz \(outside 1000\.\.768000\) is not supported; convert it with sox or ffmpeg$/],
    ['rate too high', { ...mono16, sampleRate: 1_000_000 }, /^WAV sample rate 1000000 Hz .* is not supported; /],
    ['12-bit PCM', { ...mono16, bitsPerSample: 12, blockAlign: 2 }, /^WAV 12-bit PCM is not supported; convert it with sox or ffmpeg$/],
    ['16-bit float', { ...mono16, encoding: 'float' }, /^WAV 16-bit float is not supported; /],
  ])('rejects %s', (_name, spec, message) => {
    const wav = Buffer.concat([wavHeader(spec, 8), Buffer.alloc(8)]);
    expect(usageError(() => walk([wav])).message).toMatch(message);
  });

  it('rejects a data chunk that comes before the fmt chunk', () => {
    const data = riffChunk('data', Buffer.alloc(4));
    const wav = Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), data, riffChunk('fmt ', fmtBody(mono16))]);
    expect(usageError(() => walk([wav])).message).toMatch(/^invalid WAV header: the data chunk comes before the fmt chunk; /);
  });

  it.each([
    ['inside the RIFF header', 8],
    ['inside a chunk header', 16],
    ['inside the fmt chunk', 30],
    ['just before the data chunk header', 36],
    ['inside the data chunk header', 40],
  ])('rejects input that ends %s', (_name, length) => {
    const wav = buildWav(mono16, [[0]]);
    const e = usageError(() => walk([wav.subarray(0, length)]));
    expect(e.message).toMatch(/^(WAV header is truncated|WAV file has no data chunk) \(input ends after \d+ bytes\); /);
    expect(e.message).toContain(`after ${length} bytes`);
  });

  it('rejects a header with no data chunk before the end, and one whose LIST runs past the end', () => {
    const noData = Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), riffChunk('fmt ', fmtBody(mono16)), listChunk()]);
    expect(usageError(() => walk([noData])).message).toMatch(/^WAV file has no data chunk \(input ends after \d+ bytes\); the file is incomplete/);
    const longList = Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), riffChunk('fmt ', fmtBody(mono16)), riffChunk('LIST', Buffer.alloc(10), 5000)]);
    expect(usageError(() => walk([longList])).message).toMatch(/^WAV file has no data chunk/);
    const noFmt = Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), listChunk()]);
    expect(usageError(() => walk([noFmt])).message).toMatch(/^invalid WAV header: no fmt chunk before the end of input/);
  });

  it('never fails on random bytes with anything but a UsageError, whatever the split', () => {
    const prefix = Buffer.from('RIFF\0\0\0\0WAVE', 'latin1');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.integer({ min: 1, max: 7 }), (bytes, withPrefix, piece) => {
        const input = withPrefix ? Buffer.concat([prefix, Buffer.from(bytes)]) : Buffer.from(bytes);
        try {
          walk(splitEvery(input, [piece]));
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseFmtChunk', () => {
  it('decodes 8/16/24/32-bit PCM and 32/64-bit float', () => {
    for (const bits of [8, 16, 24, 32]) expect(parseFmtChunk(fmtBody({ ...mono16, bitsPerSample: bits })).bitsPerSample).toBe(bits);
    for (const bits of [32, 64]) expect(parseFmtChunk(fmtBody({ ...mono16, bitsPerSample: bits, encoding: 'float' })).encoding).toBe('float');
  });
});

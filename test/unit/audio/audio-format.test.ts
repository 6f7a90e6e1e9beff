import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { identifyAudio } from '../../../src/audio/audio-format.js';
import { openAudioInput } from '../../../src/audio/audio-input.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { buildWav, pieces, sine, splitEvery, tempDir } from '../../helpers/wav.js';
import { exitCodeFor } from '../../../src/cli/exit.js';

const tmp = tempDir('clova-format-');
afterAll(() => tmp.remove());
const has = (program: string) => spawnSync(program, ['--version'], { stdio: 'ignore' }).error === undefined;

/** A real file of `ext` made from a one-second 16 kHz tone by `program` (lame or sox). */
function encoded(ext: string, program: 'lame' | 'sox', extra: string[] = []): Buffer {
  const wav = tmp.path(`tone-${ext}-${extra.length}.wav`);
  writeFileSync(wav, buildWav({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, [sine(440, 1, 16000, 0.4)]));
  const out = tmp.path(`tone-${extra.length}.${ext}`);
  execFileSync(program, program === 'lame' ? ['--quiet', ...extra, wav, out] : [wav, out], { stdio: 'ignore' });
  return readFileSync(out);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const e = await promise.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(UsageError);
  expect(exitCodeFor(e)).toBe(2);
  expect((e as UsageError).message).not.toContain('\n');
  return (e as UsageError).message;
}

const describeOf = (b: Buffer, strict = false) => {
  const r = identifyAudio(b, { strict });
  return r.kind === 'foreign' ? r.format.description : r.kind;
};

describe('identifyAudio: formats other than WAV by their first bytes', () => {
  it.skipIf(!has('lame'))('MP3 from lame, with an ID3 tag and without (bare frames, also in strict mode)', () => {
    const bare = encoded('mp3', 'lame');
    expect(bare[0]).toBe(0xff); // no tag: the file starts with a frame
    expect(describeOf(bare)).toBe('an MP3 file');
    expect(describeOf(bare, true)).toBe('an MP3 file');
    const tagged = encoded('mp3', 'lame', ['--add-id3v2', '--tt', 'tone']);
    expect(tagged.toString('latin1', 0, 3)).toBe('ID3');
    expect(describeOf(tagged, true)).toBe('an MP3 file');
  });

  it.skipIf(!has('sox'))('FLAC, Ogg Vorbis and AIFF from sox', () => {
    expect(describeOf(encoded('flac', 'sox'), true)).toBe('a FLAC file');
    expect(describeOf(encoded('ogg', 'sox'), true)).toBe('an Ogg Vorbis file');
    expect(describeOf(encoded('aiff', 'sox'), true)).toBe('an AIFF file');
  });

  it('formats with no encoder here, by their magic bytes', () => {
    const at4 = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from(`ftyp${brand}\0\0\0\0`, 'latin1')]);
    expect(describeOf(at4('M4A '))).toBe('an M4A (AAC) file');
    expect(describeOf(at4('isom'))).toBe('an MP4 file');
    expect(describeOf(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]))).toBe('a WebM/Matroska file');
    expect(describeOf(Buffer.from('OggS\0\x02' + '\0'.repeat(22) + 'OpusHead\x01\x01', 'latin1'))).toBe('an Ogg Opus file');
    expect(describeOf(Buffer.from('FORM\0\0\0\x20AIFCFVER', 'latin1'))).toBe('an AIFF file');
    expect(describeOf(Buffer.from('RIFF\x24\0\0\0WAVEfmt ', 'latin1'))).toBe('wav');
    expect(describeOf(Buffer.from('hello, this is not audio at all'))).toBe('unknown');
    expect(describeOf(Buffer.alloc(0))).toBe('unknown');
  });

  it('strict (--raw): L16 that happens to start with an MPEG sync is samples, not an MP3', () => {
    // A first sample of -1025 is 0xFF 0xFB little-endian: an MPEG-1 layer III sync with a valid header here.
    const samples = Buffer.alloc(8000);
    samples.writeInt16LE(-1025, 0);
    samples[2] = 0x90; // bitrate 128 kbps, 44.1 kHz
    for (let i = 4; i < samples.length; i += 2) samples.writeInt16LE(Math.round(Math.sin(i / 7) * 3000), i);
    expect(describeOf(samples)).toBe('an MP3 file'); // without --raw it is not WAV either way: only the message differs
    expect(describeOf(samples, true)).toBe('unknown');
  });
});

describe('openAudioInput refuses them with the commands that convert them', () => {
  it.skipIf(!has('lame'))('an MP3 file, with or without --raw, names the file in ffmpeg and sox commands', async () => {
    const path = tmp.path('my song.mp3');
    writeFileSync(path, encoded('mp3', 'lame'));
    const line = await refusal(openAudioInput(path));
    const q = `'${path}'`;
    const out = `'${tmp.path('my song.wav')}'`;
    expect(line).toBe(`${path} is an MP3 file, not WAV; convert it: ffmpeg -i ${q} -ar 16000 -ac 1 ${out} or sox ${q} -r 16000 -c 1 -b 16 ${out}`);
    expect(await refusal(openAudioInput(path, { raw: true }))).toBe(line);
  });

  it.skipIf(!has('lame'))('an MP3 named .wav is converted to another name, not over itself', async () => {
    const path = tmp.path('speech.wav');
    writeFileSync(path, encoded('mp3', 'lame'));
    expect(await refusal(openAudioInput(path))).toContain(`-ac 1 ${tmp.path('speech-16k.wav')}`);
  });

  it.skipIf(!has('lame'))('on standard input, whatever the chunking, says how to convert on the way', async () => {
    const mp3 = encoded('mp3', 'lame');
    for (const sizes of [[65536], [1], [3, 5, 7]]) {
      const line = await refusal(openAudioInput('-', { stdin: pieces(splitEvery(mp3, sizes)) as unknown as NodeJS.ReadableStream }));
      expect(line).toBe(
        'standard input is an MP3 file, not WAV; convert it on the way: … | ffmpeg -i - -ar 16000 -ac 1 -f wav - | clova-cli recognize -' +
          ' or … | sox -t mp3 - -r 16000 -c 1 -b 16 -t wav - | clova-cli recognize -',
      );
    }
  });

  it('an M4A offers ffmpeg only (sox cannot read it)', async () => {
    const path = tmp.path('memo.m4a');
    writeFileSync(path, Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypM4A \0\0\0\0isomM4A mp42', 'latin1'), Buffer.alloc(4000)]));
    expect(await refusal(openAudioInput(path))).toBe(`${path} is an M4A (AAC) file, not WAV; convert it: ffmpeg -i ${path} -ar 16000 -ac 1 ${tmp.path('memo.wav')}`);
  });
});

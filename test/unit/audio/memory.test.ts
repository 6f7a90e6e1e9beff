import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { openAudioStream } from '../../../src/audio/audio-input.js';
import { chunkPcm } from '../../../src/audio/chunker.js';
import { lazyToneWav } from '../../helpers/wav.js';

// A full collection before each sample makes the numbers mean "what is still referenced".
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes still referenced: heap plus Buffer memory, after a full collection has really finished. */
async function liveBytes(): Promise<number> {
  gc();
  // ArrayBuffer memory is released by a background sweeper after the collection: let it finish.
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Streams `seconds` of a lazily generated WAV through open → pcm → chunkPcm and samples live
 * memory after 10 % and at the end: if anything buffered the stream, the growth would be
 * proportional to the input (tens of MB here).
 */
async function measure(sampleRate: number, seconds: number, retain?: Buffer[]): Promise<{ growth: number; inputBytes: number; rss: number; outSeconds: number }> {
  const source = lazyToneWav({ seconds, sampleRate, channels: 2 });
  const input = await openAudioStream(source, { name: 'generated' });
  const expectedOut = Math.round(seconds * 16000) * 2;
  let out = 0;
  let early: number | undefined;
  for await (const part of chunkPcm(input.pcm)) {
    out += part.length;
    retain?.push(part);
    if (early === undefined && out >= expectedOut / 10) early = await liveBytes();
  }
  const growth = (await liveBytes()) - early!;
  return { growth, inputBytes: seconds * sampleRate * 4, rss: process.memoryUsage().rss, outSeconds: out / 32000 };
}

describe('memory stays flat however long the input', () => {
  // CLOVA_AUDIO_MEMORY_SECONDS=900 runs the long version (15 min of 44.1 kHz stereo takes ~40 s).
  const resampledSeconds = Number(process.env.CLOVA_AUDIO_MEMORY_SECONDS ?? 40);

  it('10 minutes of 16 kHz stereo (decode + downmix path)', async () => {
    const r = await measure(16000, 600);
    expect(r.outSeconds).toBe(600);
    console.log(`16 kHz stereo 600 s: input ${(r.inputBytes / 1e6).toFixed(1)} MB, live growth ${(r.growth / 1e6).toFixed(2)} MB, rss ${(r.rss / 1e6).toFixed(0)} MB`);
    expect(r.growth).toBeLessThan(1e6);
  });

  it('the measurement notices buffering (control: keeping every part)', async () => {
    const kept: Buffer[] = [];
    const r = await measure(16000, 120, kept);
    // 90 % of 120 s of L16 kept after the first sample: 3.5 MB.
    expect(r.growth).toBeGreaterThan(0.7 * 0.9 * 120 * 32000);
  });

  it(`${resampledSeconds} s of 44.1 kHz stereo (resampling path)`, async () => {
    const r = await measure(44100, resampledSeconds);
    expect(r.outSeconds).toBe(resampledSeconds);
    console.log(
      `44.1 kHz stereo ${resampledSeconds} s: input ${(r.inputBytes / 1e6).toFixed(1)} MB, live growth ${(r.growth / 1e6).toFixed(2)} MB, rss ${(r.rss / 1e6).toFixed(0)} MB`,
    );
    expect(r.growth).toBeLessThan(1e6);
  }, 300_000);
});

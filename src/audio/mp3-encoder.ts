import { Mp3Encoder } from '@breezystack/lamejs';

/**
 * Encodes 16-bit mono PCM as MP3 (lamejs, in process: no native build, no program to find).
 * `sampleRate` 16000, 22050 or 24000 gives MPEG-2 Layer III, 32000 and up MPEG-1. lamejs costs a
 * few hundred ms until V8 has optimised it: encode once and keep the result.
 */
export function encodeMp3(pcm: Int16Array, sampleRate: number, kbps: number): Buffer {
  const encoder = new Mp3Encoder(1, sampleRate, kbps);
  const head = encoder.encodeBuffer(pcm);
  const tail = encoder.flush();
  return Buffer.concat([Buffer.from(head.buffer, head.byteOffset, head.byteLength), Buffer.from(tail)]);
}

/**
 * encodeMp3, one second of audio per turn of the event loop: a long piece does not hold up
 * everything else the process does (the emulator may run inside the client).
 */
export async function encodeMp3InSteps(pcm: Int16Array, sampleRate: number, kbps: number): Promise<Buffer> {
  const encoder = new Mp3Encoder(1, sampleRate, kbps);
  const out: Buffer[] = [];
  for (let off = 0; off < pcm.length; off += sampleRate) {
    // Copied: lamejs hands back a view of its own buffer, which the next call overwrites.
    const part = encoder.encodeBuffer(pcm.subarray(off, off + sampleRate));
    out.push(Buffer.from(Buffer.from(part.buffer, part.byteOffset, part.byteLength)));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  out.push(Buffer.from(encoder.flush()));
  return Buffer.concat(out);
}

/** The device's own notification sound, generated (no audio file ships with the package). */

const RATE = 22050;
const KBPS = 48;
/** Two soft bell tones (E6, then A6), each with a quick attack and an exponential decay. */
const NOTES: ReadonlyArray<{ hz: number; at: number; seconds: number }> = [
  { hz: 1318.5, at: 0, seconds: 0.35 },
  { hz: 1760, at: 0.12, seconds: 0.45 },
];

let cached: Promise<Buffer> | undefined;

/** The notification chime as MP3 (about 0.6 s; made once per process, on first use). */
export function notificationChime(): Promise<Buffer> {
  cached ??= encode(chimePcm());
  return cached;
}

/** The chime's samples: 16-bit mono at 22,050 Hz. */
export function chimePcm(): Int16Array {
  const length = Math.ceil(RATE * Math.max(...NOTES.map((n) => n.at + n.seconds)));
  const mix = new Float32Array(length);
  for (const n of NOTES) {
    const start = Math.round(n.at * RATE);
    const count = Math.round(n.seconds * RATE);
    for (let i = 0; i < count && start + i < length; i++) {
      const t = i / RATE;
      const envelope = Math.min(1, t / 0.004) * Math.exp(-t * 9);
      // A bell: the fundamental and a quieter inharmonic partial.
      mix[start + i]! += envelope * (0.8 * Math.sin(2 * Math.PI * n.hz * t) + 0.2 * Math.sin(2 * Math.PI * n.hz * 2.76 * t));
    }
  }
  const pcm = new Int16Array(length);
  for (let i = 0; i < length; i++) pcm[i] = Math.round(Math.max(-1, Math.min(1, mix[i]! * 0.45)) * 32767);
  return pcm;
}

async function encode(pcm: Int16Array): Promise<Buffer> {
  // lamejs is loaded only when a chime is first needed (a few hundred ms to warm up).
  const { Mp3Encoder } = await import('@breezystack/lamejs');
  const encoder = new Mp3Encoder(1, RATE, KBPS);
  const head = encoder.encodeBuffer(pcm);
  const tail = encoder.flush();
  return Buffer.concat([Buffer.from(head.buffer, head.byteOffset, head.byteLength), Buffer.from(tail)]);
}

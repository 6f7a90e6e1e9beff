// Generated L16 16 kHz mono audio for the voice tests (no binary fixtures in the repository).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const RATE = 16000;
export const BYTES_PER_MS = 32;

/** `ms` of a sine tone at `hz` with peak `amplitude` (RMS = amplitude / sqrt 2). */
export function tone(ms: number, hz = 440, amplitude = 8000): Buffer {
  const n = Math.round((ms * RATE) / 1000);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / RATE)), i * 2);
  return b;
}

/** `ms` of digital silence. */
export function silence(ms: number): Buffer {
  return Buffer.alloc(Math.round((ms * RATE) / 1000) * 2);
}

/** Cuts `b` into pieces of `size` bytes (the last may be shorter). */
export function pieces(b: Buffer, size = 6400): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/** True when pocketsphinx, its en-us model, espeak-ng and sox are all installed. */
export const canRecognise =
  spawnSync('sh', ['-c', 'command -v pocketsphinx_continuous && command -v espeak-ng && command -v sox'], { stdio: 'ignore' }).status === 0 &&
  existsSync('/usr/share/pocketsphinx/model/en-us/en-us/mdef') &&
  existsSync('/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict');

/** English speech from espeak-ng as L16 16 kHz mono (generated in a temp dir, removed again). */
export function espeak(text: string): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'clova-test-speech-'));
  try {
    const wav = path.join(dir, 'speech.wav');
    const raw = path.join(dir, 'speech.raw');
    const say = spawnSync('espeak-ng', ['-v', 'en', '-w', wav, text]);
    if (say.status !== 0) throw new Error(`espeak-ng failed: ${say.stderr.toString()}`);
    const conv = spawnSync('sox', ['-D', wav, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-t', 'raw', raw]);
    if (conv.status !== 0) throw new Error(`sox failed: ${conv.stderr.toString()}`);
    return readFileSync(raw);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

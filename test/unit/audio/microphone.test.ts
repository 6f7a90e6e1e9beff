import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMicrophone, RecorderError, recorderFailure, type Microphone, type RecorderBackend } from '../../../src/audio/microphone.js';
import { WavHeaderStripper } from '../../../src/audio/wav-header-stripper.js';
import { ClovaError, UsageError } from '../../../src/protocol/errors.js';
import { ALSA_SYSTEM_CONFIG, alsaCaptureEnv, pacedFifo, processExists } from '../../helpers/alsa.js';
import { ExitCode, exitCodeFor } from '../../../src/cli/exit.js';

let dir: string;
/** espeak-ng speech as L16 16 kHz mono, padded to whole 4000-byte ALSA periods. */
let speech: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clova-mic-test-'));
  const wav = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', 'en', '-w', wav, 'what is the weather today']);
  const raw = execFileSync('sox', [wav, '-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-']);
  speech = Buffer.concat([raw, Buffer.alloc((4000 - (raw.length % 4000)) % 4000)]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 440 Hz tone, `seconds` long, at about -12 dBFS. */
function tone(seconds: number): Buffer {
  const n = Math.round(seconds * 16000);
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), i * 2);
  return buf;
}

/** Collects pcm until it ends; `done` resolves with the bytes, or with the error it threw; `bytes()` counts so far. */
function collect(mic: Microphone): { done: Promise<{ pcm: Buffer; error?: unknown }>; bytes(): number } {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const done = (async () => {
    try {
      for await (const c of mic.pcm) {
        chunks.push(c);
        bytes += c.length;
      }
      return { pcm: Buffer.concat(chunks) };
    } catch (error) {
      return { pcm: Buffer.concat(chunks), error };
    }
  })();
  return { done, bytes: () => bytes };
}

/** An empty directory to use as PATH: no recorder anywhere. */
function emptyPath(): string {
  return mkdtempSync(join(dir, 'empty-path-'));
}

const backends: RecorderBackend[] = ['lpcm16', 'mic'];

describe.each(backends)('openMicrophone, backend %s (real arecord through the ALSA file plugin)', (backend) => {
  it('captures the fixture byte for byte (no WAV header) and stop() ends pcm, then the recorder is gone', async () => {
    const fifo = pacedFifo(speech);
    try {
      const mic = await openMicrophone({ backend, env: { ...process.env, ...alsaCaptureEnv(fifo.path) } });
      expect(mic.description).toBe(`arecord -D default (${backend === 'mic' ? 'mic' : 'node-record-lpcm16'})`);
      expect(mic.pid).toBeGreaterThan(0);
      const collecting = collect(mic);
      expect(await fifo.done).toBe(speech.length);
      // The last period is in the pipe: wait until it came through, then stop.
      await waitFor(() => collecting.bytes() >= speech.length, 2000);
      const stoppedAt = Date.now();
      mic.stop();
      mic.stop(); // idempotent
      const { pcm, error } = await collecting.done;
      expect(Date.now() - stoppedAt).toBeLessThan(1000);
      expect(error).toBeUndefined();
      expect(pcm.subarray(0, 4).toString('latin1')).not.toBe('RIFF');
      expect(pcm.length).toBe(speech.length);
      expect(pcm.equals(speech)).toBe(true);
      // Blocked in a read of the idle FIFO, arecord ignores SIGTERM: the SIGKILL after 0.5 s ends it.
      await mic.exited;
      expect(Date.now() - stoppedAt).toBeLessThan(1500);
      expect(processExists(mic.pid!)).toBe(false);
    } finally {
      fifo.close();
    }
  });

  it('stops promptly while audio is still flowing (arecord exits 1 on our SIGTERM: not an error)', async () => {
    const audio = tone(10);
    const fifo = pacedFifo(audio);
    try {
      const mic = await openMicrophone({ backend, device: 'default', env: { ...process.env, ...alsaCaptureEnv(fifo.path) } });
      const collecting = collect(mic);
      await fifo.opened;
      await sleep(600);
      const stoppedAt = Date.now();
      mic.stop();
      const { pcm, error } = await collecting.done;
      expect(error).toBeUndefined();
      expect(Date.now() - stoppedAt).toBeLessThan(1000);
      await mic.exited;
      // SIGTERM did it (measured: about 65 ms; at most one 125 ms period), not the SIGKILL at 0.5 s.
      expect(Date.now() - stoppedAt).toBeLessThan(450);
      expect(processExists(mic.pid!)).toBe(false);
      expect(pcm.length).toBeGreaterThan(0);
      expect(pcm.length % 2).toBe(0);
      expect(pcm.equals(audio.subarray(0, pcm.length))).toBe(true);
    } finally {
      fifo.close();
    }
  });

  it('leaving the for-await loop early stops the recorder', async () => {
    const fifo = pacedFifo(tone(10), { intervalMs: 50 });
    try {
      const mic = await openMicrophone({ backend, env: { ...process.env, ...alsaCaptureEnv(fifo.path) } });
      let chunks = 0;
      for await (const chunk of mic.pcm) {
        expect(chunk.length).toBeGreaterThan(0);
        if (++chunks === 3) break;
      }
      await mic.exited;
      expect(processExists(mic.pid!)).toBe(false);
    } finally {
      fifo.close();
    }
  });

  it('a missing arecord is a UsageError naming the package, before anything is spawned', async () => {
    const err = await openMicrophone({ backend, env: { ...process.env, PATH: emptyPath() } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe('arecord not found: install alsa-utils (apt-get install alsa-utils)');
    expect(exitCodeFor(err)).toBe(ExitCode.usage);
  });

  it('a device that does not exist makes pcm throw a UsageError quoting arecord', async () => {
    const mic = await openMicrophone({ backend, device: 'nonexistent', env: { ...process.env, ...alsaCaptureEnv('/dev/null') } });
    const { pcm, error } = await collect(mic).done;
    expect(pcm.length).toBe(0);
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toContain('cannot open capture device "nonexistent"');
    expect(message).toContain('Unknown PCM nonexistent');
    expect(message).toContain('audio open error');
    expect(message).toContain('--device');
    expect(message).not.toContain('\n');
    mic.stop(); // harmless after a failure
  });

  it('a default device that cannot be opened is a RecorderError (exit 2: the audio setup needs fixing) saying so', async () => {
    const conf = join(dir, `no-card-${backend}.conf`);
    writeFileSync(conf, 'pcm.!default { type hw card 99 }\n');
    const mic = await openMicrophone({ backend, env: { ...process.env, ALSA_CONFIG_PATH: `${ALSA_SYSTEM_CONFIG}:${conf}` } });
    const { error } = await collect(mic).done;
    expect(error).toBeInstanceOf(RecorderError);
    expect(exitCodeFor(error)).toBe(ExitCode.usage);
    expect((error as Error).message).toMatch(/^cannot open the default capture device \(arecord: audio open error: .+\): connect a microphone/);
  });

  it('a recorder that cannot even start makes pcm throw instead of crashing the process', async () => {
    // On PATH and executable, but its interpreter does not exist: spawn() fails with ENOENT, which
    // crashes Node unless the ChildProcess has an 'error' listener (mic adds none).
    const bin = mkdtempSync(join(dir, 'broken-bin-'));
    writeFileSync(join(bin, 'arecord'), '#!/nonexistent/interpreter\n');
    chmodSync(join(bin, 'arecord'), 0o755);
    const mic = await openMicrophone({ backend, env: { ...process.env, PATH: bin } });
    const { error } = await collect(mic).done;
    expect(error).toBeInstanceOf(RecorderError);
    expect((error as Error).message).toMatch(/^cannot start arecord: .*ENOENT/);
    await mic.exited;
  });
});

describe('openMicrophone options', () => {
  it('on macOS the recorder is rec, from sox', async () => {
    const err = await openMicrophone({ platform: 'darwin', env: { PATH: emptyPath() } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe('rec not found: install sox (brew install sox)');
  });

  it('rejects an unknown backend and an empty device', async () => {
    await expect(openMicrophone({ backend: 'sox' as RecorderBackend })).rejects.toThrow(/--recorder must be lpcm16 or mic/);
    await expect(openMicrophone({ device: ' ' })).rejects.toBeInstanceOf(UsageError);
  });
});

describe('WavHeaderStripper', () => {
  function wavHeader(extraChunk?: Buffer, fmt = { channels: 1, rate: 16000, bits: 16 }): Buffer {
    const f = Buffer.alloc(24);
    f.write('fmt ', 0, 'latin1');
    f.writeUInt32LE(16, 4);
    f.writeUInt16LE(1, 8);
    f.writeUInt16LE(fmt.channels, 10);
    f.writeUInt32LE(fmt.rate, 12);
    f.writeUInt32LE((fmt.rate * fmt.channels * fmt.bits) / 8, 16);
    f.writeUInt16LE((fmt.channels * fmt.bits) / 8, 20);
    f.writeUInt16LE(fmt.bits, 22);
    const data = Buffer.from('data\xff\xff\xff\x7f', 'latin1'); // arecord's "unknown length" to a pipe
    const riff = Buffer.from('RIFF\x24\x00\x00\x80WAVE', 'latin1');
    return Buffer.concat([riff, f, ...(extraChunk ? [extraChunk] : []), data]);
  }
  const pcm = tone(0.05);

  it('removes the standard 44-byte header however the bytes are split', () => {
    const stream = Buffer.concat([wavHeader(), pcm]);
    expect(wavHeader().length).toBe(44);
    for (let cut = 0; cut <= 60; cut++) {
      const s = new WavHeaderStripper();
      const out = [s.push(stream.subarray(0, cut)), s.push(stream.subarray(cut))].filter((b): b is Buffer => b !== undefined);
      expect(Buffer.concat(out).equals(pcm)).toBe(true);
    }
    const bytewise = new WavHeaderStripper();
    const out: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const b = bytewise.push(stream.subarray(i, i + 1));
      if (b) out.push(b);
    }
    expect(Buffer.concat(out).equals(pcm.subarray(0, 200 - 44))).toBe(true);
  });

  it('walks to the data chunk past other chunks (odd sizes padded)', () => {
    const list = Buffer.concat([Buffer.from('LIST\x05\x00\x00\x00abcde\x00', 'latin1')]);
    const s = new WavHeaderStripper();
    expect(s.push(Buffer.concat([wavHeader(list), pcm]))!.equals(pcm)).toBe(true);
  });

  it('passes a stream without RIFF through untouched', () => {
    const s = new WavHeaderStripper();
    expect(s.push(pcm.subarray(0, 6))!.equals(pcm.subarray(0, 6))).toBe(true);
    expect(s.push(pcm.subarray(6))!.equals(pcm.subarray(6))).toBe(true);
  });

  it('refuses audio in another format', () => {
    const s = new WavHeaderStripper();
    expect(() => s.push(wavHeader(undefined, { channels: 2, rate: 44100, bits: 16 }))).toThrow(RecorderError);
  });
});

describe('recorderFailure', () => {
  const badDevice = [
    'ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM hw:7',
    'arecord: main:831: audio open error: No such file or directory',
  ].join('\n');

  it('a chosen device that cannot be opened is a usage error with the tidied stderr lines', () => {
    const err = recorderFailure({ program: 'arecord', device: 'hw:7', code: 1, signal: null, stderr: badDevice });
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      'cannot open capture device "hw:7" (Unknown PCM hw:7; arecord: audio open error: No such file or directory): list devices with `clova-cli devices` and pass one with --device',
    );
  });

  it('anything else is a RecorderError with the exit status and the last lines', () => {
    const err = recorderFailure({ program: 'arecord', device: 'default', code: null, signal: 'SIGSEGV', stderr: 'overrun!!!\n' });
    expect(err).toBeInstanceOf(RecorderError);
    expect(err).toBeInstanceOf(ClovaError);
    expect(err.message).toBe('arecord stopped unexpectedly (signal SIGSEGV): overrun!!!');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(20);
  }
}

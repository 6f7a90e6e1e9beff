import { spawn, type ChildProcess } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { finished, type Readable } from 'node:stream';
import createMic from 'mic';
import lpcm16 from 'node-record-lpcm16';
import { L16_BITS_PER_SAMPLE, L16_CHANNELS, L16_SAMPLE_RATE } from '../protocol/audio-format.js';
import { UsageError, type ClovaError } from '../protocol/errors.js';
import { withoutSecrets } from '../protocol/redact.js';
import { PcmQueue } from './pcm-queue.js';
import { requireProgram } from './programs.js';
import { RecorderError } from './recorder-error.js';
import { WavHeaderStripper } from './wav-header-stripper.js';

export type RecorderBackend = 'lpcm16' | 'mic';

export interface MicrophoneOptions {
  /** Which npm package drives the recorder program (default 'lpcm16', i.e. node-record-lpcm16). */
  backend?: RecorderBackend;
  /** Capture device: arecord's -D on Linux, AUDIODEV for rec on macOS (default 'default'). */
  device?: string;
  /** Environment of the recorder process (PATH is also where it is looked for); secret CLOVA_ variables are always left out. */
  env?: NodeJS.ProcessEnv;
  /** Decides arecord (Linux) or rec (macOS) for lpcm16; the mic package always follows the real OS. */
  platform?: NodeJS.Platform;
}

export interface Microphone {
  /** L16 16 kHz mono LE as captured (WAV header stripped for mic); ends after stop(). Single consumer. */
  readonly pcm: AsyncIterable<Buffer>;
  /** Normal stop (Enter, StopCapture, max seconds): stops the recorder; pcm ends; arecord's exit 1 after our own SIGTERM is not an error. Idempotent. */
  stop(): void;
  /** Ctrl-C: the audio is discarded, so the recorder is killed at once (SIGKILL), not given SIGTERM's grace; pcm ends. Idempotent. */
  abort(): void;
  /** A description like "arecord -D default (node-record-lpcm16)". */
  readonly description: string;
  /** Process id of the recorder (undefined if it could not be spawned). */
  readonly pid: number | undefined;
  /** Resolves once the recorder process has exited (at most ~0.5 s after stop(), SIGKILL if needed); never rejects. */
  readonly exited: Promise<void>;
}

// What openMicrophone's pcm throws; declared in its own file, which devices.ts shares.
export { RecorderError };

/** Grace between SIGTERM and SIGKILL: arecord blocked in a read (a FIFO, a stuck driver) ignores SIGTERM. */
const KILL_AFTER_MS = 500;

/** Checks the recorder program exists BEFORE anything else happens (UsageError, exit 2, naming the package to install) and starts capturing; a recorder that dies on its own makes pcm throw (UsageError for a bad --device, else RecorderError). */
export async function openMicrophone(options: MicrophoneOptions = {}): Promise<Microphone> {
  const backend = options.backend ?? 'lpcm16';
  if (backend !== 'lpcm16' && backend !== 'mic') {
    throw new UsageError(`--recorder must be lpcm16 or mic (got "${String(backend)}")`);
  }
  const device = options.device ?? 'default';
  if (device.trim() === '') throw new UsageError('--device is empty: pass a device name (see `clova-cli devices`) or leave it out');
  const platform = backend === 'mic' ? process.platform : (options.platform ?? process.platform);
  const program = recorderProgram(platform);
  const baseEnv = options.env ?? process.env;
  requireProgram(program, { env: baseEnv, platform });

  // arecord takes the device as -D; sox and rec read it from AUDIODEV. The recorder never gets the token.
  const env = withoutSecrets(program !== 'arecord' && device !== 'default' ? { ...baseEnv, AUDIODEV: device } : baseEnv);
  const handle = backend === 'mic' ? startMic(device, env) : startLpcm16(program, device, env);
  const where = program === 'arecord' ? `arecord -D ${device}` : device === 'default' ? program : `${program}, AUDIODEV=${device}`;
  return new RecorderSession(handle, {
    program,
    device,
    env,
    description: `${where} (${backend === 'mic' ? 'mic' : 'node-record-lpcm16'})`,
  });
}

function recorderProgram(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'rec';
  if (platform === 'win32') return 'sox';
  return 'arecord';
}

/** What the two backends have in common once started. */
interface RecorderHandle {
  child: ChildProcess;
  /** The audio bytes (for mic still with the WAV header arecord writes). */
  source: Readable;
  /** The library's own stop (SIGTERM). */
  stop(): void;
  /** Whether stderr reaches us (mic discards it). */
  hasStderr: boolean;
  /** Whether the audio may start with a WAV header (mic's arecord gets no -t). */
  wav: boolean;
}

/**
 * Neither package passes an environment to its spawn(), and both spawn synchronously, so the
 * environment is swapped only for that synchronous call (child_process reads process.env then).
 */
function withSpawnEnv<T>(env: NodeJS.ProcessEnv, fn: () => T): T {
  if (env === process.env) return fn();
  const saved = process.env;
  process.env = env;
  try {
    return fn();
  } finally {
    process.env = saved;
  }
}

function startLpcm16(program: string, device: string, env: NodeJS.ProcessEnv): RecorderHandle {
  const recorder = program as 'arecord' | 'rec' | 'sox';
  const rec = withSpawnEnv(env, () =>
    lpcm16.record({
      sampleRate: L16_SAMPLE_RATE,
      channels: L16_CHANNELS,
      recorder,
      audioType: 'raw',
      // For sox the package sets AUDIODEV itself from `device`; we already put it in env.
      device: recorder === 'arecord' ? device : null,
    }),
  );
  // Without these two listeners a spawn failure, or its string 'error' on any non-zero exit, kills the process.
  rec.process.on('error', () => {});
  const source = rec.stream();
  source.on('error', () => {});
  return { child: rec.process, source, stop: () => rec.stop(), hasStderr: true, wav: false };
}

function startMic(device: string, env: NodeJS.ProcessEnv): RecorderHandle {
  const m = createMic({
    rate: String(L16_SAMPLE_RATE),
    channels: String(L16_CHANNELS),
    bitwidth: String(L16_BITS_PER_SAMPLE),
    encoding: 'signed-integer',
    endian: 'little',
    device,
    fileType: 'raw',
  });
  // mic keeps its child private and listens to no 'error' on it; the child_process diagnostics
  // channel hands us the ChildProcess during the synchronous start() so we can guard it.
  let child: ChildProcess | undefined;
  const observe = (message: unknown): void => {
    const spawned = (message as { process?: ChildProcess }).process;
    if (child !== undefined || spawned === undefined) return;
    child = spawned;
    child.on('error', () => {});
  };
  diagnosticsChannel.subscribe('child_process', observe);
  try {
    withSpawnEnv(env, () => m.start());
  } finally {
    diagnosticsChannel.unsubscribe('child_process', observe);
  }
  if (child === undefined) {
    m.stop();
    throw new RecorderError('could not observe the recorder process started by the mic package (needs Node 20+)');
  }
  return { child, source: m.getAudioStream(), stop: () => m.stop(), hasStderr: false, wav: true };
}

interface SessionInfo {
  program: string;
  device: string;
  env: NodeJS.ProcessEnv;
  description: string;
}

class RecorderSession implements Microphone {
  readonly description: string;
  readonly pid: number | undefined;
  readonly exited: Promise<void>;
  readonly pcm: AsyncIterable<Buffer>;
  private readonly queue: PcmQueue;
  private stopped = false;
  private hasExited = false;
  private killTimer: ReturnType<typeof setTimeout> | undefined;
  private stderr = '';
  private spawnError: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly handle: RecorderHandle,
    private readonly info: SessionInfo,
  ) {
    const { child, source } = handle;
    this.description = info.description;
    this.pid = child.pid;
    this.queue = new PcmQueue(
      (paused) => (paused ? source.pause() : source.resume()),
      () => this.stop(),
    );
    this.pcm = { [Symbol.asyncIterator]: () => this.queue };

    const header = handle.wav ? new WavHeaderStripper() : undefined;
    source.on('data', (chunk: Buffer) => {
      if (this.stopped) return;
      try {
        const pcm = header === undefined ? chunk : header.push(chunk);
        if (pcm !== undefined && pcm.length > 0) this.queue.push(pcm);
      } catch (err) {
        this.fail(err as Error);
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      // The last few lines are all an error message needs.
      this.stderr = (this.stderr + d.toString('utf8')).slice(-4096);
    });

    this.exited = new Promise((resolve) => {
      const done = (): void => {
        this.hasExited = true;
        clearTimeout(this.killTimer);
        resolve();
      };
      child.once('exit', done);
      child.once('error', (err: NodeJS.ErrnoException) => {
        this.spawnError = err;
        // A process that failed to spawn never emits 'exit'.
        if (child.pid === undefined) done();
      });
    });

    // Judge an exit we did not ask for only once both the process and its output are finished,
    // so every byte it produced is queued before the error.
    let closed: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let drained = false;
    let judged = false;
    const settle = (): void => {
      if (closed === undefined || !drained || this.stopped || judged) return;
      judged = true;
      void this.unexpectedExit(closed.code, closed.signal);
    };
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      closed = { code, signal };
      settle();
    });
    child.once('error', () => {
      if (child.pid === undefined) {
        closed = { code: null, signal: null };
        drained = true;
        settle();
      }
    });
    finished(source, () => {
      drained = true;
      settle();
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.end();
    if (this.hasExited) return;
    this.handle.stop();
    this.killTimer = setTimeout(() => {
      if (!this.hasExited) this.handle.child.kill('SIGKILL');
    }, KILL_AFTER_MS);
  }

  abort(): void {
    this.stop();
    // arecord handles SIGTERM and SIGINT by finishing its current read: up to a period (measured
    // 50-130 ms on a FIFO), or for ever on a stuck driver.
    if (!this.hasExited) this.handle.child.kill('SIGKILL');
  }

  private fail(err: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.fail(err);
    if (!this.hasExited) {
      this.handle.child.kill('SIGKILL');
    }
  }

  private async unexpectedExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const { program, device } = this.info;
    if (this.spawnError !== undefined) {
      // It was on PATH a moment ago: a vanished file or a broken interpreter line, not a missing package.
      const e = this.spawnError;
      this.fail(new RecorderError(`cannot start ${program}: ${e.message}`, 'E_RECORDER', { cause: e }));
      return;
    }
    if (code === 0) {
      // A recorder that ends by itself (end of an input file) simply ends the audio.
      this.stopped = true;
      this.queue.end();
      return;
    }
    let stderr = this.stderr;
    if (!this.handle.hasStderr && program === 'arecord') stderr = await probeArecord(device, this.info.env);
    if (this.stopped) return;
    this.fail(recorderFailure({ program, device, code, signal, stderr }));
  }
}

/** Turns a recorder's exit and stderr into a one-line error: UsageError when a chosen device cannot be opened. */
export function recorderFailure(f: {
  program: string;
  device: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}): ClovaError {
  const lines = f.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const openLine = /audio open error|Unknown PCM|can't open|cannot open|No such device|resource busy|cannot find card/i;
  const openLines = lines.filter((l) => openLine.test(l));
  const detail = (openLines.length > 0 ? openLines : lines.slice(-2)).map(tidyStderrLine).join('; ');
  if (openLines.length > 0 && f.device !== 'default') {
    return new UsageError(
      `cannot open capture device "${f.device}" (${detail}): list devices with \`clova-cli devices\` and pass one with --device`,
      'E_CAPTURE_DEVICE',
    );
  }
  if (openLines.length > 0) {
    return new RecorderError(
      `cannot open the default capture device (${detail}): connect a microphone or pass one with --device (see \`clova-cli devices\`)`,
      'E_CAPTURE_DEVICE',
    );
  }
  const how = f.code !== null ? `exit code ${f.code}` : `signal ${f.signal ?? 'unknown'}`;
  return new RecorderError(`${f.program} stopped unexpectedly (${how})${detail ? `: ${detail}` : ''}`);
}

/** Drops ALSA's source locations: "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM x" → "Unknown PCM x". */
function tidyStderrLine(line: string): string {
  return line.replace(/^ALSA lib \S+:\d+:\([^)]*\)\s*/, '').replace(/^(\w+): \w+:\d+: /, '$1: ');
}

/**
 * The mic package throws arecord's stderr away, so after it fails we open the same device once
 * more, briefly, only to read why.
 */
function probeArecord(device: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('arecord', ['-q', '-D', device, '-t', 'raw', '-f', 'S16_LE', '-r', String(L16_SAMPLE_RATE), '-c', String(L16_CHANNELS), '-d', '1', '/dev/null'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4096)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    const done = (): void => {
      clearTimeout(timer);
      resolve(stderr);
    };
    child.once('error', done);
    child.once('close', done);
  });
}

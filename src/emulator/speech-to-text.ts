import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findProgram } from '../audio/programs.js';
import { withoutSecrets } from '../protocol/redact.js';

/** Where Debian's `pocketsphinx` and `pocketsphinx-en-us` put things. */
const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/** Peak of the noise floor added before decoding (16-bit units). */
const NOISE_FLOOR = 16;

/**
 * A copy of `pcm` (whole samples only) with a faint deterministic noise floor added. Digital
 * silence, which generated audio has and microphones never do, throws pocketsphinx's front end
 * off: measured with espeak-ng phrases, ±16 took the emulator's grammar from 20 to 27 of 27.
 */
export function withNoiseFloor(pcm: Buffer, amplitude = NOISE_FLOOR): Buffer {
  const out = Buffer.alloc(pcm.length & ~1);
  let seed = 0x2545f491;
  for (let i = 0; i < out.length; i += 2) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const noise = Math.round(((seed >>> 8) / 0xffffff) * 2 * amplitude - amplitude);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, pcm.readInt16LE(i) + noise)), i);
  }
  return out;
}

/** How to run the offline recogniser. */
export interface SpeechToTextOptions {
  /** The decoder program, looked up on PATH unless it contains a slash (default pocketsphinx_continuous). */
  binary?: string;
  /** Acoustic model directory (default Debian's en-us model). */
  hmm?: string;
  /** Pronunciation dictionary (default Debian's cmudict-en-us.dict). */
  dict?: string;
  /** A decode running longer than this is killed (default 10000 ms). */
  timeoutMs?: number;
}

/** The JSGF grammar of `phrases` (lowercase words); with `prefixes`, every leading run of words of each phrase too. */
export function jsgfGrammar(phrases: readonly string[], prefixes = false): string {
  const alternatives = new Set<string>();
  for (const phrase of phrases) {
    const words = phrase.trim().toLowerCase().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) continue;
    if (prefixes) for (let n = 1; n < words.length; n++) alternatives.add(words.slice(0, n).join(' '));
    alternatives.add(words.join(' '));
  }
  return `#JSGF V1.0;\ngrammar emulator;\npublic <utterance> = ${[...alternatives].join(' | ')};\n`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Raised when a decode was cancelled; not a failure. */
export class DecodeAbortedError extends Error {
  constructor() {
    super('decode cancelled');
    this.name = 'DecodeAbortedError';
  }
}

/**
 * Offline speech recognition with pocketsphinx and a JSGF grammar of the phrases it is given (the
 * emulator's own English ones, see voice-settings.ts) (recognition is outside the protocol, U-33; see audio-testing.md). Whether it can run is
 * checked once, on first use. Each decode writes the audio and the grammar to a fresh temp
 * directory, runs `pocketsphinx_continuous` on them and removes the directory.
 */
export class SpeechToText {
  private readonly binary: string;
  private readonly hmm: string;
  private readonly dict: string;
  private readonly timeoutMs: number;
  private readonly fullGrammar: string;
  private readonly prefixGrammar: string;
  private detected: Promise<{ program?: string; missing?: string }> | undefined;

  constructor(phrases: readonly string[], options: SpeechToTextOptions = {}) {
    this.binary = options.binary ?? 'pocketsphinx_continuous';
    this.hmm = options.hmm ?? path.join(MODEL_DIR, 'en-us');
    this.dict = options.dict ?? path.join(MODEL_DIR, 'cmudict-en-us.dict');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fullGrammar = jsgfGrammar(phrases);
    this.prefixGrammar = jsgfGrammar(phrases, true);
  }

  /** Undefined when recognition can run, else a one-line reason (checked once). */
  async unavailable(): Promise<string | undefined> {
    this.detected ??= this.detect();
    return (await this.detected).missing;
  }

  private async detect(): Promise<{ program?: string; missing?: string }> {
    const program = findProgram(this.binary);
    if (!program) return { missing: `${this.binary} is not on PATH` };
    if (!(await exists(path.join(this.hmm, 'mdef')))) return { missing: `no acoustic model in ${this.hmm}` };
    if (!(await exists(this.dict))) return { missing: `no dictionary ${this.dict}` };
    return { program };
  }

  /**
   * The words pocketsphinx hears in `pcm` (L16 16 kHz mono), '' when none. Give it the utterance with
   * little silence around it: its own segmentation loses speech after a second of silence. `partial` decodes against
   * every prefix of the phrases, for interim results of audio that is still arriving. Rejects when
   * recognition is unavailable, the decoder fails or times out, or with DecodeAbortedError on `signal`.
   */
  async decode(pcm: Buffer, opts: { partial?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    this.detected ??= this.detect();
    const { program, missing } = await this.detected;
    if (!program) throw new Error(missing);
    if (opts.signal?.aborted) throw new DecodeAbortedError();
    const dir = await mkdtemp(path.join(tmpdir(), 'clova-emulator-asr-'));
    try {
      const audio = path.join(dir, 'audio.raw');
      const grammar = path.join(dir, opts.partial ? 'prefixes.gram' : 'phrases.gram');
      await writeFile(audio, withNoiseFloor(pcm));
      await writeFile(grammar, opts.partial ? this.prefixGrammar : this.fullGrammar);
      const args = ['-infile', audio, '-hmm', this.hmm, '-dict', this.dict, '-jsgf', grammar, '-logfn', '/dev/null'];
      const stdout = await this.run(program, args, opts.signal);
      // One line per utterance pocketsphinx found in the file.
      return stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .join(' ');
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private run(program: string, args: string[], signal: AbortSignal | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      // In `--emulator` mode this runs inside the client's process: the decoder gets no credential.
      const child = spawn(program, args, { env: withoutSecrets(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let errTail = '';
      let why: Error | undefined;
      const stop = (reason: Error) => {
        why ??= reason;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => stop(new Error(`pocketsphinx took more than ${this.timeoutMs} ms`)), this.timeoutMs);
      const onAbort = () => stop(new DecodeAbortedError());
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (c: Buffer) => out.push(c));
      // Only the last line is reported: keep a tail, not everything a long decode may print.
      child.stderr.on('data', (c: Buffer) => (errTail = (errTail + c.toString('utf8')).slice(-4096)));
      child.on('error', (e) => {
        why ??= e;
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (why) reject(why);
        else if (code !== 0) {
          const detail = errTail.trim().split('\n').at(-1) ?? '';
          reject(new Error(`pocketsphinx exited with ${code ?? sig}${detail ? `: ${detail}` : ''}`));
        } else resolve(Buffer.concat(out).toString('utf8'));
      });
    });
  }
}

import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { ClovaError, UsageError, type PlayerErrorCode } from '../protocol/errors.js';
import { withoutSecrets } from '../protocol/redact.js';
import { requireProgram } from './programs.js';

/** mpg123 reading MP3 on stdin; `-o alsa` matters: without an output module and no sound card it hung and ignored SIGTERM. */
export const DEFAULT_PLAYER = 'mpg123 -q -o alsa -';

/** A sensible default player per platform (macOS has no ALSA: mpg123's CoreAudio module). */
export function defaultPlayer(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' ? 'mpg123 -q -o coreaudio -' : DEFAULT_PLAYER;
}

export interface PlayerOptions {
  /** The player command line, split on whitespace; '…' and "…" quote, \ escapes (default DEFAULT_PLAYER). */
  command?: string;
  /** Environment of the player (PATH is also where it is looked for); secret CLOVA_ variables are always left out. */
  env?: NodeJS.ProcessEnv;
  /** SIGKILL the player when playback takes longer than this (default: from the MP3's size and bitrate, or 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Loudness from 0 (silent) to 1 (as recorded; the default). Applied by the players that take a
   * gain on their command line: mpg123 (`-f`, a scale factor of 32768), sox's `play` (`vol`) and
   * ffplay (`-volume`); any other player plays at its own level (README, "Speech playback").
   */
  gain?: number;
}

/** The player's command line with `gain` applied, for the players that take one (others unchanged). */
export function withGain(name: string, args: string[], gain: number | undefined): string[] {
  if (gain === undefined || !(gain >= 0) || gain >= 1) return args;
  const g = Math.max(0, Math.min(1, gain));
  switch (name) {
    case 'mpg123':
    case 'mpg321':
      return ['-f', String(Math.round(32768 * g)), ...args];
    case 'play':
      return [...args, 'vol', g.toFixed(3)];
    case 'ffplay':
      return ['-volume', String(Math.round(100 * g)), ...args];
    default:
      return args;
  }
}

/** True when `command`'s player applies a gain (see PlayerOptions.gain). */
export function playerTakesGain(command: string): boolean {
  const name = basename(parseCommand(command)[0] ?? '');
  return withGain(name, [], 0.5).length > 0;
}

/** The player failed, or overran its time (code E_PLAYER_TIMEOUT). */
export class PlayerError extends ClovaError {
  declare readonly code: PlayerErrorCode;
  constructor(message: string, code: PlayerErrorCode = 'E_PLAYER', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** Playback was stopped through the AbortSignal (code E_ABORTED; the signal's reason is the cause). */
export class PlaybackAbortedError extends ClovaError {
  constructor(reason?: unknown) {
    super(`playback aborted${reason !== undefined ? `: ${describeReason(reason)}` : ''}`, 'E_ABORTED', {
      cause: reason,
    });
  }
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

const MORE = 'choose another with --player, or pass --no-play';
/** After SIGKILL the exit normally follows at once; this bounds the wait should it not. */
const SETTLE_AFTER_KILL_MS = 1000;
const STREAM_TIMEOUT_MS = 60_000;

/** Splits a command line like a small shell: whitespace separates, '…' is literal, "…" allows \" and \\, \ escapes outside quotes. */
export function parseCommand(command: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && (command[i + 1] === '"' || command[i + 1] === '\\')) current += command[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new UsageError(`--player has an unterminated ${quote} quote: "${command}"`);
  if (inWord) args.push(current);
  return args;
}

/** UsageError (exit 2) when the player program is missing: "mpg123 not found: install mpg123 (apt-get install mpg123), choose another with --player, or pass --no-play". */
export function checkPlayer(command: string = DEFAULT_PLAYER, env: NodeJS.ProcessEnv = process.env): void {
  resolvePlayerCommand(command, env);
}

function resolvePlayerCommand(command: string, env: NodeJS.ProcessEnv): { path: string; name: string; args: string[] } {
  const argv = parseCommand(command);
  const name = argv[0];
  if (name === undefined) throw new UsageError(`--player is empty: give a command that plays MP3 from stdin (default "${DEFAULT_PLAYER}"), or pass --no-play`);
  const path = requireProgram(name, { env, more: MORE });
  return { path, name: basename(name), args: argv.slice(1) };
}

/**
 * Plays MP3 bytes (a stream or a Buffer) by piping them into the player's stdin; resolves when the
 * player exits 0; rejects with PlayerError otherwise, PlaybackAbortedError on abort. The player is
 * SIGKILLed on timeout or abort (a player stuck on a missing device may ignore SIGTERM), so this
 * never hangs. EPIPE on its stdin is ignored: the exit status tells what happened.
 */
export function playMp3(mp3: NodeJS.ReadableStream | Buffer, options: PlayerOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const signal = options.signal;
  let player: { path: string; name: string; args: string[] };
  try {
    player = resolvePlayerCommand(options.command ?? DEFAULT_PLAYER, env);
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted) return Promise.reject(new PlaybackAbortedError(signal.reason));

  return new Promise<void>((resolve, reject) => {
    const child = spawn(player.path, withGain(player.name, player.args, options.gain), { env: withoutSecrets(env), stdio: ['pipe', 'ignore', 'pipe'] });
    const started = Date.now();
    let stderr = '';
    let settled = false;
    let outcome: Error | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settleTimer: ReturnType<typeof setTimeout> | undefined;
    const source = Buffer.isBuffer(mp3) ? undefined : mp3;

    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(settleTimer);
      signal?.removeEventListener('abort', onAbort);
      if (source !== undefined) {
        source.unpipe(child.stdin);
        source.removeListener('error', onSourceError);
        // Drain whatever the player did not take, so a network stream feeding us does not stall.
        source.resume();
      }
      child.stderr.destroy();
      if (err === undefined) resolve();
      else reject(err);
    };
    /** Kills the player and settles with `err` once it has exited (or shortly after, whatever happens). */
    const kill = (err: Error): void => {
      if (settled || outcome !== undefined) return;
      outcome = err;
      clearTimeout(timer);
      child.kill('SIGKILL');
      settleTimer = setTimeout(() => finish(err), SETTLE_AFTER_KILL_MS);
    };
    const onAbort = (): void => kill(new PlaybackAbortedError(signal?.reason));
    const onSourceError = (err: Error): void =>
      kill(new PlayerError(`the audio stream failed while playing: ${err.message}`, 'E_PLAYER', { cause: err }));
    const armTimer = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () => kill(new PlayerError(`${player.name} did not finish within ${formatSeconds(ms)}: killed it (choose another with --player, or pass --no-play)`, 'E_PLAYER_TIMEOUT')),
        Math.max(0, ms),
      );
    };

    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4096)));
    child.stdin.on('error', () => {}); // EPIPE when the player exits before reading everything.
    child.once('error', (err: NodeJS.ErrnoException) => {
      finish(new PlayerError(`cannot start ${player.name}: ${err.message}`, 'E_PLAYER', { cause: err }));
    });
    child.once('exit', (code, sig) => {
      if (outcome !== undefined) return finish(outcome);
      if (code === 0) return finish(undefined);
      const last = lastLine(stderr);
      const how = code !== null ? `exit code ${code}` : `signal ${sig}`;
      finish(new PlayerError(`${player.name} failed (${how})${last ? `: ${last}` : ''}: check --player, or pass --no-play`));
    });
    signal?.addEventListener('abort', onAbort, { once: true });

    if (source === undefined) {
      armTimer(options.timeoutMs ?? timeoutFor(mp3 as Buffer));
      child.stdin.end(mp3);
    } else {
      armTimer(options.timeoutMs ?? STREAM_TIMEOUT_MS);
      if (options.timeoutMs === undefined) {
        // Once the whole stream is known, allow as long as its duration needs if that is more than the default.
        let head: Buffer | undefined = Buffer.alloc(0);
        let total = 0;
        source.on('data', (d: Buffer | string) => {
          const b = typeof d === 'string' ? Buffer.from(d, 'latin1') : d;
          total += b.length;
          if (head !== undefined && head.length < 65536) head = Buffer.concat([head, b]);
        });
        source.once('end', () => {
          if (settled || outcome !== undefined || head === undefined) return;
          const needed = timeoutFor(head, total);
          if (needed > STREAM_TIMEOUT_MS) armTimer(needed - (Date.now() - started));
          head = undefined;
        });
      }
      source.on('error', onSourceError);
      source.pipe(child.stdin);
    }
  });
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Time allowed to play an MP3: 1.5 × its duration + 5 s, at least 10 s; 60 s when it cannot be told. */
export function timeoutFor(mp3: Buffer, totalBytes: number = mp3.length): number {
  const seconds = estimateMp3Seconds(mp3, totalBytes);
  if (seconds === undefined) return STREAM_TIMEOUT_MS;
  return Math.max(10_000, Math.ceil(seconds * 1500) + 5000);
}

const L3_KBPS_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const L3_KBPS_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

/** Duration of an MPEG layer III stream from its first frame's bitrate (exact for CBR, a guess for VBR), or undefined. */
export function estimateMp3Seconds(head: Buffer, totalBytes: number = head.length): number | undefined {
  let offset = 0;
  // An ID3v2 tag: 10-byte header, then a 28-bit "syncsafe" size.
  if (head.length >= 10 && head.toString('latin1', 0, 3) === 'ID3') {
    offset = 10 + (((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f));
  }
  for (let i = offset; i + 4 <= head.length; i++) {
    if (head[i] !== 0xff || (head[i + 1]! & 0xe0) !== 0xe0) continue;
    const version = (head[i + 1]! >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    const layer = (head[i + 1]! >> 1) & 3; // 1 = layer III
    const index = head[i + 2]! >> 4;
    const rateIndex = (head[i + 2]! >> 2) & 3;
    if (version === 1 || layer !== 1 || index === 0 || index === 15 || rateIndex === 3) continue;
    const kbps = (version === 3 ? L3_KBPS_V1 : L3_KBPS_V2)[index]!;
    return ((totalBytes - i) * 8) / (kbps * 1000);
  }
  return undefined;
}

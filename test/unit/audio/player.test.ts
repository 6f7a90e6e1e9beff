import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkPlayer,
  DEFAULT_PLAYER,
  estimateMp3Seconds,
  parseCommand,
  PlaybackAbortedError,
  PlayerError,
  playMp3,
  timeoutFor,
} from '../../../src/audio/player.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { alsaPlaybackEnv, processExists } from '../../helpers/alsa.js';
import { ExitCode, exitCodeFor } from '../../../src/cli/exit.js';

let dir: string;
let mp3Path: string;
let mp3: Buffer;
/** Duration of the speech in the MP3, from the WAV it was made from. */
let seconds: number;
/** A player that ignores SIGTERM and never reads its input, printing its pid first. */
let stubborn: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clova-player-test-'));
  const wav = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', 'en', '-w', wav, 'what is the weather today']);
  seconds = Number(execFileSync('soxi', ['-D', wav]).toString().trim());
  mp3Path = join(dir, 'speech.mp3');
  execFileSync('lame', ['--quiet', '-b', '32', wav, mp3Path]);
  mp3 = readFileSync(mp3Path);
  stubborn = join(dir, 'stubborn.mjs');
  writeFileSync(
    stubborn,
    "import { writeFileSync } from 'node:fs';\n" +
      "process.on('SIGTERM', () => {});\n" +
      'writeFileSync(process.argv[2], String(process.pid));\n' +
      'setInterval(() => {}, 1000);\n',
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command line of the stubborn player, recording its pid in `pidFile`. */
function stubbornCommand(pidFile: string): string {
  return `"${process.execPath}" "${stubborn}" "${pidFile}"`;
}

/** The pid the player wrote; the file can exist a moment before its content does (an empty read is 0: the process group). */
async function pidOf(pidFile: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
    if (Number.isInteger(pid) && pid > 0) return pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no pid in ${pidFile} within 5 s`);
}

describe('playMp3 with real players writing into the ALSA file plugin', () => {
  it('mpg123 (the default) decodes a Buffer: PCM of about the right length comes out', async () => {
    const out = join(dir, 'played-buffer.raw');
    await playMp3(mp3, { env: { ...process.env, ...alsaPlaybackEnv(out) } });
    // espeak-ng speaks at 22.05 kHz mono; mpg123 plays it as S16 at that rate.
    const expected = seconds * 22050 * 2;
    const size = statSync(out).size;
    expect(size).toBeGreaterThan(expected * 0.9);
    expect(size).toBeLessThan(expected * 1.15);
    expect(readFileSync(out).some((b) => b !== 0)).toBe(true);
  });

  it('plays a stream too', async () => {
    const out = join(dir, 'played-stream.raw');
    await playMp3(createReadStream(mp3Path), { command: DEFAULT_PLAYER, env: { ...process.env, ...alsaPlaybackEnv(out) } });
    expect(statSync(out).size).toBeGreaterThan(seconds * 22050 * 2 * 0.9);
  });

  it('--player "play -q -t mp3 -" (sox) works as well', async () => {
    const out = join(dir, 'played-sox.raw');
    await playMp3(mp3, { command: 'play -q -t mp3 -', env: { ...process.env, ...alsaPlaybackEnv(out) } });
    expect(statSync(out).size).toBeGreaterThan(seconds * 22050 * 2 * 0.9);
  });
});

describe('a missing player', () => {
  const noPath = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: mkdtempSync(join(dir, 'empty-path-')) });

  it('checkPlayer throws the UsageError that says what to do', () => {
    let err: unknown;
    try {
      checkPlayer(DEFAULT_PLAYER, noPath());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect(exitCodeFor(err)).toBe(ExitCode.usage);
    expect((err as Error).message).toBe(
      'mpg123 not found: install mpg123 (apt-get install mpg123), choose another with --player, or pass --no-play',
    );
  });

  it('playMp3 rejects with it (and does not throw synchronously)', async () => {
    const playing = playMp3(mp3, { env: noPath() });
    await expect(playing).rejects.toBeInstanceOf(UsageError);
  });

  it('an empty --player is a UsageError too; an installed one passes', () => {
    expect(() => checkPlayer('   ')).toThrow(/--player is empty/);
    expect(() => checkPlayer('mpg123 -q -o alsa -')).not.toThrow();
    expect(() => checkPlayer(`${process.execPath} --version`)).not.toThrow();
  });
});

describe('players that misbehave', () => {
  it('one that hangs and ignores SIGTERM is SIGKILLed after the timeout', async () => {
    const pidFile = join(dir, 'hang.pid');
    const started = Date.now();
    const err = await playMp3(mp3, { command: stubbornCommand(pidFile), timeoutMs: 500 }).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(PlayerError);
    expect((err as PlayerError).code).toBe('E_PLAYER_TIMEOUT');
    expect((err as Error).message).toMatch(/did not finish within 0\.5 s: killed it/);
    expect(took).toBeGreaterThanOrEqual(490);
    expect(took).toBeLessThan(2000);
    expect(processExists(await pidOf(pidFile))).toBe(false);
  });

  it('`sleep 100` is killed after the timeout as well', async () => {
    const started = Date.now();
    await expect(playMp3(mp3, { command: 'sleep 100', timeoutMs: 300 })).rejects.toThrow(/sleep did not finish within 0\.3 s/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('an abort stops it promptly with a PlaybackAbortedError', async () => {
    const pidFile = join(dir, 'abort.pid');
    const abort = new AbortController();
    const playing = playMp3(mp3, { command: stubbornCommand(pidFile), signal: abort.signal }).catch((e: unknown) => e);
    const pid = await pidOf(pidFile);
    const abortedAt = Date.now();
    abort.abort('a newer dialog began');
    const err = await playing;
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(err).toBeInstanceOf(PlaybackAbortedError);
    expect((err as PlaybackAbortedError).code).toBe('E_ABORTED');
    expect((err as Error).message).toBe('playback aborted: a newer dialog began');
    expect(processExists(pid)).toBe(false);
  });

  it('an already aborted signal rejects at once without starting anything', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(playMp3(mp3, { command: 'sleep 100', signal: abort.signal })).rejects.toBeInstanceOf(PlaybackAbortedError);
  });

  it('a player that fails reports its exit code and last stderr line', async () => {
    const err = await playMp3(mp3, { command: `sh -c 'echo "cannot open device" >&2; exit 3'` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlayerError);
    expect((err as Error).message).toBe('sh failed (exit code 3): cannot open device: check --player, or pass --no-play');
  });

  it('mpg123 given something that is not MP3 fails clearly or plays nothing, never hangs', async () => {
    const out = join(dir, 'garbage.raw');
    const result = await playMp3(Buffer.from('definitely not an mp3'), { env: { ...process.env, ...alsaPlaybackEnv(out) }, timeoutMs: 5000 }).then(
      () => 'ok',
      (e: unknown) => e,
    );
    if (result !== 'ok') expect(result).toBeInstanceOf(PlayerError);
  });

  it('a player that exits without reading its input (EPIPE) does not crash anything', async () => {
    const big = Buffer.alloc(4 << 20, 0xff);
    await expect(playMp3(big, { command: 'true' })).resolves.toBeUndefined();
    const stream = new PassThrough();
    const playing = playMp3(stream, { command: 'true' });
    for (let i = 0; i < 64; i++) stream.write(Buffer.alloc(65536, 1));
    await expect(playing).resolves.toBeUndefined();
    // What the player did not take is drained rather than left to stall the source.
    stream.end(Buffer.alloc(65536));
    await new Promise((r) => stream.once('end', r));
  });

  it('a failing input stream kills the player and rejects', async () => {
    const stream = new PassThrough();
    const playing = playMp3(stream, { command: 'sleep 100' });
    stream.write(mp3.subarray(0, 100));
    setTimeout(() => stream.destroy(new Error('stream reset')), 50);
    await expect(playing).rejects.toThrow('the audio stream failed while playing: stream reset');
  });
});

describe('parseCommand', () => {
  it('splits on whitespace and honours quotes and backslashes', () => {
    expect(parseCommand('mpg123 -q -o alsa -')).toEqual(['mpg123', '-q', '-o', 'alsa', '-']);
    expect(parseCommand('  ffplay   -nodisp -autoexit -loglevel error - ')).toEqual(['ffplay', '-nodisp', '-autoexit', '-loglevel', 'error', '-']);
    expect(parseCommand(`"/opt/my player/bin/play" -t 'mp3 x' a\\ b "q\\"uote" ''`)).toEqual([
      '/opt/my player/bin/play',
      '-t',
      'mp3 x',
      'a b',
      'q"uote',
      '',
    ]);
    expect(() => parseCommand('play "unterminated')).toThrow(UsageError);
  });
});

describe('the default timeout', () => {
  it('comes from the MP3 bitrate: 1.5 × duration + 5 s, at least 10 s', () => {
    expect(estimateMp3Seconds(mp3)).toBeGreaterThan(seconds * 0.95);
    expect(estimateMp3Seconds(mp3)).toBeLessThan(seconds * 1.1);
    expect(timeoutFor(mp3)).toBe(10_000);
    // 2 minutes of 32 kbps audio.
    expect(timeoutFor(mp3.subarray(0, 1000), 120 * 4000)).toBeGreaterThan(180_000);
    expect(timeoutFor(Buffer.from('no frames here'))).toBe(60_000);
  });

  it('skips an ID3v2 tag', () => {
    const tag = Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x01\x00', 'latin1'), Buffer.alloc(128, 0xff)]);
    const tagged = Buffer.concat([tag, mp3]);
    expect(estimateMp3Seconds(tagged)).toBeCloseTo(estimateMp3Seconds(mp3)!, 1);
  });
});

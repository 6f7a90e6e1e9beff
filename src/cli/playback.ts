import type { DeviceAudio } from '../client/device/audio.js';
import type { SpeechPlayer } from '../client/speech-queue.js';
import { ClovaError } from '../protocol/errors.js';
import type { PlaybackOptions } from './playback-options.js';

/** The player of a command: speech, and for a session that acts as a device, music and sounds too. */
export interface CliPlayer extends SpeechPlayer {
  /** The same player as the device's audio output (music, notification sounds). */
  device: DeviceAudio;
  /** What it plays besides MP3: `audio/aac` when the player decodes it or ffmpeg can convert it. */
  formats: string[];
}

/** Players that decode AAC themselves (the others get MP3 converted by ffmpeg, when it is installed). */
const AAC_PLAYERS: ReadonlySet<string> = new Set(['ffplay', 'mpv']);

/**
 * Decides whether speech is played and checks the player before anything is sent. `always`: play
 * unless --no-play (a missing player is exit 2). `tty`: play when stdout is a terminal or --player
 * was given; `person`: when stdin or stdout is one, or --player was given; a missing default player
 * then only costs a notice. The player code loads only when
 * speech may be played.
 */
export async function resolvePlayer(
  opts: PlaybackOptions,
  mode: 'always' | 'tty' | 'person',
  notice: (message: string) => void,
): Promise<CliPlayer | undefined> {
  if (opts.play === false) return undefined;
  const explicit = opts.player !== undefined;
  if (mode === 'tty' && !explicit && !process.stdout.isTTY) return undefined;
  if (mode === 'person' && !explicit && !process.stdout.isTTY && !process.stdin.isTTY) return undefined;
  const { checkPlayer, defaultPlayer, parseCommand, playMp3, playerTakesGain } = await import('../audio/player.js');
  const command = opts.player ?? defaultPlayer(process.platform);
  try {
    checkPlayer(command);
  } catch (err) {
    if (mode === 'always' || explicit || !(err instanceof ClovaError)) throw err;
    notice(`speech is not played: ${err.message}`);
    return undefined;
  }
  const name = (parseCommand(command)[0] ?? '').split('/').pop() ?? '';
  const decodesAac = AAC_PLAYERS.has(name);
  const { findFfmpeg } = await import('../audio/transcode.js');
  const ffmpeg = decodesAac ? undefined : findFfmpeg();
  const device: DeviceAudio = {
    takesGain: playerTakesGain(command),
    async play(audio, { signal, gain, timeoutMs, format }) {
      if (format === 'audio/aac' && ffmpeg !== undefined && !Buffer.isBuffer(audio)) {
        const { aacToMp3 } = await import('../audio/transcode.js');
        const { Readable } = await import('node:stream');
        audio = aacToMp3(Readable.from(audio as AsyncIterable<Buffer>), ffmpeg, signal);
      }
      return playMp3(audio, { command, signal, gain, timeoutMs });
    },
  };
  return {
    play: (mp3, signal, o) => playMp3(mp3, { command, signal, gain: o?.gain }),
    device,
    formats: decodesAac || ffmpeg !== undefined ? ['audio/aac'] : [],
  };
}

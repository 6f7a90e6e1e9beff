import type { DeviceAudio } from '../client/device/audio.js';
import type { SpeechPlayer } from '../client/speech-queue.js';
import { ClovaError } from '../protocol/errors.js';
import type { PlaybackOptions } from './playback-options.js';

/** What plays a session's sounds: speech (Speak attachments) and the device's own (bells, music, notification sounds). */
export interface Playback {
  speech?: SpeechPlayer;
  /** The same player, with a gain (the device's volume). */
  audio?: DeviceAudio;
  /** What `audio` plays besides MP3: `audio/aac` when the player decodes it or ffmpeg can convert it. */
  formats?: string[];
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
): Promise<SpeechPlayer | undefined> {
  return (await resolvePlayback(opts, mode, notice)).speech;
}

/** resolvePlayer, and the device's audio output through the same player (empty when nothing is played). */
export async function resolvePlayback(opts: PlaybackOptions, mode: 'always' | 'tty' | 'person', notice: (message: string) => void): Promise<Playback> {
  if (opts.play === false) return {};
  const explicit = opts.player !== undefined;
  if (mode === 'tty' && !explicit && !process.stdout.isTTY) return {};
  if (mode === 'person' && !explicit && !process.stdout.isTTY && !process.stdin.isTTY) return {};
  const { checkPlayer, defaultPlayer, parseCommand, playMp3, playerTakesGain } = await import('../audio/player.js');
  const command = opts.player ?? defaultPlayer(process.platform);
  try {
    checkPlayer(command);
  } catch (err) {
    if (mode === 'always' || explicit || !(err instanceof ClovaError)) throw err;
    notice(`speech is not played: ${err.message}`);
    return {};
  }
  const name = (parseCommand(command)[0] ?? '').split('/').pop() ?? '';
  const decodesAac = AAC_PLAYERS.has(name);
  const { findFfmpeg } = await import('../audio/transcode.js');
  const ffmpeg = decodesAac ? undefined : findFfmpeg();
  return {
    // A gain is given only when the client acts as a device: one-shot commands play at the player's level.
    speech: { play: (mp3, signal, o) => playMp3(mp3, { command, signal, gain: o?.gain }) },
    audio: {
      takesGain: playerTakesGain(command),
      async play(audio, { signal, gain, timeoutMs, format }) {
        if (format === 'audio/aac' && ffmpeg !== undefined && !Buffer.isBuffer(audio)) {
          const { aacToMp3 } = await import('../audio/transcode.js');
          const { Readable } = await import('node:stream');
          audio = aacToMp3(Readable.from(audio as AsyncIterable<Buffer>), ffmpeg, signal);
        }
        return playMp3(audio, { command, signal, gain, timeoutMs });
      },
    },
    formats: decodesAac || ffmpeg !== undefined ? ['audio/aac'] : [],
  };
}

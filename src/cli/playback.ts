import type { DeviceAudio } from '../client/device/audio.js';
import type { SpeechPlayer } from '../client/speech-queue.js';
import { ClovaError } from '../protocol/errors.js';
import type { PlaybackOptions } from './playback-options.js';

/** What plays a session's sounds: speech (Speak attachments) and the device's own (alert bells). */
export interface Playback {
  speech?: SpeechPlayer;
  /** The same player, with a gain (the device's volume). */
  audio?: DeviceAudio;
}

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
  const { checkPlayer, defaultPlayer, playMp3 } = await import('../audio/player.js');
  const command = opts.player ?? defaultPlayer(process.platform);
  try {
    checkPlayer(command);
  } catch (err) {
    if (mode === 'always' || explicit || !(err instanceof ClovaError)) throw err;
    notice(`speech is not played: ${err.message}`);
    return {};
  }
  return {
    speech: { play: (mp3, signal) => playMp3(mp3, { command, signal }) },
    audio: { play: (mp3, o) => playMp3(mp3, { command, signal: o.signal, gain: o.gain, timeoutMs: o.timeoutMs }) },
  };
}

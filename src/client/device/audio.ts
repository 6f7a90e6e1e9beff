import type { ClientState } from '../../protocol/context.js';

/**
 * Where a device's sounds go (speech, alert bells, notification sounds, music): one MP3 at a time
 * per call, a whole buffer or a stream, at a gain from 0 to 1 (the volume, mute, ducking applied).
 * Resolves when playback ended; settles promptly (and stops the sound) when `signal` aborts.
 */
export interface DeviceAudio {
  /**
   * False when the output cannot apply a gain (a player that plays at its own level, or no sound
   * at all): then a new gain is not worth restarting music for. Undefined: it can.
   */
  takesGain?: boolean;
  /** `format`: the MIME type of the audio when it is not MP3 (`audio/aac`: AAC in ADTS frames). */
  play(mp3: Buffer | NodeJS.ReadableStream, options: { signal: AbortSignal; gain?: number; timeoutMs?: number; format?: string }): Promise<void>;
}

/** The gain the device's volume asks for: 0 when muted, volume/10 otherwise (10 = as recorded). */
export function volumeGain(state: Pick<ClientState, 'volume' | 'muted'>): number {
  return state.muted ? 0 : Math.max(0, Math.min(10, state.volume)) / 10;
}

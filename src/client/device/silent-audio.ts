import { PlaybackAbortedError } from '../../audio/player.js';
import type { Timers } from '../timers.js';
import type { DeviceAudio } from './audio.js';

/**
 * A device audio output without a sound: it takes the audio at the pace it would be heard (frame
 * by frame, from the MP3 or ADTS headers) and ends when it would have ended. With no player
 * (`--no-play`, or none usable) music is thus "played" in silence in real time, and CLOVA sees a
 * device whose progress reports and offsets are true to the clock.
 */
export function silentAudio(timers: Timers): DeviceAudio & { takesGain: false } {
  return {
    takesGain: false,
    async play(mp3, { signal }) {
      if (signal.aborted) throw new PlaybackAbortedError(signal.reason);
      const input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = Buffer.isBuffer(mp3) ? [mp3] : (mp3 as AsyncIterable<Uint8Array>);
      const { audioFrames, batchMs } = await import('../../audio/frame-stream.js');
      const start = timers.now();
      let ms = 0;
      for await (const batch of audioFrames(input)) {
        ms += batchMs(batch);
        await wait(timers, start + ms - timers.now(), signal);
      }
    },
  };
}

function wait(timers: Timers, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new PlaybackAbortedError(signal.reason));
    const onAbort = () => {
      timers.clearTimeout(handle);
      reject(new PlaybackAbortedError(signal.reason));
    };
    const handle = timers.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

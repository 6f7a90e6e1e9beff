import type { ClientState } from '../../protocol/context.js';

/** The speaker's range (spec 3.3: 0-10) and the client's own step when CLOVA gives no amount. */
export const VOLUME_MAX = 10;
export const VOLUME_STEP = 1;

/** A volume within 0-10, rounded to a whole step. */
export function clampVolume(v: number): number {
  return Math.max(0, Math.min(VOLUME_MAX, Math.round(v)));
}

/**
 * Applies a volume command of DeviceControl (spec 5.9: `Increase`/`Decrease` by `value` or the
 * client's step, `SetValue` to `value`) or PlaybackController's deprecated `VolumeUp`/`VolumeDown`
 * to the state. Returns false, changing nothing, when the value is not a number (SetValue needs one).
 */
export function applyVolumeCommand(state: Pick<ClientState, 'volume'>, command: string, value: unknown): boolean {
  const given = value === undefined || value === null || value === '' ? undefined : Number(String(value).trim());
  if (given !== undefined && !Number.isFinite(given)) return false;
  // A step is a size: a negative one (a Decrease that would raise) is refused; a huge one is clamped.
  if (given !== undefined && given < 0 && command !== 'SetValue') return false;
  switch (command) {
    case 'Increase':
    case 'VolumeUp':
      state.volume = clampVolume(state.volume + (given ?? VOLUME_STEP));
      return true;
    case 'Decrease':
    case 'VolumeDown':
      state.volume = clampVolume(state.volume - (given ?? VOLUME_STEP));
      return true;
    case 'SetValue':
      if (given === undefined) return false;
      state.volume = clampVolume(given);
      return true;
    default:
      return false;
  }
}

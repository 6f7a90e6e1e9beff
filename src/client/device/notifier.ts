import { Readable } from 'node:stream';
import type { Timers } from '../timers.js';
import type { DeviceAudio } from './audio.js';
import { openMedia } from './media-source.js';

/** The built-in notification sound's URL (spec 5.10). */
export const DEFAULT_NOTIFIER_SOUND = 'clova://notifier/sound/default';
/** Notifications whose sounds may wait behind the one playing; more are not played (their lines are still shown). */
const MAX_WAITING = 4;
/** The longest a notification clip may play. */
const CLIP_TIMEOUT_MS = 60_000;

/** What `/status` shows of the notifications: unread ones (SetIndicator) and the light. */
export interface IndicatorState {
  unread: boolean;
  light: boolean;
}

/** How the notifier plays its sounds. */
export interface NotifierHooks {
  /** Where sounds go; undefined: none are played. */
  audio?: DeviceAudio;
  /** The speaker's gain now. */
  gain(): number;
  /** The built-in sound (MP3). */
  chime(): Promise<Buffer>;
  timers: Timers;
  fetch?: typeof fetch;
  trace(line: string): void;
}

/**
 * The device's notifications (spec 5.10): `Notify` plays its assets in `assetPlayOrder` (the
 * built-in chime for `clova://notifier/sound/default`, an http(s) clip streamed), a notification
 * after the one playing (spec 4.7: notifications queue); `SetIndicator` marks unread notifications
 * (and plays its assets when it is a new one); `ClearIndicator` clears the mark and silences them.
 */
export class NotifierDevice {
  private indicator: IndicatorState = { unread: false, light: false };
  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;
  private abort = new AbortController();

  constructor(private readonly hooks: NotifierHooks) {}

  /** The indicator now. */
  status(): IndicatorState {
    return { ...this.indicator };
  }

  notify(payload: Record<string, unknown>): void {
    if (payload.light === 'DEFAULT') this.indicator.light = true;
    this.sound(payload);
  }

  setIndicator(payload: Record<string, unknown>): void {
    this.indicator = { unread: true, light: payload.light === 'DEFAULT' };
    if (payload.new === true) this.sound(payload);
  }

  clearIndicator(): void {
    this.indicator = { unread: false, light: false };
    this.silence();
  }

  /** Stops every sound (the session ends). */
  close(): void {
    this.silence();
  }

  /** Resolves when the sounds asked for so far have been played (or skipped). */
  idle(): Promise<void> {
    return this.chain;
  }

  private silence(): void {
    this.abort.abort('cleared');
    this.abort = new AbortController();
  }

  private sound(payload: Record<string, unknown>): void {
    const audio = this.hooks.audio;
    const urls = assetUrls(payload);
    if (!audio || urls.length === 0) return;
    if (this.waiting >= MAX_WAITING) {
      this.hooks.trace('notification sound not played: too many are waiting');
      return;
    }
    this.waiting++;
    const signal = this.abort.signal;
    this.chain = this.chain.then(async () => {
      this.waiting--;
      for (const url of urls) {
        if (signal.aborted) return;
        try {
          await this.playOne(audio, url, signal);
        } catch (err) {
          if (!signal.aborted) this.hooks.trace(`notification sound ${url.slice(0, 200)} not played: ${(err as Error).message}`);
        }
      }
    });
  }

  private async playOne(audio: DeviceAudio, url: string, signal: AbortSignal): Promise<void> {
    if (url.startsWith('clova://')) {
      // The built-in sound, also for any other clova:// sound this client does not know.
      await audio.play(await this.hooks.chime(), { signal, gain: this.hooks.gain() });
      return;
    }
    const res = await openMedia(url, 0, { fetch: this.hooks.fetch, timers: this.hooks.timers, signal });
    const input = Readable.from(res.body, { objectMode: false });
    input.on('error', () => undefined); // an aborted fetch, once the player has let it go
    await audio.play(input, { signal, gain: this.hooks.gain(), timeoutMs: CLIP_TIMEOUT_MS });
  }
}

/** The assets' URLs in `assetPlayOrder` (every asset in order when that is missing). */
export function assetUrls(payload: Record<string, unknown>): string[] {
  const assets = Array.isArray(payload.assets) ? (payload.assets as Array<Record<string, unknown>>) : [];
  const byId = new Map<string, string>();
  for (const a of assets) {
    if (a && typeof a.assetId === 'string' && typeof a.url === 'string') byId.set(a.assetId, a.url);
  }
  const order = Array.isArray(payload.assetPlayOrder) ? payload.assetPlayOrder.filter((id): id is string => typeof id === 'string') : [...byId.keys()];
  return order
    .map((id) => byId.get(id))
    .filter((u): u is string => u !== undefined)
    .slice(0, 8);
}

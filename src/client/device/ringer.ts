import type { TimerHandle, Timers } from '../timers.js';
import type { Alert, AlertType } from './alerts.js';
import type { DeviceAudio } from './audio.js';

/** Why an alert stopped ringing (the `reason` of its `alert` line). */
export type AlertStopReason =
  /** CIC's StopAlert (the user said "stop", or another device stopped it). */
  | 'stopped'
  /** CIC's StopAlert after the user stopped it here (/stop sent RequestAlertStop). */
  | 'user'
  /** It rang for the longest time allowed. */
  | 'timeout'
  /** DeleteAlert, or a SynchronizeAlert without it. */
  | 'deleted'
  /** A SetAlert with its token gave it a new time. */
  | 'edited'
  /** Another alert began ringing (spec 4.7: a new alert cancels the one playing). */
  | 'replaced'
  | 'session-ended';

/** An alert began or stopped ringing: what a session shows (a banner, an `alert` line). */
export interface AlertChange {
  phase: 'started' | 'stopped';
  token: string;
  alertType: AlertType;
  /** As CIC sent it. */
  scheduledTime: string;
  label?: string;
  /** stopped: why. */
  reason?: AlertStopReason;
}

/** One sound to play, and how long a round of it lasts. */
export interface AlertSound {
  mp3: Buffer;
  /** Its length in ms (a round lasts at least this long, however fast the player returns). */
  ms: number;
}

/** Where an alert's sounds come from. */
export interface AlertSounds {
  /** The device's own sound for an alert of this type (`clova://` assets, and alerts without assets). */
  bell(type: AlertType): Promise<AlertSound>;
  /** Downloads an http(s) asset; rejects when it cannot be had (it is then skipped). */
  download(url: string, signal: AbortSignal): Promise<AlertSound>;
}

/** How the ringer reaches the rest of the device. */
export interface RingerOptions {
  /** Where the sound goes; undefined (--no-play): alerts ring without sound (banner and events). */
  audio?: DeviceAudio;
  /** The gain of the device's volume now (0-1), read for every round of the sound. */
  gain(): number;
  /** The longest an alert rings (ms). */
  maxRingMs: number;
  timers: Pick<Timers, 'setTimeout' | 'clearTimeout' | 'now'>;
  sounds: AlertSounds;
  /** The alert began ringing (report AlertStarted). */
  started(alert: Alert): void;
  /** The alert stopped ringing (report AlertStopped). */
  stopped(alert: Alert, reason: AlertStopReason): void;
  trace(line: string): void;
  notice(line: string): void;
}

/**
 * What else plays (spec 4.7): nothing; speech or a request being processed (`duck`: the bell goes
 * on, quieter); the user speaking (`pause`: the bell waits, so the microphone does not hear it).
 */
export type Background = 'none' | 'duck' | 'pause';

/** The gain factor of a ducked bell. */
export const DUCK_GAIN = 0.25;
/** The shortest round of the sound loop: a player that fails at once does not spin. */
const MIN_ROUND_MS = 500;

interface Ringing {
  alert: Alert;
  /** Ended for good (stopped). */
  stop: AbortController;
  /** The round playing now; aborted to apply a new gain at once. */
  round: AbortController | undefined;
  /** The user stopped it here: silent until CIC's StopAlert (or the longest ringing time). */
  silenced: boolean;
  maxTimer: TimerHandle;
  /** Sounds of this ringing by URL (undefined: could not be had). */
  sounds: Map<string, AlertSound | undefined>;
  failedPlays: number;
}

/** The order of an alert's sounds: its assetPlayOrder through its assets; the type's bell when there are none. */
export function playOrder(alert: Alert): string[] {
  const byId = new Map(alert.assets.map((a) => [a.assetId, a.url]));
  const ordered = alert.assetPlayOrder.map((id) => byId.get(id)).filter((u): u is string => u !== undefined);
  if (ordered.length > 0) return ordered;
  if (alert.assets.length > 0) return alert.assets.map((a) => a.url);
  return [BELL];
}

const BELL = 'clova://alert/bell';

/**
 * Rings one alert at a time (spec 4.7: a new alert cancels the one ringing): AlertStarted, its
 * sounds in a loop through the device's audio at the volume's gain (ducked or paused while other
 * audio has the foreground), until CIC's StopAlert, a deletion, or the longest ringing time, then
 * AlertStopped. The user's stop silences it at once and leaves the rest to CIC's StopAlert.
 */
export class AlertRinger {
  private ringing: Ringing | undefined;
  private mode: Background = 'none';
  private closed = false;

  constructor(private readonly opts: RingerOptions) {}

  /** The alert ringing now, if any. */
  get current(): Alert | undefined {
    return this.ringing?.alert;
  }

  /** True when the ringing alert was silenced by the user and waits for CIC's StopAlert. */
  get silenced(): boolean {
    return this.ringing?.silenced ?? false;
  }

  /** Starts ringing `alert` (stopping the one ringing, if any). */
  ring(alert: Alert): void {
    if (this.closed) return;
    if (this.ringing) this.stop(this.ringing.alert.token, 'replaced');
    const { timers } = this.opts;
    const r: Ringing = {
      alert,
      stop: new AbortController(),
      round: undefined,
      silenced: false,
      maxTimer: timers.setTimeout(() => this.stop(alert.token, 'timeout'), this.opts.maxRingMs),
      sounds: new Map(),
      failedPlays: 0,
    };
    this.ringing = r;
    this.opts.started(alert);
    if (this.opts.audio) void this.loop(r, this.opts.audio);
  }

  /**
   * The user stops it here: the sound stops at once, and it stays the active alert until CIC's
   * StopAlert (spec 5.8, RequestAlertStop) or the longest ringing time. Returns the alert, or
   * undefined when none rings.
   */
  silence(): Alert | undefined {
    const r = this.ringing;
    if (!r) return undefined;
    r.silenced = true;
    r.round?.abort('silenced');
    return r.alert;
  }

  /** Stops `token` if it rings (then AlertStopped is reported); false when it does not ring. */
  stop(token: string, reason: AlertStopReason): boolean {
    const r = this.ringing;
    if (!r || r.alert.token !== token) return false;
    this.ringing = undefined;
    this.opts.timers.clearTimeout(r.maxTimer);
    r.stop.abort(reason);
    r.round?.abort(reason);
    this.opts.stopped(r.alert, reason === 'stopped' && r.silenced ? 'user' : reason);
    return true;
  }

  /** What else plays now (spec 4.7); a change applies to the sound at once. */
  background(mode: Background): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.ringing?.round?.abort('background changed');
  }

  /** Stops the sound and the timers without reporting anything (the client is closing). */
  close(): void {
    this.closed = true;
    const r = this.ringing;
    this.ringing = undefined;
    if (r) {
      this.opts.timers.clearTimeout(r.maxTimer);
      r.stop.abort('closed');
      r.round?.abort('closed');
    }
  }

  private async loop(r: Ringing, audio: DeviceAudio): Promise<void> {
    let order = playOrder(r.alert);
    while (!r.stop.signal.aborted) {
      let played = false;
      for (const url of order) {
        if (r.stop.signal.aborted) return;
        const sound = await this.sound(r, url);
        if (sound === undefined) continue;
        played = true;
        await this.round(r, audio, sound);
      }
      // Nothing of the alert's own could be had: the type's bell, so it is still heard.
      if (!played) order = [BELL];
    }
  }

  private async sound(r: Ringing, url: string): Promise<AlertSound | undefined> {
    if (r.sounds.has(url)) return r.sounds.get(url);
    let sound: AlertSound | undefined;
    try {
      sound = /^https?:/i.test(url) ? await this.opts.sounds.download(url, r.stop.signal) : await this.opts.sounds.bell(r.alert.type);
    } catch (err) {
      if (!r.stop.signal.aborted) this.opts.notice(`an alert sound was skipped: ${url} could not be fetched (${(err as Error).message})`);
    }
    r.sounds.set(url, sound);
    return sound;
  }

  /** One round of a sound at the gain of the moment (none when silenced, paused or muted); at least its length. */
  private async round(r: Ringing, audio: DeviceAudio, sound: AlertSound): Promise<void> {
    const { timers } = this.opts;
    const round = new AbortController();
    r.round = round;
    const began = timers.now();
    const factor = r.silenced || this.mode === 'pause' ? 0 : this.mode === 'duck' ? DUCK_GAIN : 1;
    const gain = Math.max(0, Math.min(1, this.opts.gain() * factor));
    try {
      if (gain > 0) await audio.play(sound.mp3, { signal: round.signal, gain, timeoutMs: sound.ms * 2 + 5000 });
    } catch (err) {
      if (!round.signal.aborted && r.failedPlays++ === 0) this.opts.notice(`the alert sound could not be played: ${(err as Error).message}`);
    }
    const left = Math.max(MIN_ROUND_MS, sound.ms) - (timers.now() - began);
    if (left > 0 && !round.signal.aborted) await wait(timers, left, round.signal);
    if (r.round === round) r.round = undefined;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function wait(timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      timers.clearTimeout(handle);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const handle = timers.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The most bytes of a downloaded alert sound (a TTS reminder is tens of kB; with at most 8 assets an alert holds 8 MiB at most). */
export const MAX_ASSET_BYTES = 1024 * 1024;
/** The longest a download may take. */
export const ASSET_TIMEOUT_MS = 5000;

/** The device's own sounds: the bell made in process (src/audio/bell.ts, loaded when first needed), and downloads by fetch. */
export const deviceSounds: AlertSounds = {
  async bell(type) {
    const { bellMp3, bellMs } = await import('../../audio/bell.js');
    const kind = type === 'ALARM' ? 'alarm' : type === 'REMINDER' ? 'reminder' : 'timer';
    return { mp3: bellMp3(kind), ms: bellMs(kind) };
  },
  download: (url, signal) => downloadSound(url, signal),
};

/**
 * Fetches an http(s) alert sound within ASSET_TIMEOUT_MS and MAX_ASSET_BYTES (a larger one is
 * refused, not cut). Its length is estimated from its size at 48 kbps (the loop's beat only).
 */
export async function downloadSound(url: string, signal: AbortSignal, limits = { timeoutMs: ASSET_TIMEOUT_MS, maxBytes: MAX_ASSET_BYTES }): Promise<AlertSound> {
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(limits.timeoutMs)]);
  try {
    const res = await fetch(url, { signal: bounded });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) throw new Error(`${declared} bytes, more than ${limits.maxBytes}`);
    const parts: Buffer[] = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > limits.maxBytes) throw new Error(`more than ${limits.maxBytes} bytes`);
        parts.push(Buffer.from(chunk));
      }
    }
    if (size === 0) throw new Error('it is empty');
    return { mp3: Buffer.concat(parts), ms: Math.max(MIN_ROUND_MS, Math.round((size * 8) / 48)) };
  } catch (err) {
    if (bounded.aborted && !signal.aborted) throw new Error(`no answer within ${limits.timeoutMs / 1000} s`);
    throw err;
  }
}

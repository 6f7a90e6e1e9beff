import type { ClientState } from '../../protocol/context.js';
import type { Activity } from '../activity.js';
import type { Timers } from '../timers.js';
import { volumeGain, type DeviceAudio } from './audio.js';
import { MediaPlayer, type MediaOptions, type MediaProgress } from './media.js';
import { NotifierDevice } from './notifier.js';
import { silentAudio } from './silent-audio.js';

/**
 * What makes the client a device that carries out what CLOVA asks (the chat session): alerts are
 * kept and rung (spec 5.8), music played (5.6, 5.7), notifications sounded (5.10), everything at the
 * speaker's volume. Without it (one-shot commands) they are only shown.
 */
export interface DeviceOptions {
  /**
   * Where the device's sounds go (bells, music, notification sounds), at the speaker's gain (speech
   * keeps the client's `speech` player, at the same gain). Undefined (--no-play, no player): alerts
   * still ring (events, `alert`) and music is taken at its real pace, in silence, so CLOVA still sees
   * them; notifications are not sounded.
   */
  audio?: DeviceAudio;
  /** The longest an alert rings when nobody stops it (default 60000 ms). */
  alertMaxRingMs?: number;
  /** MIME types `audio` plays besides `audio/mpeg` (MP3): `audio/aac` (ADTS) when it can. */
  formats?: readonly string[];
  /** How media URLs are fetched (default: the global fetch). */
  fetch?: typeof fetch;
  media?: MediaOptions;
  /** The built-in notification sound (MP3); default: the generated chime. */
  chime?: () => Promise<Buffer>;
}

/** What the device needs of the client. */
export interface DeviceHooks {
  state: ClientState;
  report(namespace: string, name: string, payload: Record<string, unknown>): void;
  /** Music started, paused, resumed, stopped or finished. */
  progress(p: MediaProgress): void;
  /** Music started (true) or stopped (false) playing. */
  playing(on: boolean): void;
  timers: Timers;
  trace(line: string): void;
  notice(line: string): void;
}

const FORMAT_FACTS: Readonly<Record<string, { mimeType: string; audioCodec: string; fileExtension: string }>> = {
  'audio/mpeg': { mimeType: 'audio/mpeg', audioCodec: 'MP3', fileExtension: 'MP3' },
  'audio/aac': { mimeType: 'audio/aac', audioCodec: 'AAC', fileExtension: 'AAC' },
};

/**
 * The client as a device: its media player (AudioPlayer, PlaybackController), its notifications,
 * and the speaker's level for both. It writes what it can truthfully report into the client's state:
 * the PlaybackState of the moment, and Device.Audio's formats.
 */
export class Device {
  readonly media: MediaPlayer;
  readonly notifier: NotifierDevice;
  /** Why music is in the background now ('dialog': the microphone, a request or speech; others may add theirs, an alert ringing say). */
  private readonly foreground = new Set<string>();

  constructor(options: DeviceOptions, hooks: DeviceHooks) {
    const { state, timers } = hooks;
    const gain = () => volumeGain(state);
    const audio = options.audio ?? silentAudio(timers);
    // The silent output takes MP3 and AAC alike; a player what it was said to take.
    const formats = options.audio ? ['audio/mpeg', ...(options.formats ?? [])] : ['audio/mpeg', 'audio/aac'];
    this.media = new MediaPlayer(
      {
        report: hooks.report,
        audio,
        formats: new Set(formats),
        gain,
        progress: hooks.progress,
        playing: hooks.playing,
        timers,
        fetch: options.fetch,
        trace: hooks.trace,
        notice: hooks.notice,
      },
      options.media,
    );
    this.notifier = new NotifierDevice({
      audio: options.audio,
      gain,
      // Loaded with the first notification sound (lamejs is not needed before).
      chime: options.chime ?? (async () => (await import('../../audio/chime.js')).notificationChime()),
      timers,
      fetch: options.fetch,
      trace: hooks.trace,
    });
    state.playback = () => this.media.playbackState();
    state.audioFormats = [...new Set(formats)].map((f) => FORMAT_FACTS[f]).filter((f) => f !== undefined);
  }

  /** The volume or mute changed: music continues at the new level (speech and sounds take it when they start). */
  volumeChanged(): void {
    this.media.gainChanged();
  }

  /** What the client does changed: music is ducked while the microphone, a request or speech has the foreground (spec 4.7). */
  activity(activity: Activity): void {
    this.duck('dialog', activity === 'listening' || activity === 'thinking' || activity === 'speaking');
  }

  /** Something else takes (true) or leaves (false) the foreground: music is ducked while anything has it (spec 4.7). */
  duck(reason: string, on: boolean): void {
    if (on) this.foreground.add(reason);
    else this.foreground.delete(reason);
    this.media.duck(this.foreground.size > 0);
  }

  /** The session ends: everything stops, silently. */
  close(): void {
    this.media.close();
    this.notifier.close();
  }
}

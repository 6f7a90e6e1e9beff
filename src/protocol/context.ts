import type { ContextObject } from './messages.js';

/** What the client can truthfully report about itself (spec 3.3). */
export interface ClientState {
  volume: number; // 0-10
  muted: boolean;
  lastSpeech?: { token: string; playerActivity: 'PLAYING' | 'STOPPED' | 'FINISHED' };
  alerts?: { allAlerts: unknown[]; activeAlerts: unknown[] };
  /** The AudioPlayer.PlaybackState payload as of now (a session that plays music); undefined: IDLE. */
  playback?: () => Record<string, unknown>;
  /** Device.Audio's formats, in preference order; undefined: MP3 only. */
  audioFormats?: Array<{ mimeType: string; audioCodec: string; fileExtension: string }>;
}

/** The default state of a command-line client: volume 7, no alerts, nothing played yet. */
export function defaultClientState(): ClientState {
  return { volume: 7, muted: false };
}

function ctx(namespace: string, name: string, payload: Record<string, unknown>): ContextObject {
  return { header: { namespace, name }, payload };
}

/** Builds the context array sent with every event: only state a CLI can report truthfully. */
export function buildContext(state: ClientState): ContextObject[] {
  const list: ContextObject[] = [
    ctx('Alerts', 'AlertsState', {
      allAlerts: state.alerts?.allAlerts ?? [],
      activeAlerts: state.alerts?.activeAlerts ?? [],
    }),
    ctx('AudioPlayer', 'PlaybackState', state.playback?.() ?? { playerActivity: 'IDLE', repeatMode: 'NONE' }),
    ctx('Device', 'Audio', {
      acceptContentType: state.audioFormats ?? [{ mimeType: 'audio/mpeg', audioCodec: 'MP3', fileExtension: 'MP3' }],
    }),
    ctx('Device', 'Display', { size: 'none' }),
    ctx('Device', 'DeviceState', {
      volume: { min: 0, max: 10, value: state.volume, actions: ['Decrease', 'Increase', 'SetValue'] },
    }),
    ctx('Speaker', 'VolumeState', { volume: state.volume, muted: state.muted }),
  ];
  if (state.lastSpeech) {
    list.push(ctx('SpeechSynthesizer', 'SpeechState', { ...state.lastSpeech }));
  }
  return list;
}

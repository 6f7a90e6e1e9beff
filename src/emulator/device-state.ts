/**
 * What the emulator keeps per client (bearer token), as CIC does for a device: the alerts it set
 * (spec 5.8: "the cloud stores the alerts"), the alerts ringing, and the media player's state as the
 * AudioPlayer reports tell it (spec 5.6). It follows every directive sent to the client (in event
 * responses and on the downchannel, including `Emulator.push`) and the reports that come back.
 * Everything is bounded: clients, alerts and streams per client.
 */
import type { DirectiveMessage, EventMessage } from '../protocol/messages.js';
import type { Lang } from './language.js';

/** How much is kept. */
export interface DeviceLimits {
  /** Clients remembered; the least recently seen goes first. */
  clients: number;
  /** Alerts stored per client; the oldest goes first when a directive sets one more. */
  alerts: number;
  /** Play streams remembered per client (to know the track of a token); the oldest goes first. */
  streams: number;
}

export const DEVICE_LIMITS: Readonly<DeviceLimits> = { clients: 1000, alerts: 100, streams: 20 };

/** A one-off alert stored past its time (and not ringing) is dropped after this long: the device missed it. */
const STALE_ALERT_MS = 60 * 60 * 1000;

/** A SetAlert payload (spec 5.8): what SynchronizeAlert sends back. */
export interface AlertPayload {
  token: string;
  type: string;
  scheduledTime: string;
  [field: string]: unknown;
}

/** An alert's identity, as events and StopAlert/DeleteAlert carry it. */
export interface AlertId {
  token: string;
  type: string;
}

/** `AudioPlayer.PlaybackState.playerActivity`, plus FINISHED after `PlayFinished`. */
export type PlayerActivity = 'IDLE' | 'PLAYING' | 'PAUSED' | 'STOPPED' | 'FINISHED';

const ACTIVITIES: readonly string[] = ['IDLE', 'PLAYING', 'PAUSED', 'STOPPED', 'FINISHED'];

/** The media player as last known. */
export interface Playback {
  activity: PlayerActivity;
  /** The stream token of the media (absent when IDLE and nothing was ever played). */
  token?: string;
  /** Its AudioStreamInfoObject, as sent (Play merged with StreamDeliver) or as the context echoed it. */
  stream?: Record<string, unknown>;
  offsetInMilliseconds?: number;
}

type Payload = Record<string, unknown>;

const isRecord = (v: unknown): v is Payload => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The payload if it is a SetAlert payload (token, type and scheduledTime strings). */
export function asAlertPayload(v: unknown): AlertPayload | undefined {
  if (!isRecord(v)) return undefined;
  return typeof v.token === 'string' && typeof v.type === 'string' && typeof v.scheduledTime === 'string' ? (v as AlertPayload) : undefined;
}

/** `{token, type}` of an alert event or directive payload. */
export function asAlertId(v: unknown): AlertId | undefined {
  if (!isRecord(v)) return undefined;
  return typeof v.token === 'string' && typeof v.type === 'string' ? { token: v.token, type: v.type } : undefined;
}

/** The payload of the context object `namespace.name` of an event, if it has one. */
export function contextPayload(event: EventMessage, namespace: string, name: string): Payload | undefined {
  const found = (Array.isArray(event.context) ? event.context : []).find(
    (c) => isRecord(c) && isRecord(c.header) && c.header.namespace === namespace && c.header.name === name,
  );
  return found && isRecord(found.payload) ? found.payload : undefined;
}

/** Sets `key` last in a map (most recent), dropping the first entries beyond `limit`. */
function putLast<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > limit) map.delete(map.keys().next().value!);
}

/** One client's device as the emulator knows it. */
export class ClientDevice {
  private readonly alerts = new Map<string, { payload: AlertPayload; confirmed: boolean }>();
  private readonly ringingAlerts = new Map<string, string>();
  private readonly streams = new Map<string, Payload>();
  private playback: Playback = { activity: 'IDLE' };
  /** The language the user last spoke or typed in: answers to reports (SetAlertSucceeded) use it. */
  lang: Lang = 'en';

  constructor(private readonly limits: DeviceLimits = DEVICE_LIMITS) {}

  /** Follows a directive the emulator sent to this client. */
  sent(message: DirectiveMessage): void {
    const { namespace, name } = message.directive.header;
    const p: Payload = isRecord(message.directive.payload) ? message.directive.payload : {};
    if (namespace === 'Alerts') {
      if (name === 'SetAlert') {
        const alert = asAlertPayload(p);
        if (alert) putLast(this.alerts, alert.token, { payload: structuredClone(alert), confirmed: this.alerts.get(alert.token)?.confirmed ?? false }, this.limits.alerts);
      } else if (name === 'DeleteAlert' && typeof p.token === 'string') {
        this.alerts.delete(p.token);
      } else if (name === 'SynchronizeAlert' && Array.isArray(p.allAlerts)) {
        const next = p.allAlerts.map(asAlertPayload).filter((a): a is AlertPayload => a !== undefined);
        const before = new Map(this.alerts);
        this.alerts.clear();
        for (const a of next) putLast(this.alerts, a.token, { payload: structuredClone(a), confirmed: before.get(a.token)?.confirmed ?? false }, this.limits.alerts);
      }
    } else if (namespace === 'AudioPlayer') {
      if (name === 'Play' && isRecord(p.audioItem) && isRecord(p.audioItem.stream) && typeof p.audioItem.stream.token === 'string') {
        putLast(this.streams, p.audioItem.stream.token, structuredClone(p.audioItem.stream), this.limits.streams);
      } else if (name === 'StreamDeliver' && isRecord(p.audioStream) && typeof p.audioStream.token === 'string') {
        const known = this.streams.get(p.audioStream.token) ?? {};
        putLast(this.streams, p.audioStream.token, { ...known, ...structuredClone(p.audioStream) }, this.limits.streams);
      }
    }
  }

  // --- alerts ---

  /** SetAlertSucceeded: the alert is confirmed; one the emulator did not know is taken from the event's AlertsState context. */
  alertSet(event: EventMessage): void {
    const id = asAlertId(event.event.payload);
    if (!id) return;
    const known = this.alerts.get(id.token);
    if (known) {
      known.confirmed = true;
      return;
    }
    const all = contextPayload(event, 'Alerts', 'AlertsState')?.allAlerts;
    const fromContext = (Array.isArray(all) ? all : []).map(asAlertPayload).find((a) => a?.token === id.token);
    if (fromContext) putLast(this.alerts, id.token, { payload: structuredClone(fromContext), confirmed: true }, this.limits.alerts);
  }

  /** SetAlertFailed: the device could not keep it, so it is not stored. */
  alertFailed(token: string): void {
    this.alerts.delete(token);
  }

  /** AlertStarted. */
  alertStarted(id: AlertId): void {
    putLast(this.ringingAlerts, id.token, id.type, this.limits.alerts);
  }

  /** AlertStopped. */
  alertStopped(token: string): void {
    this.ringingAlerts.delete(token);
  }

  /** The stored alerts (copies), soonest first; alerts missed by more than an hour are dropped first. */
  storedAlerts(now: Date): AlertPayload[] {
    for (const [token, a] of this.alerts) {
      const at = Date.parse(a.payload.scheduledTime);
      if (!this.ringingAlerts.has(token) && Number.isFinite(at) && now.getTime() - at > STALE_ALERT_MS) this.alerts.delete(token);
    }
    return [...this.alerts.values()]
      .map((a) => structuredClone(a.payload))
      .sort((a, b) => (Date.parse(a.scheduledTime) || 0) - (Date.parse(b.scheduledTime) || 0));
  }

  /** Whether SetAlertSucceeded confirmed the stored alert `token`. */
  confirmed(token: string): boolean {
    return this.alerts.get(token)?.confirmed === true;
  }

  /** How many more alerts may be set. */
  alertRoom(): number {
    return Math.max(0, this.limits.alerts - this.alerts.size);
  }

  /** The alerts ringing now: started and not stopped, as reported, and as the event's AlertsState says. */
  ringing(event?: EventMessage): AlertId[] {
    const out = new Map(this.ringingAlerts);
    const active = event ? contextPayload(event, 'Alerts', 'AlertsState')?.activeAlerts : undefined;
    for (const a of Array.isArray(active) ? active : []) {
      const id = asAlertId(a);
      if (id) out.set(id.token, id.type);
    }
    return [...out].map(([token, type]) => ({ token, type }));
  }

  // --- media ---

  /** An AudioPlayer report (PlayStarted… ReportPlaybackState). */
  playbackReport(name: string, payload: Payload): void {
    const token = typeof payload.token === 'string' ? payload.token : isRecord(payload.stream) && typeof payload.stream.token === 'string' ? payload.stream.token : undefined;
    const offset = typeof payload.offsetInMilliseconds === 'number' ? payload.offsetInMilliseconds : undefined;
    const set = (activity: PlayerActivity) => {
      this.playback = {
        activity,
        ...(token !== undefined ? { token } : {}),
        ...(offset !== undefined ? { offsetInMilliseconds: offset } : {}),
        ...(isRecord(payload.stream) ? { stream: structuredClone(payload.stream) } : token !== undefined && this.streams.has(token) ? { stream: this.streams.get(token)! } : {}),
      };
    };
    switch (name) {
      case 'PlayStarted':
      case 'PlayResumed':
      case 'ProgressReportDelayPassed':
      case 'ProgressReportIntervalPassed':
      case 'ProgressReportPositionPassed':
        if (token !== undefined) set('PLAYING');
        return;
      case 'PlayPaused':
      case 'PlayStopped':
      case 'PlayFinished':
        // A late report about an earlier stream (REPLACE_ALL stops it as the new one starts) changes nothing.
        if (token !== undefined && (this.playback.token === undefined || this.playback.token === token)) {
          set(name === 'PlayPaused' ? 'PAUSED' : name === 'PlayStopped' ? 'STOPPED' : 'FINISHED');
        }
        return;
      case 'ReportPlaybackState':
        if (typeof payload.playerActivity === 'string' && ACTIVITIES.includes(payload.playerActivity)) set(payload.playerActivity as PlayerActivity);
    }
  }

  /**
   * The media player now: the event's `AudioPlayer.PlaybackState` context when it has one (the state
   * at the moment the user spoke, spec 3.3), else what the reports said.
   */
  playbackNow(event?: EventMessage): Playback {
    const ctx = event ? contextPayload(event, 'AudioPlayer', 'PlaybackState') : undefined;
    if (ctx && typeof ctx.playerActivity === 'string' && ACTIVITIES.includes(ctx.playerActivity)) {
      const stream = isRecord(ctx.stream) ? ctx.stream : undefined;
      const token = typeof stream?.token === 'string' ? stream.token : typeof ctx.token === 'string' ? ctx.token : undefined;
      return {
        activity: ctx.playerActivity as PlayerActivity,
        ...(token !== undefined ? { token } : {}),
        ...(stream ? { stream } : token !== undefined && this.streams.has(token) ? { stream: this.streams.get(token)! } : {}),
        ...(typeof ctx.offsetInMilliseconds === 'number' ? { offsetInMilliseconds: ctx.offsetInMilliseconds } : {}),
      };
    }
    return this.playback;
  }

  /** The stream a sent Play (merged with StreamDeliver) had for this token. */
  stream(token: string): Payload | undefined {
    return this.streams.get(token);
  }
}

/** Every client's device, the least recently seen dropped beyond the limit. */
export class ClientDevices {
  private readonly devices = new Map<string, ClientDevice>();

  constructor(private readonly limits: DeviceLimits = DEVICE_LIMITS) {}

  /** The device of `client`, created on first use. */
  of(client: string): ClientDevice {
    const device = this.devices.get(client) ?? new ClientDevice(this.limits);
    putLast(this.devices, client, device, this.limits.clients);
    return device;
  }

  /** How many clients are remembered. */
  get size(): number {
    return this.devices.size;
  }
}

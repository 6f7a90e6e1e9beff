import type { ClientState } from '../../protocol/context.js';
import type { Activity } from '../activity.js';
import { AlertScheduler, type AlertClock } from './alert-scheduler.js';
import { alertInfo, AlertStore, checkAlert, DEFAULT_GRACE_MS, type Alert, type AlertInfo } from './alerts.js';
import { volumeGain, type DeviceAudio } from './audio.js';
import { AlertRinger, deviceSounds, type AlertChange, type AlertSounds, type AlertStopReason, type Background } from './ringer.js';

/** The longest an alert rings when nobody stops it (ms). */
export const DEFAULT_MAX_RING_MS = 60_000;
/**
 * An alert found due this much after its time (the machine slept through it, or a
 * SynchronizeAlert lists an old one) is not rung any more: it is dropped, and the user is told.
 * The AVS SDK draws the same line at 30 minutes.
 */
export const DEFAULT_LATE_LIMIT_MS = 30 * 60_000;

/** What the alerts of a device need. */
export interface AlertsDeviceOptions {
  /** The client's state: `alerts` is written on every change (Alerts.AlertsState, spec 3.3). */
  state: ClientState;
  /** Sends an Alerts event (no dialogRequestId), with the context of the moment. */
  report(name: string, payload: Record<string, unknown>): void;
  /** The wall clock and timers. */
  clock: AlertClock;
  /** Where the bell goes; undefined: alerts ring without sound. */
  audio?: DeviceAudio;
  maxRingMs?: number;
  graceMs?: number;
  lateLimitMs?: number;
  sounds?: AlertSounds;
  /** An alert began or stopped ringing. */
  changed(change: AlertChange): void;
  trace(line: string): void;
  notice(line: string): void;
}

/** What `/status` shows of the alerts. */
export interface AlertsSummary {
  /** Alerts waiting for their time. */
  pending: number;
  /** The one due first. */
  next?: AlertInfo;
  /** The one ringing now. */
  ringing?: AlertInfo;
}

const payloadString = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The alerts of a device (spec 5.8): SetAlert, DeleteAlert, StopAlert and SynchronizeAlert carried
 * out and reported, the alerts rung on time by wall clock, RequestAlertStop for the user's stop,
 * RequestSynchronizeAlert on every (re)connection, and Alerts.AlertsState kept true in the state.
 */
export class AlertsDevice {
  private readonly store = new AlertStore();
  private readonly scheduler: AlertScheduler;
  private readonly ringer: AlertRinger;
  private readonly graceMs: number;
  private readonly lateLimitMs: number;

  constructor(private readonly opts: AlertsDeviceOptions) {
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.lateLimitMs = opts.lateLimitMs ?? DEFAULT_LATE_LIMIT_MS;
    this.scheduler = new AlertScheduler(opts.clock, {
      due: (token, lateMs) => this.due(token, lateMs),
      jumped: (delta) => opts.trace(`alerts: the clock moved ${Math.round(delta / 1000)} s more than the timers (a sleep, or the clock was set); due times are checked against it`),
    });
    this.ringer = new AlertRinger({
      audio: opts.audio,
      gain: () => volumeGain(opts.state),
      maxRingMs: opts.maxRingMs ?? DEFAULT_MAX_RING_MS,
      timers: opts.clock,
      sounds: opts.sounds ?? deviceSounds,
      started: (alert) => this.started(alert),
      stopped: (alert, reason) => this.stopped(alert, reason),
      trace: opts.trace,
      notice: opts.notice,
    });
    this.publish();
  }

  /** SetAlert: a new token adds, a known one edits; SetAlertSucceeded or SetAlertFailed. */
  setAlert(payload: Record<string, unknown>): void {
    const token = payloadString(payload.token);
    const type = payloadString(payload.type);
    const check = checkAlert(payload, this.opts.clock.now(), this.graceMs);
    const known = this.store.get(token);
    // Full: an alert that rang and was never deleted by CIC makes room; otherwise the new one is refused.
    if (check.ok && !known && this.store.full) this.evictRung();
    const failure = !check.ok ? check.reason : !known && this.store.full ? `${this.store.max} alerts are set already` : undefined;
    if (failure !== undefined || !check.ok) {
      this.opts.notice(`an alert could not be set: ${failure}`);
      this.opts.report('SetAlertFailed', { token, type });
      return;
    }
    const { alert } = check;
    if (known?.phase === 'ringing') this.ringer.stop(token, 'edited');
    this.store.set(alert);
    this.publish();
    this.opts.report('SetAlertSucceeded', { token, type });
    this.scheduler.schedule(token, alert.dueAt);
    this.prepareSound(alert);
  }

  /** DeleteAlert: DeleteAlertSucceeded (a ringing one stops first: AlertStopped), or DeleteAlertFailed for an unknown token. */
  deleteAlert(payload: Record<string, unknown>): void {
    const token = payloadString(payload.token);
    const type = payloadString(payload.type);
    if (!this.store.get(token)) {
      this.opts.trace(`alerts: DeleteAlert of an unknown alert ${token}`);
      this.opts.report('DeleteAlertFailed', { token, type });
      return;
    }
    this.ringer.stop(token, 'deleted');
    this.scheduler.cancel(token);
    this.store.delete(token);
    this.publish();
    this.opts.report('DeleteAlertSucceeded', { token, type });
  }

  /** StopAlert: the ringing alert stops (AlertStopped); any other is left as it is. */
  stopAlert(payload: Record<string, unknown>): void {
    const token = payloadString(payload.token);
    if (!this.ringer.stop(token, 'stopped')) this.opts.trace(`alerts: StopAlert of ${token}, which is not ringing: nothing to stop`);
  }

  /**
   * SynchronizeAlert: its allAlerts replace the set. An alert already known with the same time
   * keeps what it is doing (ringing, rung); new ones wait for their time (or ring at once when it
   * passed less than the late limit ago); one that is gone stops ringing. Entries that cannot be
   * kept (bad fields, too old) are left out.
   */
  synchronize(payload: Record<string, unknown>): void {
    const list = Array.isArray(payload.allAlerts) ? (payload.allAlerts as unknown[]) : [];
    const now = this.opts.clock.now();
    const next = new Map<string, { alert: Alert; keep: boolean }>();
    for (const item of list) {
      if (next.size >= this.store.max) {
        this.opts.trace(`alerts: SynchronizeAlert lists more than ${this.store.max} alerts; the rest are left out`);
        break;
      }
      const p = (item ?? {}) as Record<string, unknown>;
      const known = this.store.get(payloadString(p.token));
      if (known && known.alert.scheduledTime === p.scheduledTime && known.alert.type === p.type) {
        next.set(known.alert.token, { alert: known.alert, keep: true });
        continue;
      }
      const check = checkAlert(p, now, this.lateLimitMs);
      if (check.ok) next.set(check.alert.token, { alert: check.alert, keep: false });
      else this.opts.trace(`alerts: SynchronizeAlert entry left out: ${check.reason}`);
    }
    for (const entry of this.store.all()) {
      const token = entry.alert.token;
      const kept = next.get(token);
      if (kept?.keep) continue;
      this.ringer.stop(token, kept ? 'edited' : 'deleted');
      this.scheduler.cancel(token);
      this.store.delete(token);
    }
    for (const { alert, keep } of next.values()) if (!keep) this.store.set(alert);
    this.publish();
    for (const { alert, keep } of next.values()) {
      if (keep) continue;
      this.scheduler.schedule(alert.token, alert.dueAt);
      this.prepareSound(alert);
    }
  }

  /**
   * The user stops the ringing alert (/stop): silent at once, RequestAlertStop sent; CIC answers
   * with StopAlert (spec 5.8). Returns the alert, or undefined when none rings.
   */
  requestStop(): AlertInfo | undefined {
    const alert = this.ringer.silence();
    if (!alert) return undefined;
    this.opts.report('RequestAlertStop', { token: alert.token, type: alert.type });
    return alertInfo(alert);
  }

  /** The link is greeted (first connection or again): ask CIC for the alerts of this device. */
  connected(): void {
    this.opts.report('RequestSynchronizeAlert', {});
  }

  /** What the client does now: the bell ducks under speech and processing, and waits while the user speaks (spec 4.7). */
  activity(activity: Activity): void {
    const mode: Background = activity === 'listening' ? 'pause' : activity === 'speaking' || activity === 'thinking' ? 'duck' : 'none';
    this.ringer.background(mode);
  }

  /** Stops a ringing alert (AlertStopped with `reason`), e.g. when the session ends. */
  stopRinging(reason: AlertStopReason): boolean {
    const alert = this.ringer.current;
    return alert !== undefined && this.ringer.stop(alert.token, reason);
  }

  /** The alerts for `/status`. */
  summary(): AlertsSummary {
    const next = this.store.next();
    const ringing = this.ringer.current;
    return {
      pending: this.store.all().filter((e) => e.phase === 'scheduled').length,
      ...(next ? { next: alertInfo(next) } : {}),
      ...(ringing ? { ringing: alertInfo(ringing) } : {}),
    };
  }

  /** Stops timers and sound; nothing more is reported. */
  close(): void {
    this.scheduler.close();
    this.ringer.close();
  }

  private due(token: string, lateMs: number): void {
    const entry = this.store.get(token);
    if (!entry || entry.phase !== 'scheduled') return;
    if (lateMs > this.lateLimitMs) {
      // Slept through: ringing now would be about something long past.
      this.store.delete(token);
      this.publish();
      this.opts.notice(`a ${entry.alert.type.toLowerCase()} set for ${entry.alert.scheduledTime} was missed by ${Math.round(lateMs / 60_000)} min (the computer slept?); it is dropped`);
      return;
    }
    if (lateMs > 2000) this.opts.trace(`alerts: ${token} rings ${Math.round(lateMs / 1000)} s late`);
    this.ringer.ring(entry.alert);
  }

  private started(alert: Alert): void {
    const entry = this.store.get(alert.token);
    if (entry) entry.phase = 'ringing';
    this.publish();
    this.opts.report('AlertStarted', { token: alert.token, type: alert.type });
    this.opts.changed(change('started', alert));
  }

  private stopped(alert: Alert, reason: AlertStopReason): void {
    // Kept (not ringing) until CIC deletes it or sets its next time (spec 5.8).
    const entry = this.store.get(alert.token);
    if (entry && entry.alert === alert) entry.phase = 'rung';
    this.publish();
    this.opts.report('AlertStopped', { token: alert.token, type: alert.type });
    this.opts.changed(change('stopped', alert, reason));
  }

  /** Forgets the alert that rang first of those CIC never deleted, if there is one. */
  private evictRung(): void {
    const rung = this.store.all().filter((e) => e.phase === 'rung').sort((a, b) => a.alert.dueAt - b.alert.dueAt)[0];
    if (!rung) return;
    this.opts.trace(`alerts: ${this.store.max} alerts are set; ${rung.alert.token}, which rang and was never deleted, is dropped`);
    this.store.delete(rung.alert.token);
  }

  /** Alerts.AlertsState for the context of every later event. */
  private publish(): void {
    this.opts.state.alerts = this.store.state();
  }

  /** Makes the bell ahead of time (encoding it takes a few hundred ms the first time), so it rings on time. */
  private prepareSound(alert: Alert): void {
    if (!this.opts.audio) return;
    const sounds = this.opts.sounds ?? deviceSounds;
    setImmediate(() => void sounds.bell(alert.type).catch((err: Error) => this.opts.trace(`alerts: the bell could not be made: ${err.message}`)));
  }
}

function change(phase: 'started' | 'stopped', alert: Alert, reason?: AlertStopReason): AlertChange {
  return {
    phase,
    token: alert.token,
    alertType: alert.type,
    scheduledTime: alert.scheduledTime,
    ...(alert.label !== undefined ? { label: alert.label } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}

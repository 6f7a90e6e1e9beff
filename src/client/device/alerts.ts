/**
 * The alerts CLOVA set on this device (spec 5.8): what a SetAlert payload must hold to be kept,
 * and the set itself, with what each alert is doing (scheduled, ringing, rung).
 */

/** The alert types of spec 5.8. */
export const ALERT_TYPES = ['ACTIONTIMER', 'ALARM', 'REMINDER', 'TIMER'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** One sound of an alert: the client's own bell (`clova://…`) or an http(s) URL to download. */
export interface AlertAsset {
  assetId: string;
  url: string;
}

/** A kept alert: the SetAlert payload's fields as delivered, and when it is due. */
export interface Alert {
  token: string;
  type: AlertType;
  /** Exactly as the directive gave it (the context copies it, spec 3.3.2). */
  scheduledTime: string;
  /** When it is due, ms since the epoch (from `scheduledTime` and its offset). */
  dueAt: number;
  label?: string;
  assets: AlertAsset[];
  assetPlayOrder: string[];
}

/** AlertInfoObject (spec 3.3.2): what `Alerts.AlertsState` lists of each alert. */
export interface AlertInfo {
  token: string;
  type: string;
  scheduledTime: string;
}

/** What an alert is doing: waiting for its time, ringing, or rung (waiting for CIC's DeleteAlert or next SetAlert). */
export type AlertPhase = 'scheduled' | 'ringing' | 'rung';

/** The most alerts kept: a server that sends more gets SetAlertFailed (memory stays bounded). */
export const MAX_ALERTS = 100;
/** Tokens and URLs are at most 2048 bytes (spec 7.11, U-32). */
const MAX_TEXT_BYTES = 2048;
const MAX_LABEL_CHARS = 500;
/** The most assets of an alert (each downloaded one is held while it rings). */
const MAX_ASSETS = 8;

/**
 * A SetAlert in the past by up to this much is kept and rings at once: the directive's trip, and a
 * clock a little behind CIC's. An alert further in the past is refused (SetAlertFailed).
 */
export const DEFAULT_GRACE_MS = 60_000;

/** The outcome of checking a SetAlert payload. */
export type AlertCheck = { ok: true; alert: Alert } | { ok: false; reason: string };

const ISO_8601 =
  /^(\d{4})-?(\d{2})-?(\d{2})[Tt ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * The instant of an ISO 8601 date and time with a UTC offset (`Z`, `±hh:mm`, `±hhmm`, `±hh`;
 * extended or basic form; seconds and fractions optional), in ms since the epoch; undefined when
 * it is not one, or has no offset (which zone a server meant cannot be told).
 */
export function parseAlertTime(text: string): number | undefined {
  const m = ISO_8601.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] !== undefined ? Number(m[6]) : 0;
  const ms = m[7] !== undefined ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const offH = m[10] !== undefined ? Number(m[10]) : 0;
  const offM = m[11] !== undefined ? Number(m[11]) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 24 || minute > 59 || second > 60 || offH > 23 || offM > 59) return undefined;
  if (hour === 24 && (minute !== 0 || second !== 0 || ms !== 0)) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  // A leap second (:60) is taken as the next second's start.
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const offset = (offH * 60 + offM) * 60_000 * (m[9] === '-' ? -1 : 1);
  return utc - offset;
}

function text(v: unknown, what: string, max = MAX_TEXT_BYTES): string {
  if (v === undefined || v === null || v === '') throw new Error(`${what} is missing`);
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  if (Buffer.byteLength(v) > max) throw new Error(`${what} is longer than ${max} bytes`);
  return v;
}

/**
 * Checks a SetAlert payload (or an entry of SynchronizeAlert.allAlerts) and makes the alert to
 * keep: a token, a known type, a scheduledTime with an offset that is not more than `graceMs` in
 * the past. Assets without an id or with a URL that is neither `clova:` nor http(s) are left out.
 */
export function checkAlert(payload: Record<string, unknown>, now: number, graceMs = DEFAULT_GRACE_MS): AlertCheck {
  try {
    const token = text(payload.token, 'token');
    const type = text(payload.type, 'type');
    if (!(ALERT_TYPES as readonly string[]).includes(type)) throw new Error(`type "${type}" is not one of ${ALERT_TYPES.join(', ')}`);
    const scheduledTime = text(payload.scheduledTime, 'scheduledTime', 64);
    const dueAt = parseAlertTime(scheduledTime);
    if (dueAt === undefined) throw new Error(`scheduledTime "${scheduledTime}" is not an ISO 8601 date and time with an offset`);
    if (dueAt < now - graceMs) throw new Error(`scheduledTime ${scheduledTime} is ${Math.round((now - dueAt) / 1000)} s in the past`);
    const alert: Alert = { token, type: type as AlertType, scheduledTime, dueAt, assets: [], assetPlayOrder: [] };
    if (typeof payload.label === 'string' && payload.label.length > 0) alert.label = payload.label.slice(0, MAX_LABEL_CHARS);
    if (payload.assets !== undefined && payload.assets !== null) {
      if (!Array.isArray(payload.assets)) throw new Error('assets is not a list');
      // An asset that cannot be used is left out (the alert still rings, with what remains or the bell).
      for (const a of payload.assets.slice(0, MAX_ASSETS) as unknown[]) {
        const { assetId, url } = (a ?? {}) as Record<string, unknown>;
        if (typeof assetId !== 'string' || assetId.length === 0 || typeof url !== 'string' || Buffer.byteLength(url) > MAX_TEXT_BYTES) continue;
        if (/^(clova:|https?:\/\/)/i.test(url)) alert.assets.push({ assetId, url });
      }
    }
    if (Array.isArray(payload.assetPlayOrder)) {
      alert.assetPlayOrder = (payload.assetPlayOrder as unknown[]).filter((id): id is string => typeof id === 'string').slice(0, MAX_ASSETS * 4);
    }
    return { ok: true, alert };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** The alert's AlertInfoObject: its three fields exactly as delivered. */
export function alertInfo(alert: Pick<Alert, 'token' | 'type' | 'scheduledTime'>): AlertInfo {
  return { token: alert.token, type: alert.type, scheduledTime: alert.scheduledTime };
}

/** One kept alert and what it is doing. */
export interface AlertEntry {
  alert: Alert;
  phase: AlertPhase;
}

/**
 * The alerts set on this device, by token, in the order they were first set (at most MAX_ALERTS).
 * It only keeps; the scheduler decides when, the ringer rings.
 */
export class AlertStore {
  private readonly entries = new Map<string, AlertEntry>();

  constructor(readonly max = MAX_ALERTS) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string): AlertEntry | undefined {
    return this.entries.get(token);
  }

  /** True when a new token cannot be added. */
  get full(): boolean {
    return this.entries.size >= this.max;
  }

  /** Adds a new alert or replaces the one with its token (which then waits for its time again). */
  set(alert: Alert, phase: AlertPhase = 'scheduled'): AlertEntry {
    const entry: AlertEntry = { alert, phase };
    this.entries.set(alert.token, entry);
    return entry;
  }

  delete(token: string): boolean {
    return this.entries.delete(token);
  }

  all(): AlertEntry[] {
    return [...this.entries.values()];
  }

  /** The scheduled alert due first, if any. */
  next(): Alert | undefined {
    let next: Alert | undefined;
    for (const e of this.entries.values()) if (e.phase === 'scheduled' && (next === undefined || e.alert.dueAt < next.dueAt)) next = e.alert;
    return next;
  }

  /** The payload of `Alerts.AlertsState` (spec 3.3.2): every alert, and those ringing now. */
  state(): { allAlerts: AlertInfo[]; activeAlerts: AlertInfo[] } {
    const all = this.all();
    return { allAlerts: all.map((e) => alertInfo(e.alert)), activeAlerts: all.filter((e) => e.phase === 'ringing').map((e) => alertInfo(e.alert)) };
  }
}

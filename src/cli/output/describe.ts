import type { Directive } from '../../protocol/messages.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Collects every non-empty `{type, value}` shared-object value of a template, in order (spec 5.4.1). */
export function templateValues(node: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 8 || node === null || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const item of node) templateValues(item, out, depth + 1);
    return out;
  }
  const rec = node as Record<string, unknown>;
  if (typeof rec.type === 'string' && 'value' in rec && rec.type !== 'action') {
    const v = str(rec.value);
    if (v !== undefined) out.push(v);
    return out;
  }
  for (const [key, value] of Object.entries(rec)) {
    if (key === 'meta' || key === 'failureMessage' || key === 'actionList') continue;
    templateValues(value, out, depth + 1);
  }
  return out;
}

function compactJson(value: unknown, max = 400): string {
  const s = JSON.stringify(value) ?? '';
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** How much a description shows. */
export interface DescribeOptions {
  /** Ids and raw payload JSON, for whoever debugs the protocol (--verbose). */
  verbose?: boolean;
  /** The clock that decides whether a date needs its year (injectable for tests). */
  now?: Date;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A server timestamp in the user's local time zone (the process's TZ): "07:00 (Mon 30 Nov)", with
 * seconds when they are not zero and the year when it is not this year. Unparsable text comes back
 * as it is, so nothing the server said is lost.
 */
export function localTime(stamp: string, now = new Date()): string {
  const at = new Date(stamp);
  if (!/^\d{4}-\d\d-\d\dT/.test(stamp) || Number.isNaN(at.getTime())) return stamp;
  const clock = `${two(at.getHours())}:${two(at.getMinutes())}${at.getSeconds() !== 0 ? `:${two(at.getSeconds())}` : ''}`;
  const day = new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(at.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}),
  }).format(at);
  return `${clock} (${day.replace(/,/g, '')})`;
}

const ALERT_KINDS: Record<string, string> = { ALARM: 'alarm', TIMER: 'timer', REMINDER: 'reminder', ACTIONTIMER: 'action timer' };

/** "alarm set for 07:00 (Mon 30 Nov)", "reminder "take out the bins" set for …". */
function describeAlert(p: Record<string, unknown>, now: Date | undefined): string {
  const type = str(p.type);
  const kind = (type !== undefined ? ALERT_KINDS[type] : undefined) ?? (type?.toLowerCase() ?? 'alert');
  const label = str(p.label);
  const when = str(p.scheduledTime);
  return `${kind}${label !== undefined ? ` "${label}"` : ''} set for ${when !== undefined ? localTime(when, now) : 'an unknown time'}`;
}

/** What a notification does, in words: "new notification: light on, plays the notification sound". */
function describeNotification(p: Record<string, unknown>): string {
  const assets = Array.isArray(p.assets) ? (p.assets as Array<{ url?: unknown }>) : [];
  const sounds = assets.map((a) => str(a.url) ?? '');
  const builtIn = sounds.filter((u) => u.startsWith('clova://')).length;
  const clips = sounds.length - builtIn;
  const what: string[] = [];
  if (p.light === 'DEFAULT') what.push('light on');
  if (builtIn > 0) what.push('plays the notification sound');
  if (clips > 0) what.push(clips === 1 ? 'plays an audio clip' : `plays ${clips} audio clips`);
  return what.length > 0 ? what.join(', ') : 'no light, no sound';
}

/** A one-line, human description of a directive (the RenderText answer is shown separately). */
export function describeDirective(d: Directive, options: DescribeOptions = {}): string {
  const p = d.payload ?? {};
  const name = `${d.header.namespace}.${d.header.name}`;
  switch (name) {
    case 'Clova.RenderText':
      return `${name}: ${str(p.text) ?? ''}`;
    case 'Clova.RenderTemplate': {
      const values = templateValues(p);
      const failure = (p.failureMessage as { value?: unknown } | undefined)?.value;
      const body = values.length > 0 ? values.join(' · ') : (str(failure) ?? '');
      return `${name} ${str(p.type) ?? 'template'}: ${body}`;
    }
    case 'SpeechSynthesizer.Speak': {
      // The attachment gets its own line when it arrives; a URL to stream is worth showing.
      const url = str(p.url) ?? '';
      const lang = p.ttsLang ? ` (${String(p.ttsLang)})` : '';
      return url.toLowerCase().startsWith('cid:') ? `${name}${lang}` : `${name}${lang}: ${url}`;
    }
    case 'SpeechRecognizer.ExpectSpeech': {
      const t = typeof p.timeoutInMilliseconds === 'number' ? `, within ${p.timeoutInMilliseconds / 1000} s` : '';
      return `${name}: CLOVA expects an answer${t}${p.explicit === true ? ' (required)' : ''}`;
    }
    case 'Alerts.SetAlert':
      return `${name}: ${describeAlert(p, options.now)}`;
    case 'Notifier.Notify':
      return `${name}: new notification (${describeNotification(p)})${options.verbose ? ` ${compactJson(p)}` : ''}`;
    case 'Notifier.SetIndicator':
      return `${name}: ${p.new === true ? 'new ' : ''}unread notifications (${describeNotification(p)})${options.verbose ? ` ${compactJson(p)}` : ''}`;
    case 'Notifier.ClearIndicator':
      return `${name}: notifications cleared`;
    case 'System.Exception':
      return `${name}: ${str(p.code) ?? '?'} ${str(p.description) ?? ''}`.trimEnd();
    case 'Clova.LaunchURI': {
      const targets = Array.isArray(p.targets) ? (p.targets as Array<{ uri?: unknown }>) : [];
      return `${name}: ${targets.map((t) => str(t.uri)).filter(Boolean).join(', ')}`;
    }
    case 'AudioPlayer.Play': {
      const item = (p.audioItem ?? {}) as Record<string, unknown>;
      return `${name}: ${str(item.titleText) ?? '?'}${item.titleSubText1 ? ` by ${String(item.titleSubText1)}` : ''}`;
    }
    default:
      if (d.header.namespace === 'DeviceControl' && p.target !== undefined) {
        return `${name}: ${String(p.target)}${p.value !== undefined ? ` ${String(p.value)}` : ''}`;
      }
      // Raw JSON is for debugging; a person gets the name (what it is) without a wall of braces.
      return Object.keys(p).length === 0 || !options.verbose ? name : `${name} ${compactJson(p)}`;
  }
}

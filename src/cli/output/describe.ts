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

function compactJson(value: unknown, max = 120): string {
  const s = JSON.stringify(value) ?? '';
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A one-line, human description of a directive (the RenderText answer is shown separately). */
export function describeDirective(d: Directive): string {
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
      return `${name}: ${str(p.type) ?? 'alert'} at ${str(p.scheduledTime) ?? '?'}`;
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
      return Object.keys(p).length === 0 ? name : `${name} ${compactJson(p)}`;
  }
}

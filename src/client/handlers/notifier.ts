import type { Directive } from '../../protocol/messages.js';
import { compactJson, note, payloadText, type DescribeOptions, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/** Notifier.* (spec 5.10): downchannel notifications, shown; in a session that acts as a device, also sounded and kept for `/status`. */
export const notifierHandler: NamespaceHandler = {
  namespace: 'Notifier',
  directives: new Set(['SetIndicator', 'Notify', 'ClearIndicator']),
  handle(directive, ctx) {
    const notifier = ctx.notifier;
    const p = directive.payload ?? {};
    if (directive.header.name === 'Notify') notifier?.notify(p);
    else if (directive.header.name === 'SetIndicator') notifier?.setIndicator(p);
    else if (directive.header.name === 'ClearIndicator') notifier?.clearIndicator();
  },
};

/** Notifications in words ("new notification (light on, plays the notification sound)"); the JSON only when verbose. */
export function describeNotifier(d: Directive, options: DescribeOptions): DirectiveDescription | undefined {
  const p = d.payload ?? {};
  const json = options.verbose ? ` ${compactJson(p)}` : '';
  switch (d.header.name) {
    case 'Notify':
      return note(d, `new notification (${notificationEffects(p)})${json}`);
    case 'SetIndicator':
      return note(d, `${p.new === true ? 'new ' : ''}unread notifications (${notificationEffects(p)})${json}`);
    case 'ClearIndicator':
      return note(d, 'notifications cleared');
    default:
      return undefined;
  }
}

/** What a notification does, in words: "light on, plays the notification sound". */
function notificationEffects(p: Record<string, unknown>): string {
  const assets = Array.isArray(p.assets) ? (p.assets as Array<{ url?: unknown }>) : [];
  const sounds = assets.map((a) => payloadText(a.url) ?? '');
  const builtIn = sounds.filter((u) => u.startsWith('clova://')).length;
  const clips = sounds.length - builtIn;
  const what: string[] = [];
  if (p.light === 'DEFAULT') what.push('light on');
  if (builtIn > 0) what.push('plays the notification sound');
  if (clips > 0) what.push(clips === 1 ? 'plays an audio clip' : `plays ${clips} audio clips`);
  return what.length > 0 ? what.join(', ') : 'no light, no sound';
}

import type { Directive } from '../../protocol/messages.js';
import { note, payloadText, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/** AudioPlayer.* (spec 5.6): shown (title, artist), not streamed. */
export const audioPlayerHandler: NamespaceHandler = {
  namespace: 'AudioPlayer',
  directives: new Set(['Play', 'StreamDeliver', 'ClearQueue', 'ExpectReportPlaybackState']),
};

/** "AudioPlayer.Play: title by artist"; the others are shown plainly. */
export function describeAudioPlayer(d: Directive): DirectiveDescription | undefined {
  if (d.header.name !== 'Play') return undefined;
  const item = (d.payload?.audioItem ?? {}) as Record<string, unknown>;
  return note(d, `${payloadText(item.titleText) ?? '?'}${item.titleSubText1 ? ` by ${String(item.titleSubText1)}` : ''}`);
}

import type { Directive } from '../../protocol/messages.js';
import { note, payloadText, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/**
 * AudioPlayer.* (spec 5.6): in a session that acts as a device, played by its media player (Play,
 * StreamDeliver, ClearQueue, ExpectReportPlaybackState); otherwise shown (title, artist).
 */
export const audioPlayerHandler: NamespaceHandler = {
  namespace: 'AudioPlayer',
  directives: new Set(['Play', 'StreamDeliver', 'ClearQueue', 'ExpectReportPlaybackState']),
  handle(directive, ctx) {
    const media = ctx.media;
    if (!media) return;
    const p = directive.payload ?? {};
    switch (directive.header.name) {
      case 'Play':
        return media.play(p);
      case 'StreamDeliver':
        return media.streamDeliver(p);
      case 'ClearQueue':
        return media.clearQueue(p);
      case 'ExpectReportPlaybackState':
        return media.reportPlaybackState();
    }
  },
};

/** "AudioPlayer.Play: title by artist"; the others are shown plainly. */
export function describeAudioPlayer(d: Directive): DirectiveDescription | undefined {
  if (d.header.name !== 'Play') return undefined;
  const item = (d.payload?.audioItem ?? {}) as Record<string, unknown>;
  return note(d, `${payloadText(item.titleText) ?? '?'}${item.titleSubText1 ? ` by ${String(item.titleSubText1)}` : ''}`);
}

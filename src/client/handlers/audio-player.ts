import type { NamespaceHandler } from './types.js';

/** AudioPlayer.* (spec 5.6): shown (title, artist), not streamed. */
export const audioPlayerHandler: NamespaceHandler = {
  namespace: 'AudioPlayer',
  directives: new Set(['Play', 'StreamDeliver', 'ClearQueue', 'ExpectReportPlaybackState']),
};

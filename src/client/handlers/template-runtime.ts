import type { NamespaceHandler } from './types.js';

/** TemplateRuntime.* (spec 5.12): media-player metadata, shown. */
export const templateRuntimeHandler: NamespaceHandler = {
  namespace: 'TemplateRuntime',
  directives: new Set(['RenderPlayerInfo', 'RenderPlaylist', 'ExpectRequestPlayerInfo', 'UpdateLike', 'UpdateSubscribe']),
};

import type { NamespaceHandler } from './types.js';

/** System.* (spec 5.5); Exception is turned into an error by the client. */
export const systemHandler: NamespaceHandler = {
  namespace: 'System',
  directives: new Set(['SynchronizeState', 'Exception']),
};

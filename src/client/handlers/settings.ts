import type { NamespaceHandler } from './types.js';

/** Settings.* (spec 5.11). */
export const settingsHandler: NamespaceHandler = {
  namespace: 'Settings',
  directives: new Set(['ExpectReport', 'Update', 'UpdateVersionSpec']),
};

import type { NamespaceHandler } from './types.js';

/** Notifier.* (spec 5.10): downchannel notifications, shown. */
export const notifierHandler: NamespaceHandler = {
  namespace: 'Notifier',
  directives: new Set(['SetIndicator', 'Notify', 'ClearIndicator']),
};

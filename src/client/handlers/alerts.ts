import type { NamespaceHandler } from './types.js';

/** Alerts.* (spec 5.8): shown, not rung (a CLI has no alarm clock). */
export const alertsHandler: NamespaceHandler = {
  namespace: 'Alerts',
  directives: new Set(['SetAlert', 'DeleteAlert', 'StopAlert', 'SynchronizeAlert']),
};

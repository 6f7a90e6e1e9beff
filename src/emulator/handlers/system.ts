import { buildDirective } from '../../protocol/messages.js';
import { directivePart } from '../wire.js';
import type { NamespaceHandlers } from './types.js';

/** System (spec 5.5): state sync at connect time. The emulator stores no alerts. */
export const systemHandlers: NamespaceHandlers = {
  RequestSynchronizeState: () => ({
    status: 200,
    parts: [directivePart(buildDirective('System', 'SynchronizeState', { allAlerts: [] }))],
  }),
};

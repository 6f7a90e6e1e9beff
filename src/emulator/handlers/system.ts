import { buildDirective } from '../../protocol/messages.js';
import { directivePart } from '../wire.js';
import type { NamespaceHandlers } from './types.js';

/** System (spec 5.5): state sync at connect time, with the alerts the emulator stores for the client. */
export const systemHandlers: NamespaceHandlers = {
  RequestSynchronizeState: (_event, ctx) => ({
    status: 200,
    parts: [directivePart(buildDirective('System', 'SynchronizeState', { allAlerts: ctx.device.storedAlerts(ctx.now()) }))],
  }),
};

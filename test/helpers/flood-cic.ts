import type { DirectiveMessage } from '../../src/protocol/messages.js';
import { directive, hostileCic, type HostileServer } from './hostile-cic.js';

/** A hostile CIC that pushes `directives` on the downchannel after Hello; it counts the events that follow. */
export interface FloodServer extends HostileServer {
  /** Events (every POST) received. */
  readonly reports: number;
  /** The most report events that were open on the server at once. */
  readonly peakOpen: number;
}

/** `n` SetAlert directives for alerts an hour ahead (distinct tokens). */
export function setAlerts(n: number, now = Date.now()): DirectiveMessage[] {
  const at = new Date(now + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  return Array.from({ length: n }, (_, i) => directive('Alerts', 'SetAlert', { token: `flood-${i}`, type: 'TIMER', scheduledTime: at }));
}

/** Starts a server that floods the downchannel; events are answered 204 once their body ended. */
export async function floodCic(directives: DirectiveMessage[]): Promise<FloodServer> {
  let open = 0;
  let peak = 0;
  let reports = 0;
  const server = await hostileCic({
    pushes: () => directives,
    onEventStream: (stream) => {
      reports++;
      open++;
      peak = Math.max(peak, open);
      stream.once('close', () => open--);
    },
  });
  return {
    ...server,
    get reports() {
      return reports;
    },
    get peakOpen() {
      return peak;
    },
  };
}

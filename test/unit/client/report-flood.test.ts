import { describe, expect, it } from 'vitest';
import { CicClient } from '../../../src/client/client.js';
import { MAX_REPORTS_IN_FLIGHT, ReportQueue } from '../../../src/client/report-queue.js';
import { directive } from '../../helpers/hostile-cic.js';
import { floodCic } from '../../helpers/flood-cic.js';
import { TOKEN } from '../../helpers/emulator.js';

const UA = 'clova-cli/clova-cli/0.1.0 (Linux 6.1;x64;node=20.20.2)';

describe('a flood of directives that ask for reports', () => {
  it('keeps at most MAX_REPORTS_IN_FLIGHT report events open at once, and sends them all', async () => {
    const n = 60;
    const server = await floodCic(Array.from({ length: n }, () => directive('Settings', 'ExpectReport', {})));
    const c = new CicClient({ url: server.url, token: TOKEN, userAgent: UA });
    c.on('notice', () => undefined);
    let seen = 0;
    const all = new Promise<void>((r) => c.on('directive', () => ++seen === n && r()));
    await c.connect();
    await all;
    await c.settled();
    expect(server.reports).toBeGreaterThanOrEqual(n);
    expect(server.peakOpen).toBeGreaterThan(0);
    expect(server.peakOpen).toBeLessThanOrEqual(MAX_REPORTS_IN_FLIGHT);
    await c.close();
  });
});

describe('ReportQueue', () => {
  it('bounds what is in flight and waiting, and tells the drops in one line', async () => {
    const lines: string[] = [];
    const q = new ReportQueue({ maxInFlight: 2, maxQueued: 3, dropped: (l) => lines.push(l) });
    const releases: (() => void)[] = [];
    let built = 0;
    for (let i = 0; i < 10; i++) {
      q.add('Alerts.SetAlertSucceeded', () => {
        built++;
        return new Promise<void>((r) => releases.push(r));
      });
    }
    expect(q.inFlight).toBe(2);
    expect(q.queued).toBe(3);
    expect(built).toBe(2); // a waiting report is not built yet
    const idle = q.idle();
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await idle;
    expect(built).toBe(5);
    expect(q.peakInFlight).toBe(2);
    expect(lines).toEqual(['too many report events at once: 5 Alerts.SetAlertSucceeded not sent (at most 2 in flight and 3 waiting)']);
  });
});

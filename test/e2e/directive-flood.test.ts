import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TOKEN } from '../helpers/emulator.js';
import { setAlerts } from '../helpers/flood-cic.js';
import { hostileCic } from '../helpers/hostile-cic.js';
import { FLOOD_LINES } from '../../src/cli/output/flood-gate.js';

describe('a flood of directives of one kind (e2e)', () => {
  it('human output shows a few lines and one summary line "… and N more SetAlert"', async () => {
    const n = 60;
    const flood = setAlerts(n);
    const server = await hostileCic({ answer: () => ({ status: 200, parts: flood }) });
    const r = await runCli(['text', 'set timers', '--server', server.url], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('SetAlert'));
    expect(lines.length).toBe(FLOOD_LINES + 1);
    expect(lines.at(-1)).toContain(`… and ${n - FLOOD_LINES} more SetAlert`);
  });

  it('--json keeps one line per directive', async () => {
    const server = await hostileCic({ answer: () => ({ status: 200, parts: setAlerts(30) }) });
    const r = await runCli(['text', 'set timers', '--server', server.url, '--json'], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.includes('"SetAlert"')).length).toBe(30);
  });
});

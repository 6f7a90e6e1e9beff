import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'clova-cfg-'));
}

describe('configuration (e2e)', () => {
  it('loads .env from the working directory; real environment variables win', async () => {
    const emu = await emulator();
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), `CLOVA_ACCESS_TOKEN=from-dotenv-123\nCLOVA_CIC_URL=${emu.url}\n`);
    const a = await runCli(['text', 'hello'], { cwd });
    expect(a.code).toBe(0);
    expect(emu.record.requests.at(-1)!.headers.authorization).toBe('Bearer from-dotenv-123');
    const b = await runCli(['text', 'hello'], { cwd, env: { CLOVA_ACCESS_TOKEN: 'from-env-456' } });
    expect(b.code).toBe(0);
    expect(emu.record.requests.at(-1)!.headers.authorization).toBe('Bearer from-env-456');
  });

  it('--server wins over CLOVA_CIC_URL', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--server', emu.url], {
      env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: 'http://127.0.0.1:9' },
    });
    expect(r.code).toBe(0);
    expect(emu.record.events).toHaveLength(1);
  });

  it('CLOVA_USER_AGENT overrides the User-Agent, and a malformed one is refused before connecting', async () => {
    const emu = await emulator();
    const ua = 'Acme/TestClient/1.2.3 (Linux 6.1;x86_64;node=20)';
    const ok = await runCli(['text', 'hello'], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url, CLOVA_USER_AGENT: ua } });
    expect(ok.code).toBe(0);
    expect(emu.record.requests[0]!.headers['user-agent']).toBe(ua);
    const bad = await runCli(['text', 'hello'], {
      env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url, CLOVA_USER_AGENT: 'Mozilla/5.0 (X11; Linux x86_64)' },
    });
    expect(bad.code).toBe(2);
    expect(emu.record.connections).toHaveLength(1);
  });

  describe('TLS with a self-signed certificate', () => {
    it('is trusted through NODE_EXTRA_CA_CERTS', async () => {
      const emu = await emulator({ tls: true });
      expect(emu.url).toMatch(/^https:/);
      const r = await runCli(['text', 'hello'], {
        env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url, NODE_EXTRA_CA_CERTS: emu.certPath },
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    });

    it('is trusted through --ca-file', async () => {
      const emu = await emulator({ tls: true });
      const r = await runCli(['text', 'hello', '--ca-file', emu.certPath!], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url } });
      expect(r.code).toBe(0);
    });

    it('is accepted unverified with --insecure, with a warning', async () => {
      const emu = await emulator({ tls: true });
      const r = await runCli(['text', 'hello', '--insecure'], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url } });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/warning: --insecure/);
    });

    it('is refused without either: exit 4 with a hint', async () => {
      const emu = await emulator({ tls: true });
      const r = await runCli(['text', 'hello'], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url } });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/TLS handshake .* failed.*--ca-file/);
    });
  });

  it('the token appears in no output, trace or emulator log', async () => {
    const log: string[] = [];
    const emu = await emulator({ log: (l) => log.push(l), faults: ['event-status=401:1'] });
    const runs = [
      await runCli(['text', 'hello', '--verbose'], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url } }),
      await runCli(['text', 'hello', '--verbose', '--json'], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url } }),
    ];
    expect(runs.map((r) => r.code)).toEqual([3, 0]);
    expect(runs[1]!.stderr).toMatch(/\[trace \+\d+ms\]/);
    for (const r of runs) {
      expect(r.stdout).not.toContain(TOKEN);
      expect(r.stderr).not.toContain(TOKEN);
    }
    expect(log.length).toBeGreaterThan(0);
    expect(log.join('\n')).not.toContain(TOKEN);
  });
});

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { baseEnv, CLI, ndjson, runCli } from '../helpers/cli.js';

/** Starts `clova-cli emulator` as a user would and waits for the URL it prints. */
function startEmulatorCommand(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', ...args], {
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ready = new Promise<{ url: string; cert?: string }>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const url = /listening on (\S+)/.exec(stdout)?.[1];
      const wantsCert = args.includes('--tls');
      const cert = /certificate: (\S+)/.exec(stdout)?.[1];
      if (url && (!wantsCert || cert)) resolve({ url, ...(cert ? { cert } : {}) });
    });
    child.on('close', (code) => reject(new Error(`emulator exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { child, ready, exited, log: () => stderr };
}

describe('clova-cli emulator (e2e, as a separate process)', () => {
  it('serves h2c, logs requests without the token, and stops on SIGINT with exit 0', async () => {
    const emu = startEmulatorCommand(['--token', 'tok-cmd-5566', '--push-every', '60']);
    const { url } = await emu.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await runCli(['text', 'hello', '--json'], { env: { CLOVA_ACCESS_TOKEN: 'tok-cmd-5566', CLOVA_CIC_URL: url } });
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines.some((l) => l.type === 'directive' && l.source === 'downchannel' && l.directive.header.name === 'Notify')).toBe(true);
    const wrong = await runCli(['text', 'hello'], { env: { CLOVA_ACCESS_TOKEN: 'not-the-token', CLOVA_CIC_URL: url } });
    expect(wrong.code).toBe(3);
    emu.child.kill('SIGINT');
    expect(await emu.exited).toBe(0);
    expect(emu.log()).toMatch(/POST \/v1\/events/);
    expect(emu.log()).not.toContain('tok-cmd-5566');
  });

  it('serves TLS with a generated certificate that --ca-file trusts', async () => {
    const emu = startEmulatorCommand(['--tls', '--fault', 'slow-frames=11']);
    const { url, cert } = await emu.ready;
    expect(url).toMatch(/^https:\/\/localhost:\d+$/);
    const r = await runCli(['text', 'what time is it', '--ca-file', cert!], { env: { CLOVA_ACCESS_TOKEN: 'tok-tls-1', CLOVA_CIC_URL: url } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CLOVA: It is \d{1,2}:\d{2} (AM|PM)\./);
    emu.child.kill('SIGTERM');
    expect(await emu.exited).toBe(0);
  });

  it('refuses bad options with one line and exit 2', async () => {
    for (const args of [['--fault', 'bogus'], ['--port', 'x'], ['--cert', '/nonexistent.pem']]) {
      const r = await runCli(['emulator', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

const env = (url: string) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url });

/** Exit 2, exactly one `clova-cli: error:` line on stderr, nothing on stdout. */
function refused(r: CliResult, what: string): string {
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toMatch(/^clova-cli: error: /);
  expect(r.stdout, what).toBe('');
  return lines[0]!;
}

describe('duration options are refused outside the timer range (exit 2, nothing sent)', () => {
  // Node clamps a delay above 2^31-1 ms to 1 ms: these values used to fail at once, flood PINGs,
  // or reconnect after every PING.
  const cases: Array<[string, string[]]> = [
    ['--timeout', ['text', 'hello']],
    ['--hello-timeout', ['text', 'hello']],
    ['--ping-interval', ['text', 'hello']],
    ['--ping-timeout', ['text', 'hello']],
    ['--timeout', ['recognize', '-']],
    ['--ping-interval', ['listen']],
  ];
  for (const [option, args] of cases) {
    it(`${args[0]} ${option} 3000000000`, async () => {
      const emu = await emulator();
      const r = await runCli([...args, option, '3000000000'], { env: env(emu.url) });
      const line = refused(r, option);
      expect(line).toContain(option);
      expect(line).toContain('2147483647');
      expect(emu.record.connections).toEqual([]);
    });
  }

  it('the largest allowed value is accepted', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--timeout', '2147483647', '--ping-interval', '2147483647', '--json'], { env: env(emu.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(emu.record.events).toHaveLength(1);
  });

  it('listen --max-seconds outside 0..600 is refused before the recorder starts', async () => {
    const emu = await emulator();
    for (const value of ['0', '601', '1e9', 'soon', '-1']) {
      const r = await runCli(['listen', '--max-seconds', value], { env: env(emu.url) });
      const line = refused(r, value);
      expect(line).toContain('--max-seconds');
    }
    expect(emu.record.connections).toEqual([]);
  });
});

describe('server URLs are checked before connecting', () => {
  it('http:// without a port is refused (it would go to port 80), from --server and from CLOVA_CIC_URL', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--server', 'http://127.0.0.1'], { env: env(emu.url) });
    const line = refused(r, 'no port');
    expect(line).toMatch(/--server http:\/\/127\.0\.0\.1 has no port/);
    const viaEnv = await runCli(['text', 'hello'], { env: env('http://127.0.0.1/') });
    expect(refused(viaEnv, 'env no port')).toMatch(/CLOVA_CIC_URL .* has no port/);
    const emptyPort = await runCli(['text', 'hello', '--server', 'http://127.0.0.1:'], { env: env(emu.url) });
    refused(emptyPort, 'empty port');
    expect(emu.record.connections).toEqual([]);
  });

  it('a user or password in the URL is refused without repeating it', async () => {
    const emu = await emulator();
    const port = new URL(emu.url).port;
    for (const url of [`http://user:s3cret-pw@127.0.0.1:${port}`, `http://user@127.0.0.1:${port}`, `http://:s3cret-pw@127.0.0.1:${port}`]) {
      const r = await runCli(['text', 'hello', '--server', url], { env: env(emu.url) });
      const line = refused(r, url);
      expect(line).toMatch(/--server must not contain a user name or password/);
      expect(line).not.toContain('s3cret-pw');
      const viaEnv = await runCli(['text', 'hello'], { env: env(url) });
      expect(refused(viaEnv, url)).toMatch(/CLOVA_CIC_URL must not contain/);
      expect(viaEnv.stderr).not.toContain('s3cret-pw');
    }
    expect(emu.record.connections).toEqual([]);
  });
});

describe('cleartext to a host that is not this machine', () => {
  // 192.0.2.0/24 is TEST-NET-1: never contacted here, the refusal comes before any connection.
  it('is refused when CLOVA_CIC_URL in .env names one (exit 2, before connecting)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'clova-cleartext-'));
    writeFileSync(join(cwd, '.env'), `CLOVA_ACCESS_TOKEN=${TOKEN}\nCLOVA_CIC_URL=http://192.0.2.10:8080\n`);
    const r = await runCli(['text', 'hello'], { cwd });
    const line = refused(r, '.env');
    expect(line).toMatch(/CLOVA_CIC_URL http:\/\/192\.0\.2\.10:8080 .*cleartext.*--insecure/);
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('is refused with --server and a host name too', async () => {
    const r = await runCli(['text', 'hello', '--server', 'http://cic.example.com:8080'], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(refused(r, 'name')).toMatch(/--server http:\/\/cic\.example\.com:8080 .*cleartext/);
  });

  it('loopback addresses need no --insecure and get no warning', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      // One emulator each: the emulator allows one downchannel per token per second.
      const emu = await emulator();
      const url = `http://${host}:${new URL(emu.url).port}`;
      const r = await runCli(['text', 'hello', '--json'], { env: env(url) });
      expect(r.stderr, url).toBe('');
      expect(r.code, url).toBe(0);
    }
  });

  it('with --insecure the warning is printed before anything is connected', async () => {
    // Standard input holds no utterance, so the command stops (exit 2) before it would connect:
    // the warning is seen without contacting the remote host.
    for (const [args, extraEnv] of [
      [['--insecure'], {}],
      [[], { CLOVA_ALLOW_INSECURE: '1' }],
    ] as const) {
      const r = await runCli(['text', '-', '--server', 'http://192.0.2.10:8080', ...args], {
        env: { CLOVA_ACCESS_TOKEN: TOKEN, ...extraEnv },
        input: '',
      });
      expect(r.code).toBe(2);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^clova-cli: warning: .*cleartext.*192\.0\.2\.10/);
      expect(lines[1]).toMatch(/no utterance on standard input/);
    }
  });
});

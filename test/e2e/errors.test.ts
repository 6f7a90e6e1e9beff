import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

const env = (url: string, token: string | undefined = TOKEN) => ({ CLOVA_ACCESS_TOKEN: token, CLOVA_CIC_URL: url });

/** One line on stderr, nothing else. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('errors and exit codes (e2e)', () => {
  it('event 500 with System.Exception: exit 4 and the description shown', async () => {
    const emu = await emulator({ faults: ['event-status=500'] });
    const r = await runCli(['text', 'hello'], { env: env(emu.url) });
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toMatch(/500.*Injected fault: status 500/);
    const j = await runCli(['text', 'hello', '--json'], { env: env(emu.url) });
    expect(j.code).toBe(4);
    const err = ndjson(j.stdout).find((l) => l.type === 'error')!;
    expect(err).toMatchObject({ exitCode: 4 });
    expect(err.message).toContain('Injected fault: status 500');
  });

  it('401 on the downchannel: exit 3 and no event posted', async () => {
    const emu = await emulator({ token: 'the-right-token' });
    const r = await runCli(['text', 'hello'], { env: env(emu.url) });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(/401/);
    expect(emu.record.requests.filter((q) => q.path === '/v1/events')).toEqual([]);
    expect(emu.record.requests.filter((q) => q.path === '/v1/directives')).toHaveLength(1);
  });

  it('401 on the event: exit 3', async () => {
    const emu = await emulator({ faults: ['event-status=401'] });
    const r = await runCli(['text', 'hello'], { env: env(emu.url) });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(/401/);
  });

  it('no token: exit 3 and no connection at all', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello'], { env: { CLOVA_CIC_URL: emu.url } });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(/not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN/);
    expect(emu.record.connections).toEqual([]);
  });

  it('empty utterance, unknown command, bad options: exit 2 and no connection', async () => {
    const emu = await emulator();
    const notADir = join(mkdtempSync(join(tmpdir(), 'clova-usage-')), 'file');
    writeFileSync(notADir, 'x');
    for (const args of [
      ['text', 'hello', '--save-audio', notADir],
      ['text', 'hello', '--emulator', '--emulator-fault', 'bogus'],
      ['text', 'hello', '--emulator-fault', 'shuffle'],
      ['text', ''],
      ['text', '   '],
      ['speak', 'hello'],
      ['txt', 'hello'],
      ['text', 'hello', '--jsn'],
      ['text', 'hello', '--timeout', 'soon'],
      ['recognize', 'question.wav', '--lang', 'fr'],
      ['text', 'hello', '--server', 'ftp://x'],
      ['text', 'hello', '--ca-file', '/nonexistent.pem'],
      ['text'],
    ]) {
      const r = await runCli(args, { env: env(emu.url) });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter(Boolean).length, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
    }
    const none = await runCli([], { env: env(emu.url) });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: clova-cli/);
    expect(emu.record.connections).toEqual([]);
  });

  it('no Clova.Hello: exit 4', async () => {
    const emu = await emulator({ faults: ['no-hello'] });
    const r = await runCli(['text', 'hello', '--hello-timeout', '300'], { env: env(emu.url) });
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toMatch(/no Clova\.Hello/);
    expect(emu.record.events).toEqual([]);
  });

  it('closed port: exit 4 with a hint', async () => {
    const port = await closedPort();
    const r = await runCli(['text', 'hello'], { env: env(`http://127.0.0.1:${port}`) });
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toMatch(/connection refused/);
  });

  it('--timeout: exit 4 when the answer is late', async () => {
    const emu = await emulator({ faults: ['event-delay=5000'] });
    const r = await runCli(['text', 'hello', '--timeout', '300'], { env: env(emu.url) });
    expect(r.code).toBe(4);
    expect(oneLine(r.stderr)).toMatch(/no answer within 300 ms/);
  });

  it('a connection whose PINGs go unanswered is abandoned: exit 4', async () => {
    const emu = await emulator({ faults: ['no-ping-ack', 'event-delay=5000'] });
    const r = await runCli(['text', 'hello', '--ping-interval', '100', '--ping-timeout', '200'], { env: env(emu.url) });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no PING ACK within 200 ms/);
    expect(r.stderr).toMatch(/abandoned/);
  });
});

describe('interruption (e2e)', () => {
  it('Ctrl-C while waiting for the answer: exit 130, one line', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI, baseEnv } = await import('../helpers/cli.js');
    const emu = await emulator({ faults: ['event-delay=10000'] });
    const child = spawn(process.execPath, [CLI, 'text', 'hello'], {
      env: baseEnv({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await emu.waitFor((r) => r.events.length === 1, 10000);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stderr).toMatch(/interrupted/);
  });
});

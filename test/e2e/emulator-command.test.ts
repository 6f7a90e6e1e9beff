import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { startEmulatorCommand } from '../helpers/emulator-command.js';

/** Polls until `check` holds (at most 10 s). */
async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('clova-cli emulator (e2e, as a separate process)', () => {
  it('serves h2c, logs requests without the token, and stops on SIGINT with exit 0', async () => {
    const emu = startEmulatorCommand(['--token', 'tok-cmd-5566', '--push-every', '60']);
    const { url } = await emu.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.stdout()).toContain(`CIC emulator listening on ${url}\n`);
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

  it('on all interfaces: says so with the port and a URL for this machine, and warns when any token is accepted', async () => {
    const open = startEmulatorCommand(['--host', '0.0.0.0']);
    const { url } = await open.ready;
    // Reached through loopback only: the test never contacts another address.
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(url).port;
    expect(open.stdout()).toContain(`CIC emulator listening on all interfaces (0.0.0.0), port ${port}`);
    expect(open.stdout()).not.toContain('listening on http://127.0.0.1');
    await waitFor(() => open.log().includes('warning'));
    expect(open.log()).toMatch(/^clova-cli: warning: .*0\.0\.0\.0.*any token.*--token/m);
    const r = await runCli(['text', 'hello'], { env: { CLOVA_ACCESS_TOKEN: 'whatever-token', CLOVA_CIC_URL: url } });
    expect(r.code).toBe(0);
    open.child.kill('SIGINT');
    expect(await open.exited).toBe(0);

    const guarded = startEmulatorCommand(['--host', '0.0.0.0', '--token', 'tok-all-if-9911', '--quiet']);
    await guarded.ready;
    guarded.child.kill('SIGINT');
    expect(await guarded.exited).toBe(0);
    expect(guarded.log()).toBe('');
  });

  it('takes the accepted token from CLOVA_EMULATOR_TOKEN (not shown in ps) and never prints it', async () => {
    const emu = startEmulatorCommand([], { CLOVA_EMULATOR_TOKEN: 'tok-env-emu-4242' });
    const { url } = await emu.ready;
    const wrong = await runCli(['text', 'hello'], { env: { CLOVA_ACCESS_TOKEN: 'not-the-token', CLOVA_CIC_URL: url } });
    expect(wrong.code).toBe(3);
    const right = await runCli(['text', 'hello'], { env: { CLOVA_ACCESS_TOKEN: 'tok-env-emu-4242', CLOVA_CIC_URL: url } });
    expect(right.code, right.stderr).toBe(0);
    emu.child.kill('SIGINT');
    expect(await emu.exited).toBe(0);
    expect(emu.stdout()).not.toContain('any CLOVA_ACCESS_TOKEN works');
    expect(emu.stdout() + emu.log()).not.toContain('tok-env-emu-4242');
  });

  it('says "listening" once, with its faults, on h2c and on TLS (issue 7)', async () => {
    for (const args of [['--fault', 'slow-frames=11'], ['--tls']]) {
      const emu = startEmulatorCommand(args);
      const { url } = await emu.ready;
      emu.child.kill('SIGINT');
      expect(await emu.exited).toBe(0);
      const all = emu.stdout() + emu.log();
      expect(all.match(/listening/g), `${args.join(' ')}:\n${all}`).toHaveLength(1);
      expect(emu.stdout()).toContain(`CIC emulator listening on ${url}`);
      if (args[0] === '--fault') expect(emu.stdout()).toContain('with faults slow-frames=11');
    }
  });

  it('refuses bad options with one line and exit 2', async () => {
    for (const args of [
      ['--fault', 'bogus'],
      ['--port', 'x'],
      ['--cert', '/nonexistent.pem'],
      // Beyond Node's timer range (2,147,483,647 ms) a timer fires at once.
      ['--push-every', '2147484'],
      ['--fault', 'drop-downchannel-after=2147484'],
      ['--record-limit', '0'],
      ['--record-limit', 'many'],
    ]) {
      const r = await runCli(['emulator', '--port', '0', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });
});

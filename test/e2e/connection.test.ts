import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

const env = (url: string) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url });

describe('connection handling (e2e)', () => {
  it('429 on the downchannel, then success at least 1 s later', async () => {
    const emu = await emulator({ faults: ['downchannel-status=429:1'] });
    const r = await runCli(['text', 'hello', '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const [first, second] = emu.record.downchannels;
    expect(first!.status).toBe(429);
    expect(second!.status).toBe(200);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(emu.record.events).toHaveLength(1);
    expect(ndjson(r.stdout).some((l) => l.type === 'directive')).toBe(true);
  });

  it('GOAWAY after Hello: the request succeeds on a new connection', async () => {
    const emu = await emulator({ faults: ['goaway-after-hello'] });
    const r = await runCli(['text', 'hello', '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(emu.record.connections.length).toBeGreaterThanOrEqual(2);
    const answered = emu.record.events.filter((e) => e.status === 200);
    expect(answered).toHaveLength(1);
    expect(answered[0]!.connectionId).toBe(emu.record.connections[1]!.id);
    // Never two downchannel requests within 1 s.
    const times = emu.record.downchannels.map((d) => d.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
    // Never a new stream on the connection that got GOAWAY (after the GOAWAY).
    const onFirst = emu.record.requests.filter((q) => q.connectionId === emu.record.connections[0]!.id);
    expect(onFirst.map((q) => q.path)).toEqual(['/v1/directives']);
  });

  it('every request of a run shares one connection', async () => {
    const emu = await emulator();
    const r = await runCli(['text', '-'], { env: env(emu.url), input: 'hello\nwhat time is it\nweather\n' });
    expect(r.code).toBe(0);
    expect(emu.record.events).toHaveLength(3);
    expect(new Set(emu.record.requests.map((q) => q.connectionId)).size).toBe(1);
    expect(emu.record.downchannels).toHaveLength(1);
  });
});

describe('server errors on the downchannel (e2e)', () => {
  it('a 503 on the first downchannel is retried after at least 1 s', async () => {
    const emu = await emulator({ faults: ['downchannel-status=503:1'] });
    const r = await runCli(['text', 'hello'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const [a, b] = emu.record.downchannels;
    expect([a!.status, b!.status]).toEqual([503, 200]);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(1000);
  });

  it('a downchannel that keeps failing ends with exit 4 within --timeout, description shown', async () => {
    const emu = await emulator({ faults: ['downchannel-status=500:100'] });
    const r = await runCli(['text', 'hello', '--timeout', '2500'], { env: env(emu.url) });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/500.*Injected fault: status 500/);
    expect(emu.record.downchannels.length).toBeGreaterThanOrEqual(2);
    expect(emu.record.events).toEqual([]);
  });
});

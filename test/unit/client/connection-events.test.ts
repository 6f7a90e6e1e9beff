import { describe, expect, it } from 'vitest';
import { CicClient, type LinkStatus } from '../../../src/client/client.js';
import { emulator, TOKEN } from '../../helpers/emulator.js';

const UA = 'clova-cli/clova-cli/0.1.0 (Linux 6.1;x64;node=20.20.2)';

/** A client whose 'connection' events (the link's status) and notices are kept, in order. */
function watched(url: string, options: { listen?: boolean; keepAlive?: { intervalMs: number; ackTimeoutMs: number } } = {}) {
  const c = new CicClient({ url, token: TOKEN, userAgent: UA, ...(options.keepAlive ? { keepAlive: options.keepAlive } : {}) });
  const changes: LinkStatus[] = [];
  const notices: string[] = [];
  if (options.listen !== false) c.on('connection', (s) => changes.push({ ...s }));
  c.on('notice', (n) => notices.push(n));
  return { c, changes, notices };
}

/** Waits (bounded) until `done()` holds; fails with `what` and what was seen otherwise. */
async function until(done: () => boolean, what: string, seen: () => unknown, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}; seen: ${JSON.stringify(seen())}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The rules every sequence of changes follows: it starts connected; connected and reconnecting
 * alternate (a loss is told once, however many attempts its repair takes, and so is the repair);
 * each repair counts one more reconnect.
 */
function expectWellFormed(changes: LinkStatus[]): void {
  expect(changes[0]).toMatchObject({ phase: 'connected', reconnects: 0 });
  changes.forEach((s, i) => {
    expect(s.phase, `change ${i}`).toBe(i % 2 === 0 ? 'connected' : 'reconnecting');
    // A loss carries the count so far; the repair after it one more.
    expect(s.reconnects, `change ${i}`).toBe(Math.floor(i / 2));
    if (s.phase === 'connected') {
      expect(s.connectionId).toEqual(expect.any(Number));
      expect(s.reason).toBeUndefined();
    } else expect(s.reason).toEqual(expect.any(String));
  });
}

describe("the link's status: CicClient 'connection' events", () => {
  it('tells connected once at first contact, and nothing more while the connection lasts', async () => {
    const emu = await emulator();
    const { c, changes, notices } = watched(emu.url);
    expect(c.connection).toBeUndefined();
    try {
      await c.connect();
      expect(changes).toEqual([{ phase: 'connected', connectionId: 1, reconnects: 0 }]);
      expect(c.connection).toEqual(changes[0]);
      // Turns on the same connection change nothing.
      expect((await c.sendText('hello')).status).toBe(200);
      expect((await c.sendText('what time is it')).status).toBe(200);
      expect(changes).toHaveLength(1);
      expect(notices).toEqual([]);
    } finally {
      await c.close();
    }
    expect(emu.record.connections).toHaveLength(1);
  });

  it('an ended downchannel: reconnecting once per loss, connected again on the same connection with the reconnects counted', async () => {
    const emu = await emulator({ faults: ['drop-downchannel-after=0.2'] });
    const { c, changes } = watched(emu.url);
    try {
      await c.connect();
      // Two losses and their repairs (each reopening waits out the 1 s window between downchannels).
      await until(() => changes.length >= 5, 'two losses repaired', () => changes);
    } finally {
      await c.close();
    }
    expectWellFormed(changes);
    expect(changes.slice(0, 5)).toEqual([
      { phase: 'connected', connectionId: 1, reconnects: 0 },
      { phase: 'reconnecting', reason: 'downchannel ended', reconnects: 0 },
      { phase: 'connected', connectionId: 1, reconnects: 1 },
      { phase: 'reconnecting', reason: 'downchannel ended', reconnects: 1 },
      { phase: 'connected', connectionId: 1, reconnects: 2 },
    ]);
    // The downchannel was reopened on the one connection each time.
    expect(emu.record.connections).toHaveLength(1);
    expect(emu.record.downchannels.filter((d) => d.helloAt !== undefined).length).toBeGreaterThanOrEqual(3);
  });

  it('a loss whose repair takes several attempts is still one reconnecting and one connected', async () => {
    const emu = await emulator({ faults: ['drop-downchannel-after=0.3'] });
    const { c, changes, notices } = watched(emu.url);
    try {
      await c.connect();
      // From now on the next two downchannel requests are refused (503): the first repair fails twice.
      emu.setFaults(['downchannel-status=503:2']);
      await until(() => changes.length >= 3, 'the loss repaired', () => changes);
      expect(emu.record.downchannels.map((d) => d.status)).toEqual([200, 503, 503, 200]);
    } finally {
      await c.close();
    }
    expect(changes).toEqual([
      { phase: 'connected', connectionId: 1, reconnects: 0 },
      { phase: 'reconnecting', reason: 'downchannel ended', reconnects: 0 },
      { phase: 'connected', connectionId: 1, reconnects: 1 },
    ]);
    // The failed attempts are not told as further losses.
    expect(notices.filter((n) => /reconnecting|connection lost/.test(n))).toEqual([]);
  });

  it('GOAWAY: reconnecting once (not again when the old downchannel ends and its connection closes), connected on a new connection', async () => {
    const emu = await emulator({ faults: ['goaway-after-hello'] });
    const { c, changes, notices } = watched(emu.url);
    try {
      await c.connect();
      await until(() => changes.length >= 3, 'the new connection greeted', () => changes);
      // The old connection winds down: its downchannel ends, then it closes.
      await emu.waitFor((r) => r.connections[0]?.closedAt !== undefined, 10000);
      const r = await c.sendText('hello');
      expect(r.status).toBe(200);
      expect(r.connectionId).toBe(emu.record.connections[1]!.id);
    } finally {
      await c.close();
    }
    expect(changes).toEqual([
      { phase: 'connected', connectionId: 1, reconnects: 0 },
      { phase: 'reconnecting', reason: 'GOAWAY', reconnects: 0 },
      { phase: 'connected', connectionId: 2, reconnects: 1 },
    ]);
    expect(c.connection).toEqual(changes[2]);
    // Someone shows the status changes, so the link's own GOAWAY notice went to the trace.
    expect(notices.filter((n) => /GOAWAY/.test(n))).toEqual([]);
  });

  it('several GOAWAYs in a row: one loss and one repair each, the count going up, a new connection each time', async () => {
    const emu = await emulator({ faults: ['goaway-after-hello=3'] });
    const { c, changes } = watched(emu.url);
    try {
      await c.connect();
      await until(() => changes.length >= 7, 'three losses repaired', () => changes);
    } finally {
      await c.close();
    }
    expectWellFormed(changes);
    expect(changes.filter((s) => s.phase === 'reconnecting').map((s) => s.reason)).toEqual(['GOAWAY', 'GOAWAY', 'GOAWAY']);
    expect(changes.filter((s) => s.phase === 'connected').map((s) => [s.connectionId, s.reconnects])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 3],
    ]);
  });

  it('a dead PING: reconnecting with the reason, connected on a new connection', async () => {
    const emu = await emulator({ faults: ['no-ping-ack'] });
    const { c, changes } = watched(emu.url, { keepAlive: { intervalMs: 100, ackTimeoutMs: 150 } });
    try {
      await c.connect();
      await until(() => changes.length >= 2, 'the loss told', () => changes);
      emu.setFaults([]); // the next connection's PINGs are answered
      await until(() => changes.length >= 3, 'the loss repaired', () => changes);
    } finally {
      await c.close();
    }
    expectWellFormed(changes);
    expect(changes[1]).toMatchObject({ phase: 'reconnecting', reason: expect.stringMatching(/^connection lost: .*PING/), reconnects: 0 });
    expect(changes[2]).toMatchObject({ phase: 'connected', connectionId: 2, reconnects: 1 });
  });

  it('without a listener the link tells its losses as notices instead (a one-shot command)', async () => {
    const emu = await emulator({ faults: ['goaway-after-hello'] });
    const { c, notices } = watched(emu.url, { listen: false });
    try {
      await c.connect();
      await emu.waitFor((r) => r.downchannels.filter((d) => d.helloAt !== undefined).length >= 2, 10000);
      expect((await c.sendText('hello')).status).toBe(200);
    } finally {
      await c.close();
    }
    expect(notices.filter((n) => /GOAWAY/.test(n))).toEqual(['server sent GOAWAY: moving to a new connection']);
    // The status is kept all the same.
    expect(c.connection).toMatchObject({ phase: 'connected', connectionId: 2, reconnects: 1 });
  });

  it('closing the client is not a loss: no reconnecting after close()', async () => {
    const emu = await emulator();
    const { c, changes } = watched(emu.url);
    await c.connect();
    await c.close();
    await emu.waitFor((r) => r.connections[0]?.closedAt !== undefined, 10000);
    expect(changes).toEqual([{ phase: 'connected', connectionId: 1, reconnects: 0 }]);
  });
});

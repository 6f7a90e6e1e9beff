import { describe, expect, it } from 'vitest';
import { KeepAlive } from '../../../src/client/keepalive.js';
import { FakeTimers } from '../../helpers/fake-timers.js';

describe('KeepAlive', () => {
  it('pings every interval while ACKs come back', () => {
    const t = new FakeTimers();
    let pings = 0;
    const dead: string[] = [];
    const k = new KeepAlive(
      { ping: (cb) => (pings++, queueMicrotask(() => cb(null)), true) },
      t,
      (r) => dead.push(r),
      { intervalMs: 60000, ackTimeoutMs: 10000 },
    );
    k.start();
    t.advance(59999);
    expect(pings).toBe(0);
    t.advance(1);
    expect(pings).toBe(1);
    return Promise.resolve().then(() => {
      t.advance(60000);
      expect(pings).toBe(2);
      expect(dead).toEqual([]);
      k.stop();
    });
  });

  it('declares the connection dead when no ACK arrives within the timeout', () => {
    const t = new FakeTimers();
    const dead: string[] = [];
    const k = new KeepAlive({ ping: () => true }, t, (r) => dead.push(r), { intervalMs: 1000, ackTimeoutMs: 500 });
    k.start();
    t.advance(1499);
    expect(dead).toEqual([]);
    t.advance(1);
    expect(dead).toEqual(['no PING ACK within 500 ms']);
    t.advance(10000);
    expect(dead).toHaveLength(1);
    expect(t.pending).toBe(0);
  });

  it('treats a failed or unsendable PING as dead, and stop() silences it', () => {
    const t = new FakeTimers();
    const dead: string[] = [];
    new KeepAlive({ ping: (cb) => (cb(new Error('closed')), true) }, t, (r) => dead.push(r), { intervalMs: 10 }).start();
    new KeepAlive({ ping: () => false }, t, (r) => dead.push(r), { intervalMs: 10 }).start();
    const k = new KeepAlive({ ping: () => true }, t, (r) => dead.push(r), { intervalMs: 10, ackTimeoutMs: 5 });
    k.start();
    k.stop();
    t.advance(100);
    expect(dead).toEqual(['PING failed: closed', 'PING could not be sent']);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PingFrameFilter } from '../../../src/emulator/frame-filter.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

const settings = frame(0x4, 0, 0, Buffer.alloc(6));
const ping = frame(0x6, 0, 0, Buffer.from('12345678'));
const pingAck = frame(0x6, 0x1, 0, Buffer.from('abcdefgh'));
const data = frame(0x0, 0x1, 1, Buffer.alloc(300, 0x06)); // payload bytes that look like a PING type

function run(chunks: Buffer[], drop: boolean): { out: Buffer; pings: number } {
  let pings = 0;
  const f = new PingFrameFilter(() => {
    pings++;
    return drop;
  });
  const out = Buffer.concat(chunks.flatMap((c) => f.filter(c)));
  return { out, pings };
}

function split(b: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(b.subarray(prev, p));
    prev = p;
  }
  parts.push(b.subarray(prev));
  return parts;
}

describe('PingFrameFilter', () => {
  const stream = Buffer.concat([PREFACE, settings, ping, data, pingAck, ping]);
  const withoutPings = Buffer.concat([PREFACE, settings, data, pingAck]);

  it('drops client PINGs (not ACKs) however the bytes are split', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        const r = run(split(stream, cuts), true);
        expect(r.out.equals(withoutPings)).toBe(true);
        expect(r.pings).toBe(2);
      }),
    );
  });

  it('passes everything through when told not to drop', () => {
    const r = run(split(stream, [1, 30, 31, 40, 200]), false);
    expect(r.out.equals(stream)).toBe(true);
    expect(r.pings).toBe(2);
  });
});

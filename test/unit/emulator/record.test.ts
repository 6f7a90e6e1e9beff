import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../../src/emulator/index.js';
import { buildEvent } from '../../../src/protocol/messages.js';
import { newId } from '../../../src/protocol/ids.js';
import { closeSession, connect, readyDownchannel, request, sendEvent, textEvent, useEmulator } from './h2-client.js';

// A long-running `clova-cli emulator` must not grow with the number of requests or the length of
// one upload: its record keeps the last N entries of each list and the first K parts of an event.

const { start, session } = useEmulator();

describe('the emulator record stays bounded', () => {
  it('keeps the last recordLimit entries of each list after many requests and connections', async () => {
    const emu = await start({ recordLimit: 20 });
    const s = await session();
    await readyDownchannel(s);
    for (let i = 0; i < 120; i++) {
      const r = await sendEvent(s, textEvent(`hello ${i}`));
      expect(r.status).toBe(200);
    }
    for (let i = 0; i < 30; i++) {
      const extra = await connect(emu.url);
      extra.on('error', () => undefined);
      expect((await request(extra, 'GET', '/ping')).status).toBe(204);
      await closeSession(extra);
    }
    const rec = emu.record;
    expect(rec.events).toHaveLength(20);
    expect(rec.requests).toHaveLength(20);
    expect(rec.attachments.length).toBeLessThanOrEqual(20);
    expect(rec.connections.length).toBeLessThanOrEqual(20);
    // The newest are kept, and what was dropped is counted.
    expect(rec.events.at(-1)!.message.event.payload.text).toBe("hello 119");
    expect(rec.events[0]!.message.event.payload.text).toBe("hello 100");
    expect(rec.dropped.events).toBe(100);
    expect(rec.dropped.requests).toBe(1 + 120 + 30 - 20); // the downchannel, the events, the pings
    expect(rec.dropped.connections).toBe(1 + 30 - rec.connections.length);
    await emu.waitFor((r) => r.connections.at(-1)?.closedAt !== undefined);
  });

  it('keeps the first recordPartLimit parts of an event and counts them all', async () => {
    const emu = await start({ recordPartLimit: 10, recognizer: 'off' });
    const s = await session();
    await readyDownchannel(s);
    const audio = Array.from({ length: 60 }, () => Buffer.alloc(640));
    const event = buildEvent('SpeechRecognizer', 'Recognize', { lang: 'en', profile: 'CLOSE_TALK', format: 'AUDIO_L16_RATE_16000_CHANNELS_1' }, { dialogRequestId: newId() });
    const r = await sendEvent(s, event, { audio });
    expect(r.status).toBe(200);
    const e = emu.record.events[0]!;
    expect(e.parts).toHaveLength(10);
    expect(e.parts[0]!.name).toBe('metadata');
    expect(e.partCount).toBe(61);
    // The audio record still covers every byte.
    expect(e.audio!.bytes).toBe(60 * 640);
  });

  it('has generous defaults, and keeps everything when asked to', async () => {
    const emu = await start({ recordLimit: Infinity });
    const s = await session();
    await readyDownchannel(s);
    for (let i = 0; i < 30; i++) await sendEvent(s, textEvent(`hello ${i}`));
    expect(emu.record.events).toHaveLength(30);
    expect(emu.record.dropped.events).toBe(0);
    for (const bad of [{ recordLimit: 0 }, { recordLimit: 1.5 }, { recordPartLimit: -1 }]) {
      await expect(startEmulator({ port: 0, ...bad })).rejects.toThrow(/record(Part)?Limit/);
    }
  });
});

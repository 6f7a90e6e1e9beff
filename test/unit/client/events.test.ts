import { describe, expect, it } from 'vitest';
import { CicClient, type ClientEvent } from '../../../src/client/client.js';
import { emulator, TOKEN } from '../../helpers/emulator.js';

describe('CicClient.events(): one stream of directives, activity and connection changes', () => {
  it('yields the ready connection, a push while idle, and a turn from thinking to idle, in order; ends on close', async () => {
    const emu = await emulator({ pushEverySeconds: 0.2 });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: 'test/clova-cli-test/1.0.0 (Linux;x64)' });
    const seen: ClientEvent[] = [];
    const reading = (async () => {
      for await (const e of client.events()) seen.push(e);
    })();
    try {
      await client.connect();
      const start = Date.now();
      while (!seen.some((e) => e.type === 'directive' && e.directive.source === 'downchannel') && Date.now() - start < 10000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await client.sendText('hello');
    } finally {
      await client.close();
    }
    await reading; // the iterator ends with the client
    expect(seen[0]).toMatchObject({ type: 'connection', connection: { phase: 'connected', reconnects: 0 } });
    const pushed = seen.find((e) => e.type === 'directive' && e.directive.source === 'downchannel');
    expect(pushed).toBeDefined();
    const activities = seen.filter((e) => e.type === 'activity').map((e) => (e as { activity: string }).activity);
    expect(activities.slice(0, 2)).toEqual(['thinking', 'idle']);
    const answer = seen.findIndex((e) => e.type === 'directive' && e.directive.message.directive.header.name === 'RenderText');
    expect(answer).toBeGreaterThan(seen.findIndex((e) => e.type === 'activity'));
  });
});

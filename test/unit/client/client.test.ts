import { describe, expect, it } from 'vitest';
import { CicClient, SystemExceptionError, type ReceivedDirective } from '../../../src/client/client.js';
import { AuthError, ConnectionError, ServerError } from '../../../src/protocol/errors.js';
import { buildDirective, buildEvent } from '../../../src/protocol/messages.js';
import { emulator, TOKEN } from '../../helpers/emulator.js';
import { directive, hostileCic } from '../../helpers/hostile-cic.js';

const UA = 'clova-cli/clova-cli/0.1.0 (Linux 6.1;x64;node=20.20.2)';

function client(url: string, extra: Partial<ConstructorParameters<typeof CicClient>[0]> = {}) {
  const c = new CicClient({ url, token: TOKEN, userAgent: UA, ...extra });
  const directives: ReceivedDirective[] = [];
  const notices: string[] = [];
  c.on('directive', (d) => directives.push(d));
  c.on('notice', (n) => notices.push(n));
  return { c, directives, notices };
}

describe('CicClient against the emulator', () => {
  it('connects, waits for Hello, sends text and routes the answer', async () => {
    const emu = await emulator();
    const { c, directives } = client(emu.url);
    await c.connect();
    expect(emu.record.downchannels[0]!.helloAt).toBeDefined();
    const result = await c.sendText('hello');
    expect(result.status).toBe(200);
    expect(result.directives).toBe(directives.length);
    expect(directives.every((d) => d.message.directive.header.dialogRequestId === result.dialogRequestId)).toBe(true);
    await c.close();
  });

  it('reopens an ended downchannel at once on the same connection (debounced to 1 s)', async () => {
    const emu = await emulator({ faults: ['drop-downchannel-after=0.2'] });
    const { c } = client(emu.url);
    await c.connect();
    await emu.waitFor((r) => r.downchannels.filter((d) => d.helloAt !== undefined).length >= 2, 5000);
    const [a, b] = emu.record.downchannels;
    expect(b!.connectionId).toBe(a!.connectionId);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(1000);
    expect(emu.record.connections).toHaveLength(1);
    await c.close();
  });

  it('replaces a connection whose PING is not acknowledged', async () => {
    const emu = await emulator({ faults: ['no-ping-ack'] });
    const { c, notices } = client(emu.url, { keepAlive: { intervalMs: 100, ackTimeoutMs: 150 } });
    await c.connect();
    await emu.waitFor((r) => r.connections.length >= 2 && r.downchannels.filter((d) => d.helloAt).length >= 2, 5000);
    expect(notices.some((n) => /no PING ACK within 150 ms/.test(n))).toBe(true);
    emu.setFaults([]);
    await c.close();
  });

  it('keeps pinging a healthy connection', async () => {
    const emu = await emulator();
    const { c } = client(emu.url, { keepAlive: { intervalMs: 50, ackTimeoutMs: 1000 } });
    await c.connect();
    await emu.waitFor((r) => (r.connections[0]?.pingsReceived ?? 0) >= 3, 5000);
    expect(emu.record.connections).toHaveLength(1);
    await c.close();
  });

  it('moves to a new connection after GOAWAY and lets the old one finish', async () => {
    const emu = await emulator({ faults: ['goaway-after-hello'] });
    const { c } = client(emu.url);
    await c.connect();
    const r = await c.sendText('what time is it');
    expect(r.status).toBe(200);
    expect(r.connectionId).not.toBe(emu.record.connections[0]!.id);
    await c.close();
  });

  it('reports auth and connection failures with typed errors', async () => {
    const emu = await emulator({ token: 'other' });
    const { c } = client(emu.url);
    await expect(c.connect()).rejects.toBeInstanceOf(AuthError);
    await c.close();
    const emu2 = await emulator({ faults: ['no-hello'] });
    const { c: c2 } = client(emu2.url, { helloTimeoutMs: 200 });
    await expect(c2.connect()).rejects.toBeInstanceOf(ConnectionError);
    await c2.close();
  });

  it('offers directives as an async iterator that ends on close, and reports SpeechState after a Speak', async () => {
    const emu = await emulator();
    const { c } = client(emu.url);
    const seen: string[] = [];
    const done = (async () => {
      for await (const d of c.directives()) seen.push(d.message.directive.header.name);
    })();
    await c.sendText('hello');
    await c.sendText('what time is it');
    await c.close();
    await done;
    expect(seen).toEqual(['Speak', 'RenderText', 'Speak', 'RenderText']);
    const [first, second] = emu.record.events.map((e) => e.message.context);
    const names = (ctx: typeof first) => ctx!.map((o) => `${o.header.namespace}.${o.header.name}`);
    expect(names(first)).not.toContain('SpeechSynthesizer.SpeechState');
    const state = second!.find((o) => o.header.name === 'SpeechState');
    expect(state?.payload).toMatchObject({ playerActivity: 'FINISHED' });
    expect(typeof state?.payload.token).toBe('string');
  });

  it('answers an ExpectSpeech with a follow-up in the same dialog', async () => {
    const emu = await emulator();
    const { c } = client(emu.url);
    const first = await c.sendText('order a pizza');
    expect(c.pendingExpectSpeech?.expectSpeechId).toBeDefined();
    const speechId = c.pendingExpectSpeech!.expectSpeechId;
    const second = await c.sendText('large');
    expect(second.dialogRequestId).toBe(first.dialogRequestId);
    expect(emu.record.events[1]!.message.event.payload).toMatchObject({ speechId, text: 'large' });
    expect(c.pendingExpectSpeech).toBeUndefined();
    await c.close();
  });
});

describe('CicClient reports what the protocol asks for', () => {
  it('confirms a volume change with ActionExecuted and reports the new volume', async () => {
    const emu = await emulator();
    const { c } = client(emu.url);
    await c.sendText('turn up the volume');
    await c.settled();
    const report = emu.record.events.find((e) => e.message.event.header.name === 'ActionExecuted')!;
    expect(report.message.event.payload).toEqual({ command: 'Increase', target: 'volume' });
    expect(report.message.event.header.dialogRequestId).toBeUndefined();
    expect(report.status).toBe(204);
    const volume = report.message.context.find((o) => o.header.name === 'VolumeState')!;
    expect(volume.payload).toEqual({ volume: 8, muted: false });
    await c.close();
  });

  it('answers ExpectReportState, ExpectReport and Update pushed on the downchannel', async () => {
    const emu = await emulator();
    const { c, directives } = client(emu.url);
    await c.connect();
    emu.push(buildDirective('DeviceControl', 'ExpectReportState', {}));
    emu.push(buildDirective('Settings', 'ExpectReport', {}));
    emu.push(buildDirective('DeviceControl', 'TurnOn', { target: 'bluetooth' }));
    await emu.waitFor((r) => r.events.length === 3 && r.events.every((e) => e.status === 204));
    const got = emu.record.events.map((e) => [e.message.event.header.name, e.message.event.payload]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['ReportState', {}],
        ['Report', { configuration: {} }],
        ['ActionFailed', { command: 'TurnOn', target: 'bluetooth' }],
      ]),
    );
    const state = emu.record.events[0]!.message.context.find((o) => o.header.name === 'DeviceState');
    expect(state?.payload).toMatchObject({ volume: { value: 7 } });
    expect(directives.map((d) => d.source)).toEqual(['downchannel', 'downchannel', 'downchannel']);
    await c.settled();
    await c.close();
  });
});

describe('CicClient turns a System.Exception inside a 200 answer into an error', () => {
  const exceptionAnswer = () => ({ status: 200, parts: [directive('System', 'Exception', { code: '500', description: 'the last word' })] });

  it('sendText rejects with a ServerError that names the exception and carries the result', async () => {
    const server = await hostileCic({ answer: exceptionAnswer });
    const { c, directives } = client(server.url);
    const err = await c.sendText('hello').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toBeInstanceOf(SystemExceptionError);
    const e = err as SystemExceptionError;
    expect(e.message).toBe('the server sent System.Exception 500: the last word');
    expect(e.status).toBe(500);
    expect(e.description).toBe('the last word');
    expect(e.code).toBe('E_SERVER');
    // The answer was read to its end: the directive was handed on and the result says so.
    expect(e.result).toMatchObject({ status: 200, directives: 1, exception: { code: '500', description: 'the last word' } });
    expect(directives.map((d) => d.message.directive.header.name)).toEqual(['Exception']);
    await c.close();
  });

  it('sendEvent and recognize reject the same way; a code that is not a number falls back to the status', async () => {
    const server = await hostileCic({
      answer: (_auth, index) => ({
        status: 200,
        parts: [directive('System', 'Exception', index === 0 ? { code: 'UNKNOWN', description: 'odd' } : { code: 401 })],
      }),
    });
    const { c } = client(server.url);
    const event = buildEvent('System', 'SynchronizeState', {}, { context: [] });
    const first = (await c.sendEvent(event).catch((e: unknown) => e)) as SystemExceptionError;
    expect(first).toBeInstanceOf(SystemExceptionError);
    expect(first.message).toBe('the server sent System.Exception 200: odd');
    const second = (await c.recognize(pcm([Buffer.alloc(640)]), { lang: 'en' }).catch((e: unknown) => e)) as SystemExceptionError;
    expect(second).toBeInstanceOf(SystemExceptionError);
    expect(second.message).toBe('the server sent System.Exception 401: no description');
    expect(second.status).toBe(401);
    expect(second.result).toMatchObject({ status: 200, audioBytes: 640, audioParts: 1 });
    await c.close();
  });
});

describe('CicClient.recognize cuts audio into the parts CIC expects', () => {
  it('sends any PCM buffers as 6,400-byte audio parts (the last one shorter)', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const { c } = client(emu.url);
    const r = await c.recognize(pcm([Buffer.alloc(20000, 1), Buffer.alloc(100, 2), Buffer.alloc(6300, 3)]), { lang: 'en', timeoutMs: 10000 });
    expect(r).toMatchObject({ audioBytes: 26400, audioParts: 5 });
    const parts = emu.record.events[0]!.parts.slice(1).map((p) => p.bytes);
    expect(parts).toEqual([6400, 6400, 6400, 6400, 800]);
    await c.close();
  });
});

async function* pcm(buffers: Buffer[]): AsyncGenerator<Buffer> {
  for (const b of buffers) yield b;
}

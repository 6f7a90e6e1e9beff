import { describe, expect, it } from 'vitest';
import { buildDirective, buildEvent } from '../../../src/protocol/messages.js';
import {
  eventBody,
  openDownchannel,
  readyDownchannel,
  request,
  sendEvent,
  shape,
  textEvent,
  TOKEN,
  UA,
  useEmulator,
} from './h2-client.js';

const { start, session } = useEmulator();

const HEX60 = /^multipart\/related; boundary=[0-9a-f]{60}$/;

describe('emulator transport', () => {
  it('listens on an ephemeral port and reports an http URL', async () => {
    const emu = await start();
    expect(emu.port).toBeGreaterThan(0);
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`);
  });

  it('answers GET /ping with 204 and a date header', async () => {
    await start();
    const s = await session();
    const r = await request(s, 'GET', '/ping');
    expect(r.status).toBe(204);
    expect(r.body.length).toBe(0);
    expect(r.headers.date).toBeTruthy();
  });

  it('answers unknown paths with 404 and a System.Exception', async () => {
    await start();
    const s = await session();
    const r = await request(s, 'GET', '/v2/nothing');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(HEX60);
    expect(r.parts).toHaveLength(1);
    const p = r.parts[0]!;
    expect(p.headers.dispositionName).toMatch(/^exception-[0-9a-f-]{36}$/);
    expect(p.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(p.json!.directive.header).toMatchObject({ namespace: 'System', name: 'Exception' });
    expect(p.json!.directive.header.dialogRequestId).toBeUndefined();
    expect(p.json!.directive.payload).toMatchObject({ code: 404 });
    expect(r.body.toString('latin1')).toMatch(/\r\n--[0-9a-f]{60}--\r\n$/);
  });

  it('rejects a wrong token and a missing token with 401 before anything else', async () => {
    const emu = await start({ token: 'right-token' });
    const s = await session();
    const wrong = await request(s, 'GET', '/v1/directives', { token: 'wrong-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.parts[0]!.json!.directive.payload).toEqual({
      code: 401,
      description: 'Authentication failed: invalid or missing CLOVA access token',
    });
    const none = await request(s, 'GET', '/ping', { token: null });
    expect(none.status).toBe(401);
    const empty = await request(s, 'GET', '/ping', { token: null, headers: { authorization: 'Bearer ' } });
    expect(empty.status).toBe(401);
    expect(emu.record.downchannels).toHaveLength(0); // a 401 downchannel does not count
    const ok = await request(s, 'GET', '/ping', { token: 'right-token' });
    expect(ok.status).toBe(204);
    expect(emu.record.requests.map((r) => r.status)).toEqual([401, 401, 401, 204]);
    expect(emu.record.requests[0]!.headers.authorization).toBe('Bearer wrong-token');
  });

  it('accepts any non-empty bearer token without --token', async () => {
    await start();
    const s = await session();
    expect((await request(s, 'GET', '/ping', { token: 'whatever' })).status).toBe(204);
  });

  it('validates the User-Agent only in strict mode', async () => {
    await start({ strictUserAgent: true });
    const s = await session();
    expect((await request(s, 'GET', '/ping')).status).toBe(204);
    const bad = await request(s, 'GET', '/ping', { ua: 'Mozilla/5.0 (X11; Linux x86_64)' });
    expect(bad.status).toBe(400);
    expect(bad.parts[0]!.json!.directive.payload.code).toBe(400);
    expect((await request(s, 'GET', '/ping', { ua: null })).status).toBe(400);
  });

  it('counts client PINGs and acknowledges them', async () => {
    const emu = await start();
    const s = await session();
    const rtt = await new Promise<number>((resolve, reject) => s.ping((err, d) => (err ? reject(err) : resolve(d))));
    expect(rtt).toBeGreaterThanOrEqual(0);
    await emu.waitFor((r) => r.connections[0]?.pingsReceived === 1);
  });

  it('never logs the bearer token', async () => {
    const lines: string[] = [];
    await start({ log: (l) => lines.push(l) });
    const s = await session();
    const dc = await readyDownchannel(s, 'secret-token-xyz');
    await sendEvent(s, textEvent('hello'), { token: 'secret-token-xyz' });
    await request(s, 'GET', '/nowhere', { token: 'secret-token-xyz' });
    dc.stream.close();
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join('\n')).not.toContain('secret-token-xyz');
  });

  it('closes with open downchannels and streaming requests without hanging', async () => {
    const emu = await start();
    const s = await session();
    const dc = await readyDownchannel(s);
    const { body, contentType } = eventBody(
      buildEvent('SpeechRecognizer', 'Recognize', { lang: 'en' }, { dialogRequestId: 'd-1' }),
      [Buffer.alloc(6400)],
    );
    const st = s.request({ ':method': 'POST', ':path': '/v1/events', authorization: `Bearer ${TOKEN}`, 'user-agent': UA, 'content-type': contentType });
    st.on('error', () => undefined);
    st.write(body.subarray(0, body.length - 60)); // never ended
    await emu.waitFor((r) => r.events.length === 1);
    const t0 = Date.now();
    await emu.close();
    expect(Date.now() - t0).toBeLessThan(2500);
    await dc.ended;
    expect(Buffer.concat(dc.raw).toString('latin1')).toMatch(/\r\n--[0-9a-f]{60}--\r\n$/);
  });
});

describe('downchannel', () => {
  it('answers 200 with Hello at once and keeps the stream open', async () => {
    const emu = await start();
    const s = await session();
    const dc = openDownchannel(s);
    expect(await dc.status).toBe(200);
    const h = await dc.headers;
    expect(h['content-type']).toMatch(HEX60);
    expect(h.date).toBeTruthy();
    const [hello] = await dc.waitParts(1);
    expect(hello!.json!.directive.header).toMatchObject({ namespace: 'Clova', name: 'Hello' });
    expect(hello!.json!.directive.header.dialogRequestId).toBeUndefined();
    expect(hello!.json!.directive.payload).toEqual({});
    expect(hello!.headers.dispositionName).toMatch(/^helloDirective-[0-9a-f-]{36}$/);
    // Hello is one DATA frame that starts the body and carries no delimiter after it.
    const first = dc.raw[0]!.toString('utf8');
    expect(first).toMatch(/^--[0-9a-f]{60}\r\n/);
    expect(first.endsWith('}')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(dc.stream.closed).toBe(false);
    expect(emu.record.downchannels).toMatchObject([{ connectionId: 1, streamId: 1, status: 200 }]);
    expect(emu.record.downchannels[0]!.helloAt).toBeGreaterThan(0);
    expect(emu.record.downchannels[0]!.endedAt).toBeUndefined();
  });

  it('pushes directives as complete parts preceded by a delimiter', async () => {
    const emu = await start();
    const s = await session();
    const dc = await readyDownchannel(s);
    expect(emu.push(buildDirective('Notifier', 'ClearIndicator', {}))).toBe(1);
    const parts = await dc.waitParts(2);
    expect(parts[1]!.json!.directive.header.name).toBe('ClearIndicator');
    expect(parts[1]!.headers.dispositionName).toMatch(/^clearIndicatorDirective-/);
    const frame = dc.raw[dc.raw.length - 1]!.toString('utf8');
    expect(frame).toMatch(/^\r\n--[0-9a-f]{60}\r\n/);
  });

  it('answers 429 to a second downchannel within 1 s and replaces the old one after 1 s', async () => {
    const emu = await start();
    const s1 = await session();
    const s2 = await session();
    const first = await readyDownchannel(s1);
    const second = await request(s2, 'GET', '/v1/directives');
    expect(second.status).toBe(429);
    expect(second.parts[0]!.json!.directive.payload.code).toBe(429);
    // A different token has its own downchannel.
    expect(await openDownchannel(s2, 'other-token').status).toBe(200);
    await new Promise((r) => setTimeout(r, 1050));
    const third = await readyDownchannel(s2);
    expect(third.parts[0]!.json!.directive.header.name).toBe('Hello');
    await first.ended;
    expect(Buffer.concat(first.raw).toString('latin1')).toMatch(/\}\r\n--[0-9a-f]{60}--\r\n$/);
    expect(emu.record.downchannels.map((d) => d.status)).toEqual([200, 429, 200, 200]);
    expect(emu.record.downchannels[0]!.endedAt).toBeGreaterThan(0);
    // The replaced downchannel's connection can no longer send events.
    expect((await sendEvent(s1, textEvent('hello'))).status).toBe(412);
    expect((await sendEvent(s2, textEvent('hello'))).status).toBe(200);
  });

  it('pushes Notifier.Notify right after Hello and then periodically', async () => {
    await start({ pushEverySeconds: 0.1 });
    const s = await session();
    const dc = openDownchannel(s);
    const parts = await dc.waitParts(3);
    expect(shape(parts)).toEqual(['Clova.Hello', 'Notifier.Notify', 'Notifier.Notify']);
    expect(parts[1]!.json!.directive.payload).toMatchObject({ light: 'DEFAULT' });
  });
});

describe('events', () => {
  it('answers 412 without a downchannel on the same connection', async () => {
    const emu = await start();
    const s1 = await session();
    const s2 = await session();
    const r = await sendEvent(s1, textEvent('hello'));
    expect(r.status).toBe(412);
    expect(r.parts[0]!.json!.directive.payload).toEqual({ code: 412, description: 'Downchannel is not established' });
    await readyDownchannel(s2);
    expect((await sendEvent(s1, textEvent('hello'))).status).toBe(412);
    expect(emu.record.events).toHaveLength(0);
  });

  it('answers 400 to bodies that are not multipart/form-data', async () => {
    await start();
    const s = await session();
    await readyDownchannel(s);
    const r = await request(s, 'POST', '/v1/events', { headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') });
    expect(r.status).toBe(400);
    expect(r.parts[0]!.json!.directive.payload).toEqual({ code: 400, description: 'Could not decode multipart' });
    const garbage = await request(s, 'POST', '/v1/events', {
      headers: { 'content-type': 'multipart/form-data; boundary=abc' },
      body: Buffer.from('no delimiter here'),
    });
    expect(garbage.status).toBe(400);
  });

  it('answers 400 when the first part is not the metadata JSON', async () => {
    await start();
    const s = await session();
    await readyDownchannel(s);
    const body = Buffer.from('--b1\r\nContent-Disposition: form-data; name="audio"\r\nContent-Type: application/octet-stream\r\n\r\nxx\r\n--b1--\r\n');
    const r = await request(s, 'POST', '/v1/events', { headers: { 'content-type': 'multipart/form-data; boundary=b1' }, body });
    expect(r.status).toBe(400);
    expect(r.parts[0]!.json!.directive.payload.description).toBe('Could not decode multipart');
  });

  it('answers 400 with the reason when the event JSON is incomplete', async () => {
    await start();
    const s = await session();
    await readyDownchannel(s);
    const bad = { context: [], event: { header: { namespace: 'System', name: 'RequestSynchronizeState' }, payload: {} } };
    const r = await sendEvent(s, bad as never);
    expect(r.status).toBe(400);
    expect(r.parts[0]!.json!.directive.payload.description).toBe('event header lacks messageId');
  });

  it('answers 400 "Unknown event" to unknown namespaces and names', async () => {
    const emu = await start();
    const s = await session();
    await readyDownchannel(s);
    for (const [ns, name] of [['Nope', 'Recognize'], ['TextRecognizer', 'Nope']] as const) {
      const r = await sendEvent(s, buildEvent(ns, name, {}));
      expect(r.status).toBe(400);
      expect(r.parts[0]!.json!.directive.payload).toEqual({ code: 400, description: 'Unknown event' });
    }
    expect(emu.record.events.map((e) => e.status)).toEqual([400, 400]);
  });

  it('answers report-type events with 204 and no body', async () => {
    const emu = await start();
    const s = await session();
    await readyDownchannel(s);
    const reports: [string, string, Record<string, unknown>][] = [
      // Before anything plays: the emulator has nothing to pause (later it would answer Pause).
      ['PlaybackController', 'PauseCommandIssued', {}],
      ['SpeechSynthesizer', 'SpeechStarted', { token: 't' }],
      ['SpeechSynthesizer', 'SpeechFinished', { token: 't' }],
      ['SpeechSynthesizer', 'SpeechStopped', { token: 't' }],
      ['AudioPlayer', 'PlayStarted', { token: 't', offsetInMilliseconds: 0 }],
      ['AudioPlayer', 'ProgressReportIntervalPassed', { token: 't', offsetInMilliseconds: 0 }],
      ['Settings', 'Report', { configuration: {} }],
      ['DeviceControl', 'ReportState', {}],
      ['DeviceControl', 'RequestStateSynchronization', {}],
      ['DeviceControl', 'ActionExecuted', { command: 'Increase', target: 'volume' }],
      ['Alerts', 'DeleteAlertSucceeded', { token: 't', type: 'ALARM' }],
      ['Alerts', 'AlertStarted', { token: 't', type: 'ALARM' }],
    ];
    for (const [ns, name, payload] of reports) {
      const r = await sendEvent(s, buildEvent(ns, name, payload));
      expect(r.status, `${ns}.${name}`).toBe(204);
      expect(r.body.length).toBe(0);
    }
    expect(emu.record.events).toHaveLength(reports.length);
  });

  it('answers sync events with their directives and no dialogRequestId', async () => {
    await start();
    const s = await session();
    await readyDownchannel(s);
    const cases: [string, string, string, Record<string, unknown>][] = [
      ['System', 'RequestSynchronizeState', 'System.SynchronizeState', { allAlerts: [] }],
      ['Alerts', 'RequestSynchronizeAlert', 'Alerts.SynchronizeAlert', { allAlerts: [] }],
    ];
    for (const [ns, name, answer, payload] of cases) {
      const r = await sendEvent(s, buildEvent(ns, name, {}));
      expect(r.status).toBe(200);
      expect(shape(r.parts)).toEqual([answer]);
      expect(r.parts[0]!.json!.directive.payload).toEqual(payload);
      expect(r.parts[0]!.json!.directive.header.dialogRequestId).toBeUndefined();
    }
    const spec = await sendEvent(s, buildEvent('Settings', 'RequestVersionSpec', {}));
    expect(shape(spec.parts)).toEqual(['Settings.UpdateVersionSpec']);
    expect(spec.parts[0]!.json!.directive.payload).toMatchObject({ spec: { voiceType: { default: { key: 'V001' } } } });
    const devices = await sendEvent(s, buildEvent('DeviceControl', 'RequestDeviceList', {}));
    expect(shape(devices.parts)).toEqual(['DeviceControl.RenderDeviceList']);
    const list = devices.parts[0]!.json!.directive.payload.deviceList as { deviceName: string }[];
    expect(list).toHaveLength(1);
    expect(list[0]!.deviceName).toBe('clova-cli');
    expect(JSON.stringify(list)).not.toContain(TOKEN);
  });

  it('answers alert reports the way the Alerts flow documents', async () => {
    await start();
    const s = await session();
    const dc = await readyDownchannel(s);
    const alert = { token: 'a-1', type: 'ALARM' };
    const set = await sendEvent(s, buildEvent('Alerts', 'SetAlertSucceeded', alert));
    expect(shape(set.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderTemplate']);
    const failed = await sendEvent(s, buildEvent('Alerts', 'SetAlertFailed', alert));
    expect(shape(failed.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText']);
    // A one-off alert that stopped is deleted on the downchannel (issue 11); the event gets 204.
    const stopped = await sendEvent(s, buildEvent('Alerts', 'AlertStopped', alert));
    expect(stopped.status).toBe(204);
    const [deleted] = (await dc.waitParts(2)).slice(1);
    expect(shape([deleted!])).toEqual(['Alerts.DeleteAlert']);
    expect(deleted!.json!.directive.payload).toEqual(alert);
    const stop = await sendEvent(s, buildEvent('Alerts', 'RequestAlertStop', alert));
    expect(shape(stop.parts)).toEqual(['Alerts.StopAlert']);
    expect((await sendEvent(s, buildEvent('Alerts', 'AlertStopped', {}))).status).toBe(400);
  });

  it('accepts concurrent event streams and does not need content-length', async () => {
    const emu = await start();
    const s = await session();
    await readyDownchannel(s);
    const texts = ['hello', 'what time is it', 'weather', 'hi there', '안녕'];
    const results = await Promise.all(texts.map((t) => sendEvent(s, textEvent(t))));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(emu.record.requests.every((r) => r.headers['content-length'] === undefined)).toBe(true);
  });

  it('records each event with its parts and content-type', async () => {
    const emu = await start();
    const s = await session();
    await readyDownchannel(s);
    const ev = textEvent('hello');
    await sendEvent(s, ev);
    const rec = emu.record.events[0]!;
    expect(rec.message.event.header).toEqual(ev.event.header);
    expect(rec.status).toBe(200);
    expect(rec.rawContentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(rec.parts).toEqual([
      { name: 'metadata', contentType: 'application/json; charset=UTF-8', bytes: JSON.stringify(ev).length, at: expect.any(Number) },
    ]);
    expect(rec.parts[0]!.at!).toBeGreaterThanOrEqual(rec.at - 50);
    expect(rec.audio).toBeUndefined(); // no audio parts, not a Recognize
    expect(rec.connectionId).toBe(1);
    expect(rec.streamId).toBe(3);
  });
});

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bellMp3 } from '../../src/audio/bell.js';
import { mpegFrameAt } from '../../src/audio/frames.js';
import type { Emulator } from '../../src/emulator/index.js';
import type { RecordedEvent } from '../../src/emulator/record.js';
import { buildDirective } from '../../src/protocol/messages.js';
import { startPipedChat, turnEvents, type PipedChat } from '../helpers/chat.js';
import { runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

// Alerts in `clova-cli chat` (spec 5.8), end to end: the real CLI on a pipe against the in-process
// emulator over HTTP/2. The alerts are pushed on the downchannel through the emulator's API (real
// wire traffic); once the emulator understands "set a timer for N seconds" (issue 11, part 5) the
// first two tests can set them by a typed line instead of a push.

type Line = Record<string, any>;

const env = (url: string, more: Record<string, string> = {}) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url, TZ: 'UTC', ...more });

const dir = mkdtempSync(join(tmpdir(), 'clova-alerts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const eventName = (e: RecordedEvent) => `${e.message.event.header.namespace}.${e.message.event.header.name}`;
const alertEvents = (emu: Emulator) => emu.record.events.filter((e) => e.message.event.header.namespace === 'Alerts');
const isDirective = (name: string) => (l: Line) => l.type === 'directive' && `${l.directive.header.namespace}.${l.directive.header.name}` === name;

/** The Alerts.AlertsState an event carried in its context. */
function alertsState(e: RecordedEvent): { allAlerts: unknown[]; activeAlerts: unknown[] } {
  const c = e.message.context.find((x) => x.header.namespace === 'Alerts' && x.header.name === 'AlertsState');
  expect(c, `${eventName(e)} carries Alerts.AlertsState`).toBeDefined();
  return c!.payload as { allAlerts: unknown[]; activeAlerts: unknown[] };
}

/** An ISO 8601 time (whole seconds, `Z`) at least `ms` from now. */
function secondsAhead(ms: number): { iso: string; at: number } {
  const at = Math.ceil((Date.now() + ms) / 1000) * 1000;
  return { iso: new Date(at).toISOString().replace('.000Z', 'Z'), at };
}

/** Waits until the session has connected and applied the answer to its first RequestSynchronizeAlert (so a push is not undone by it). */
async function synchronized(chat: PipedChat): Promise<number> {
  const ready = await chat.waitForLine((l) => l.type === 'session' && l.event === 'ready', 'session ready');
  return (await chat.waitForLine(isDirective('Alerts.SynchronizeAlert'), 'the SynchronizeAlert answering RequestSynchronizeAlert', 20000, ready.index)).index;
}

/**
 * A player named mpg123 (so the CLI gives it mpg123's gain option, `-f`) that plays nothing: it
 * records its arguments and what it read on standard input, one pair of files per run.
 */
function recordingPlayer(): { command: string; calls(): Array<{ argv: string; mp3: Buffer }> } {
  const home = mkdtempSync(join(dir, 'player-'));
  const calls = join(home, 'calls');
  mkdirSync(calls);
  const script = join(home, 'mpg123');
  writeFileSync(script, '#!/bin/sh\nid="$(date +%s%N)-$$"\nd="$(dirname "$0")/calls"\nprintf \'%s\\n\' "$*" > "$d/$id.argv"\ncat > "$d/$id.mp3"\n');
  chmodSync(script, 0o755);
  return {
    command: `${script} -q -`,
    calls: () =>
      readdirSync(calls)
        .filter((f) => f.endsWith('.argv'))
        .sort()
        .map((f) => ({ argv: readFileSync(join(calls, f), 'utf8').trim(), mp3: readFileSync(join(calls, f.replace(/\.argv$/, '.mp3'))) })),
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('clova-cli chat: alerts (spec 5.8, e2e)', () => {
  it('a 3-second timer rings on time through the player at the volume’s gain, ducks under a turn, is stopped by /stop (RequestAlertStop, StopAlert, AlertStopped, DeleteAlert); AlertsState follows', async () => {
    const emu = await emulator();
    const player = recordingPlayer();
    const chat = startPipedChat(['--json', '--player', player.command], env(emu.url));
    const synced = await synchronized(chat);

    const { iso, at } = secondsAhead(3000);
    const token = 'timer-e2e-1';
    const info = { token, type: 'TIMER', scheduledTime: iso };
    expect(emu.push(buildDirective('Alerts', 'SetAlert', { token, type: 'TIMER', scheduledTime: iso }))).toBe(1);

    // It rings on time: AlertStarted reaches CIC within a second of scheduledTime, never before.
    const started = await chat.waitForLine((l) => l.type === 'alert' && l.phase === 'started', 'the alert line (started)', 15000, synced);
    expect(started.line).toEqual({ type: 'alert', phase: 'started', token, alertType: 'TIMER', scheduledTime: iso });
    await emu.waitFor((r) => r.events.some((e) => eventName(e) === 'Alerts.AlertStarted'));
    const alertStarted = alertEvents(emu).find((e) => eventName(e) === 'Alerts.AlertStarted')!;
    expect(alertStarted.message.event.payload).toEqual({ token, type: 'TIMER' });
    expect(alertStarted.at).toBeGreaterThanOrEqual(at);
    expect(alertStarted.at - at).toBeLessThanOrEqual(1000);

    // The bell goes to the player in a loop: the device's own timer bell, at volume 7 (mpg123 -f 32768 × 0.7).
    // (Speech plays at the volume's gain too: the bells are the 22,050 Hz sounds, the speech is 16 kHz.)
    const bells = () => player.calls().filter((c) => c.argv.startsWith('-f ') && mpegFrameAt(c.mp3, 0)?.sampleRate === 22050);
    await until(() => bells().length >= 2, 'two rounds of the bell');
    expect(bells()[0]!.argv).toBe('-f 22938 -q -');
    expect(bells()[0]!.mp3.equals(bellMp3('timer'))).toBe(true);

    // /volume 3 applies from the next round.
    chat.send('/volume 3');
    await until(() => bells().some((c) => c.argv === '-f 9830 -q -'), 'a round at volume 3');

    // Spec 4.7: a turn while it rings ducks the bell (the round is replayed at a quarter of the gain), then it comes back.
    // The answer is held back a second, so the ducked round is seen.
    const before = bells().length;
    emu.setFaults(['event-delay=1000']);
    chat.send('hello');
    await chat.waitForLine((l) => l.type === 'response', 'the answer to hello', 15000, started.index);
    emu.setFaults([]);
    await until(() => bells().slice(before).some((c) => c.argv === '-f 9830 -q -'), 'a round at full gain after the turn');
    expect(bells().slice(before).map((c) => c.argv)).toContain('-f 2458 -q -');

    // /stop: RequestAlertStop at once, then CIC's StopAlert, AlertStopped, and the one-off alert's DeleteAlert.
    chat.send('/stop');
    const stopped = await chat.waitForLine((l) => l.type === 'alert' && l.phase === 'stopped', 'the alert line (stopped)', 15000, started.index);
    expect(stopped.line).toEqual({ type: 'alert', phase: 'stopped', token, alertType: 'TIMER', scheduledTime: iso, reason: 'user' });
    await chat.waitForLine(isDirective('Alerts.DeleteAlert'), 'DeleteAlert', 15000, stopped.index);
    await emu.waitFor((r) => r.events.some((e) => eventName(e) === 'Alerts.DeleteAlertSucceeded'));
    const lines = chat.lines();
    // The directive's line follows the line of what it did (handlers run before a directive is shown).
    const stopAlert = lines.findIndex(isDirective('Alerts.StopAlert'));
    expect(stopAlert).toBe(stopped.index + 1);
    expect(lines.findIndex(isDirective('Alerts.DeleteAlert'))).toBeGreaterThan(stopAlert);
    // Nothing more is played once it is silenced (a round already spawned may still be writing its file).
    await new Promise((r) => setTimeout(r, 300));
    const afterStop = bells().length;
    await new Promise((r) => setTimeout(r, 2000));
    expect(bells().length).toBe(afterStop);

    // A later turn reports no alert any more.
    chat.send('what time is it');
    await chat.waitForLine((l) => l.type === 'response', 'the answer to "what time is it"', 15000, stopped.index);
    chat.end();
    const { code } = await chat.closed;
    expect(code, chat.stderr()).toBe(0);

    // The wire record: every Alerts event in order, each with a truthful AlertsState.
    const events = alertEvents(emu);
    expect(events.map(eventName)).toEqual([
      'Alerts.RequestSynchronizeAlert',
      'Alerts.SetAlertSucceeded',
      'Alerts.AlertStarted',
      'Alerts.RequestAlertStop',
      'Alerts.AlertStopped',
      'Alerts.DeleteAlertSucceeded',
    ]);
    for (const e of events.slice(1)) expect(e.message.event.payload).toEqual({ token, type: 'TIMER' });
    for (const e of events) expect(e.message.event.header.dialogRequestId).toBeUndefined();
    expect(events.map(alertsState)).toEqual([
      { allAlerts: [], activeAlerts: [] },
      { allAlerts: [info], activeAlerts: [] },
      { allAlerts: [info], activeAlerts: [info] },
      { allAlerts: [info], activeAlerts: [info] }, // silenced, still active until StopAlert
      { allAlerts: [info], activeAlerts: [] }, // stopped, kept until CIC deletes it
      { allAlerts: [], activeAlerts: [] },
    ]);
    const turns = emu.record.events.filter((e) => eventName(e) === 'TextRecognizer.Recognize');
    expect(turns.map((e) => e.message.event.payload.text)).toEqual(['hello', 'what time is it']);
    expect(alertsState(turns[0]!)).toEqual({ allAlerts: [info], activeAlerts: [info] });
    expect(alertsState(turns[1]!)).toEqual({ allAlerts: [], activeAlerts: [] });
    expect(turns[1]!.at).toBeGreaterThan(events.at(-1)!.at);
    expect(chat.stdout() + chat.stderr()).not.toContain(TOKEN);
  });

  it('an alarm nobody stops rings out its longest time (CLOVA_ALERT_RING_SECONDS), also with --no-play: banner, AlertStarted, AlertStopped; human output', async () => {
    const emu = await emulator();
    // --verbose: the trace tells when the session applied its sync at Hello (an empty sync is no line for people).
    const chat = startPipedChat(['--no-play', '--verbose'], env(emu.url, { CLOVA_ALERT_RING_SECONDS: '2' }));
    await emu.waitFor((r) => r.events.some((e) => eventName(e) === 'Alerts.RequestSynchronizeAlert' && e.status !== undefined), 15000);
    await until(() => chat.stderr().includes('directive Alerts.SynchronizeAlert (event)'), 'the SynchronizeAlert trace line');
    const { iso, at } = secondsAhead(2000);
    const token = 'alarm-e2e-2';
    expect(emu.push(buildDirective('Alerts', 'SetAlert', { token, type: 'ALARM', scheduledTime: iso }))).toBe(1);
    await emu.waitFor((r) => r.events.some((e) => eventName(e) === 'Alerts.DeleteAlertSucceeded'), 20000);
    chat.end();
    const { code } = await chat.closed;
    expect(code, chat.stderr()).toBe(0);

    const events = alertEvents(emu);
    expect(events.map(eventName)).toEqual([
      'Alerts.RequestSynchronizeAlert',
      'Alerts.SetAlertSucceeded',
      'Alerts.AlertStarted',
      'Alerts.AlertStopped',
      'Alerts.DeleteAlertSucceeded',
    ]);
    const [, , start, stop] = events;
    expect(start!.at - at).toBeGreaterThanOrEqual(0);
    expect(start!.at - at).toBeLessThanOrEqual(1000);
    // Rang for 2 s (generous bounds: the machine is shared).
    expect(stop!.at - start!.at).toBeGreaterThanOrEqual(1900);
    expect(stop!.at - start!.at).toBeLessThan(4000);
    expect(alertsState(start!).activeAlerts).toEqual([{ token, type: 'ALARM', scheduledTime: iso }]);
    expect(alertsState(stop!).activeAlerts).toEqual([]);

    // The banner in local time (TZ=UTC here), and the line when it stopped.
    const clock = iso.slice(11, 19);
    const out = chat.stdout();
    expect(out).toContain(`⏰ alarm ringing (scheduled ${clock})… /stop stops it\n`);
    expect(out).toContain('  ⏰ alarm stopped (nobody stopped it)\n');
    expect(out).toContain('Alerts.DeleteAlert');
    expect(out.indexOf('⏰ alarm ringing')).toBeLessThan(out.indexOf('⏰ alarm stopped'));
  });

  it('CLOVA_ALERT_RING_SECONDS must be a number of seconds: exit 2 before connecting', async () => {
    const emu = await emulator();
    const r = await runCli(['chat', '--no-play'], { env: env(emu.url, { CLOVA_ALERT_RING_SECONDS: 'forever' }), input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CLOVA_ALERT_RING_SECONDS must be a number of seconds above 0 and at most 3600 \(got "forever"\)/);
    expect(emu.record.connections).toEqual([]);
  });

  it('after a dropped downchannel the session asks again (RequestSynchronizeAlert) and the set follows what SynchronizeAlert delivered; AlertsState of later events and /status', async () => {
    const emu = await emulator({ faults: ['drop-downchannel-after=2'] });
    const chat = startPipedChat(['--json', '--no-play'], env(emu.url));
    const synced = await synchronized(chat);
    const far = secondsAhead(3600_000);
    expect(emu.push(buildDirective('Alerts', 'SetAlert', { token: 'before-drop', type: 'ALARM', scheduledTime: far.iso }))).toBe(1);
    await emu.waitFor((r) => r.events.some((e) => eventName(e) === 'Alerts.SetAlertSucceeded'), 10000);
    // The first downchannel ends 2 s after its Hello; its replacement is left alone.
    await emu.waitFor((r) => r.downchannels.some((d) => d.endedAt !== undefined), 20000);
    emu.setFaults([]);
    const lost = await chat.waitForLine((l) => l.type === 'session' && l.event === 'reconnecting', 'session reconnecting', 20000, synced);
    const back = await chat.waitForLine((l) => l.type === 'session' && l.event === 'ready', 'session ready again', 20000, lost.index);
    const resync = await chat.waitForLine(isDirective('Alerts.SynchronizeAlert'), 'SynchronizeAlert after the reconnect', 20000, back.index);
    const delivered = (resync.line.directive.payload.allAlerts as Array<Record<string, unknown>>).map((a) => ({ token: a.token, type: a.type, scheduledTime: a.scheduledTime }));

    chat.send('what time is it');
    await chat.waitForLine((l) => l.type === 'response', 'the answer after the reconnect', 15000, resync.index);
    // The set is what CIC delivered (whatever it keeps server-side), not what the session had.
    const turn1 = emu.record.events.filter((e) => eventName(e) === 'TextRecognizer.Recognize')[0]!;
    expect(alertsState(turn1)).toEqual({ allAlerts: delivered, activeAlerts: [] });

    // A SynchronizeAlert pushed by CIC replaces the set too; later events and /status show it.
    const a = { token: 'sync-a', type: 'TIMER', scheduledTime: secondsAhead(600_000).iso };
    const b = { token: 'sync-b', type: 'REMINDER', scheduledTime: '2099-01-01T09:00:00+09:00', label: 'renew the passport' };
    expect(emu.push(buildDirective('Alerts', 'SynchronizeAlert', { allAlerts: [b, a, { token: 'bad', type: 'NAP', scheduledTime: a.scheduledTime }] }))).toBe(1);
    const pushed = await chat.waitForLine((l) => isDirective('Alerts.SynchronizeAlert')(l) && l.source === 'downchannel', 'the pushed SynchronizeAlert', 15000, resync.index);
    chat.send('/status');
    const status = await chat.waitForLine((l) => l.type === 'status', 'the status line', 15000, pushed.index);
    expect(status.line).toMatchObject({ alerts: 2, alertsPending: 2, nextAlert: { token: 'sync-a', type: 'TIMER', scheduledTime: a.scheduledTime } });
    chat.send('hello');
    await chat.waitForLine((l) => l.type === 'response', 'the answer to hello', 15000, status.index);
    chat.end();
    const { code } = await chat.closed;
    expect(code, chat.stderr()).toBe(0);

    const turn2 = emu.record.events.filter((e) => eventName(e) === 'TextRecognizer.Recognize')[1]!;
    expect(alertsState(turn2)).toEqual({
      allAlerts: [
        { token: 'sync-b', type: 'REMINDER', scheduledTime: b.scheduledTime },
        { token: 'sync-a', type: 'TIMER', scheduledTime: a.scheduledTime },
      ],
      activeAlerts: [],
    });
    // One RequestSynchronizeAlert per greeting: after the first Hello and after the new one.
    const greeted = emu.record.downchannels.filter((d) => d.status === 200 && d.helloAt !== undefined);
    const requests = emu.record.events.filter((e) => eventName(e) === 'Alerts.RequestSynchronizeAlert');
    expect(requests).toHaveLength(greeted.length);
    expect(greeted.length).toBeGreaterThanOrEqual(2);
    expect(requests.at(-1)!.at).toBeGreaterThanOrEqual(greeted.at(-1)!.helloAt!);
  });

  it('GOAWAY after Hello: RequestSynchronizeAlert goes out again on the new connection', async () => {
    const emu = await emulator({ faults: ['goaway-after-hello'] });
    const chat = startPipedChat(['--json', '--no-play'], env(emu.url));
    const first = await chat.waitForLine((l) => l.type === 'session' && l.event === 'ready', 'session ready');
    const back = await chat.waitForLine((l) => l.type === 'session' && l.event === 'ready' && l.reconnects >= 1, 'session ready again', 20000, first.index + 1);
    await chat.waitForLine(isDirective('Alerts.SynchronizeAlert'), 'SynchronizeAlert on the new connection', 20000, back.index);
    chat.end();
    expect((await chat.closed).code, chat.stderr()).toBe(0);
    const second = emu.record.connections[1]!.id;
    const requests = emu.record.events.filter((e) => eventName(e) === 'Alerts.RequestSynchronizeAlert');
    expect(requests.some((e) => e.connectionId === second && e.status === 200)).toBe(true);
  });

  it('one-shot commands keep today’s behaviour: an alert is shown, not kept, rung or reported', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'set an alarm for seven am', '--json', '--no-play'], { env: env(emu.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"name":"SetAlert"');
    expect(r.stdout).not.toContain('"type":"alert"');
    expect(emu.record.events.map(eventName)).toEqual(['TextRecognizer.Recognize']);
  });
});

describe('clova-cli chat: a timer set in words, as a user sets it (e2e)', () => {
  it('"set a timer for 3 seconds": SetAlert from the emulator, rings on time, /stop → RequestAlertStop, StopAlert, AlertStopped, DeleteAlert pushed on the downchannel', async () => {
    const emu = await emulator();
    const chat = startPipedChat(['--json', '--no-play'], env(emu.url));
    const synced = await synchronized(chat);
    chat.send('set a timer for 3 seconds');
    const set = await chat.waitForLine(isDirective('Alerts.SetAlert'), 'the SetAlert of the timer', 15000, synced);
    const payload = set.line.directive.payload as { token: string; type: string; scheduledTime: string };
    expect(payload.type).toBe('TIMER');
    const at = Date.parse(payload.scheduledTime);
    const requested = turnEvents(emu).find((e) => e.message.event.payload.text === 'set a timer for 3 seconds')!;
    expect(at - requested.at).toBeGreaterThanOrEqual(2000);
    expect(at - requested.at).toBeLessThanOrEqual(4000);

    const started = await chat.waitForLine((l) => l.type === 'alert' && l.phase === 'started', 'the timer ringing', 15000, set.index);
    expect(started.line).toMatchObject({ token: payload.token, alertType: 'TIMER' });
    await emu.waitFor((r) => r.events.some((e) => eventName(e) === 'Alerts.AlertStarted'));
    const alertStarted = alertEvents(emu).find((e) => eventName(e) === 'Alerts.AlertStarted')!;
    expect(alertStarted.at).toBeGreaterThanOrEqual(at);
    expect(alertStarted.at - at).toBeLessThanOrEqual(1000);

    chat.send('/stop');
    const deleted = await chat.waitForLine(isDirective('Alerts.DeleteAlert'), 'DeleteAlert', 15000, started.index);
    expect(deleted.line.source).toBe('downchannel');
    await emu.waitFor((r) => r.events.some((e) => eventName(e) === 'Alerts.DeleteAlertSucceeded'));
    chat.end();
    const { code } = await chat.closed;
    expect(code, chat.stderr()).toBe(0);
    expect(alertEvents(emu).map(eventName)).toEqual([
      'Alerts.RequestSynchronizeAlert',
      'Alerts.SetAlertSucceeded',
      'Alerts.AlertStarted',
      'Alerts.RequestAlertStop',
      'Alerts.AlertStopped',
      'Alerts.DeleteAlertSucceeded',
    ]);
  });
});

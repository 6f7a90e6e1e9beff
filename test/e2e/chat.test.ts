import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/emulator/record.js';
import type { Emulator } from '../../src/emulator/index.js';
import { startPipedChat, turnEvents } from '../helpers/chat.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

// `clova-cli chat` without a terminal: standard input is a pipe, each line a turn, in order.

const env = (url: string) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url });
const ARGS = ['--json', '--no-play'];

/** The line types a text-only session prints (no microphone, no player). */
const LINE_TYPES = new Set(['session', 'state', 'request', 'directive', 'audio', 'response', 'volume', 'status', 'error']);

type Line = Record<string, any>;

const isType = (type: string) => (l: Line) => l.type === type;
const directiveName = (l: Line) => `${l.directive.header.namespace}.${l.directive.header.name}`;

/** stderr's lines, but the one notice of the session's own alert sync failing (faults that fail every event). */
function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !/^clova-cli: Alerts\.RequestSynchronizeAlert could not be sent/.test(l));
}

/** The Speaker.VolumeState an event reported in its context. */
function reportedVolume(e: RecordedEvent): unknown {
  return e.message.context.find((c) => c.header.namespace === 'Speaker' && c.header.name === 'VolumeState')?.payload;
}

/**
 * The downchannel that is live now (the latest one the emulator answered 200, greeted, not ended);
 * fails when there is none.
 */
function liveDownchannel(emu: Emulator) {
  const greeted = emu.record.downchannels.filter((d) => d.status === 200 && d.helloAt !== undefined);
  const latest = greeted.at(-1);
  expect(latest, 'a greeted downchannel').toBeDefined();
  expect(latest!.endedAt, 'the latest downchannel is still open').toBeUndefined();
  return latest!;
}

describe('clova-cli chat on a pipe (e2e against the emulator over real HTTP/2)', () => {
  it('a scripted session: turns in order, /volume, an unknown command, a follow-up by typing; exit 2 for the unknown command', async () => {
    const emu = await emulator();
    const chat = startPipedChat(ARGS, env(emu.url));
    const script = ['hello', '/volume 3', 'what time is it', '/bogus', 'order a pizza', 'large'];
    for (const line of script) chat.send(line);
    chat.end();
    const { code, signal } = await chat.closed;
    expect(signal).toBeNull();
    expect(code, chat.stderr()).toBe(2);

    // NDJSON only: every line parses, each of a known type.
    const lines = chat.lines();
    expect(chat.stdout().endsWith('\n')).toBe(true);
    for (const l of lines) expect(LINE_TYPES, JSON.stringify(l)).toContain(l.type);

    // The emulator heard the four text turns, in order, on one connection and one downchannel.
    const events = turnEvents(emu);
    expect(events.map((e) => `${e.message.event.header.namespace}.${e.message.event.header.name}`)).toEqual(Array(4).fill('TextRecognizer.Recognize'));
    expect(events.map((e) => e.message.event.payload.text)).toEqual(['hello', 'what time is it', 'order a pizza', 'large']);
    expect(events.map((e) => e.status)).toEqual([200, 200, 200, 200]);
    expect(emu.record.connections).toHaveLength(1);
    expect(emu.record.downchannels).toHaveLength(1);
    const dialogs = events.map((e) => e.message.event.header.dialogRequestId);

    // Connected first: `connecting`, then `ready`, before any request.
    const sessions = lines.filter(isType('session'));
    expect(sessions.map((s) => s.event)).toEqual(['connecting', 'ready']);
    expect(sessions[1]).toMatchObject({ server: emu.url.replace(/\/$/, ''), reconnects: 0 });
    const firstRequest = lines.findIndex(isType('request'));
    expect(lines.findIndex((l) => l.type === 'session' && l.event === 'ready')).toBeLessThan(firstRequest);
    // Before it only the session lines, and the answer to the session's own alert sync at Hello.
    const beforeFirst = lines.slice(0, firstRequest).filter((l) => !(l.type === 'directive' && JSON.stringify(l).includes('"SynchronizeAlert"')));
    expect(beforeFirst.map((l) => l.type)).toEqual(['session', 'session']);

    // Each turn: request, then its answer, then its response line, before the next request starts.
    const requests = lines.filter(isType('request'));
    expect(requests.map((r) => r.text)).toEqual(['hello', 'what time is it', 'order a pizza', 'large']);
    expect(requests.map((r) => r.dialogRequestId)).toEqual(dialogs);
    expect(requests.map((r) => r.followUp)).toEqual([false, false, false, true]);
    const responses = lines.filter(isType('response'));
    expect(responses.map((r) => [r.status, r.dialogRequestId])).toEqual(dialogs.map((d) => [200, d]));
    const at = (l: Line) => lines.indexOf(l);
    for (let i = 0; i < requests.length; i++) {
      expect(at(requests[i]!)).toBeLessThan(at(responses[i]!));
      if (i + 1 < requests.length) expect(at(responses[i]!)).toBeLessThan(at(requests[i + 1]!));
      const texts = lines
        .slice(at(requests[i]!), at(responses[i]!))
        .filter((l) => l.type === 'directive' && directiveName(l) === 'Clova.RenderText')
        .map((l) => l.directive.header.dialogRequestId);
      expect(texts, `the answer to "${requests[i]!.text}"`).toEqual([dialogs[i]]);
    }
    const renderTexts = lines.filter((l) => l.type === 'directive' && directiveName(l) === 'Clova.RenderText').map((l) => l.directive.payload.text);
    expect(renderTexts[0]).toMatch(/hello|hi/i);
    expect(renderTexts[1]).toMatch(/\d{1,2}:\d{2}/);
    expect(renderTexts[2]).toMatch(/size/i);
    expect(renderTexts[3]).toMatch(/large pizza/i);

    // States: each turn goes thinking → idle, and the session ends idle.
    const states = lines.filter(isType('state')).map((s) => s.state);
    expect(states).toEqual(['thinking', 'idle', 'thinking', 'idle', 'thinking', 'idle', 'thinking', 'idle']);
    for (let i = 0; i < requests.length; i++) {
      const during = lines.slice(at(requests[i]!), at(responses[i]!) + 1).filter(isType('state')).map((s) => s.state);
      expect(during).toEqual(['thinking', 'idle']);
    }

    // /volume 3: one volume line between the first answer and the second request, and the next
    // event reports volume 3 in its context (the one before did not).
    const volumes = lines.filter(isType('volume'));
    expect(volumes).toEqual([{ type: 'volume', volume: 3, muted: false }]);
    expect(at(volumes[0]!)).toBeGreaterThan(at(responses[0]!));
    expect(at(volumes[0]!)).toBeLessThan(at(requests[1]!));
    expect(reportedVolume(events[0]!)).not.toMatchObject({ volume: 3 });
    for (const e of events.slice(1)) expect(reportedVolume(e)).toMatchObject({ volume: 3, muted: false });

    // The unknown command: one error line (not fatal) after the second answer, and the session went on.
    const errors = lines.filter(isType('error'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'E_USAGE', exitCode: 2, fatal: false });
    expect(errors[0]!.message).toMatch(/unknown command \/bogus/);
    expect(at(errors[0]!)).toBeGreaterThan(at(responses[1]!));
    expect(at(errors[0]!)).toBeLessThan(at(requests[2]!));
    // The end: one summary line, last, naming how many turns failed.
    expect(lines.at(-1)).toBe(errors[1]);
    expect(errors[1]).toMatchObject({ code: 'E_USAGE', exitCode: 2 });
    expect(errors[1]!.fatal).toBeUndefined();
    expect(errors[1]!.message).toMatch(/^1 turn of the session failed; the first: unknown command \/bogus/);
    expect(stderrLines(chat.stderr())).toEqual([
      expect.stringMatching(/^clova-cli: error: unknown command \/bogus: \/help lists the commands$/),
      expect.stringMatching(/^clova-cli: error: 1 turn of the session failed; the first: unknown command \/bogus/),
    ]);

    // The follow-up answered by typing: ExpectSpeech in the pizza answer, then "large" went out
    // with the same dialogRequestId and the ExpectSpeech's id as its speechId.
    const expect3 = lines.find((l) => l.type === 'directive' && directiveName(l) === 'SpeechRecognizer.ExpectSpeech');
    expect(expect3).toBeDefined();
    expect(expect3!.directive.header.dialogRequestId).toBe(dialogs[2]);
    const speechId = expect3!.directive.payload.expectSpeechId;
    expect(speechId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[3]!.message.event.header.dialogRequestId).toBe(events[2]!.message.event.header.dialogRequestId);
    expect(events[3]!.message.event.payload).toMatchObject({ text: 'large', speechId });
    for (const e of events.slice(0, 3)) expect(e.message.event.payload.speechId).toBeUndefined();
    expect(new Set(dialogs.slice(0, 3)).size).toBe(3);

    // Nothing secret on either stream.
    expect(chat.stdout() + chat.stderr()).not.toContain(TOKEN);
  });

  it('the end of input ends the session once the turn in flight is answered: exit 0 when every turn succeeded', async () => {
    // Each answer waits: the end of input arrives while the first turn is in flight.
    const emu = await emulator({ faults: ['event-delay=700'] });
    const chat = startPipedChat(ARGS, env(emu.url));
    chat.send('hello');
    chat.send('/volume 7');
    chat.send('what is the weather');
    chat.end();
    const { code } = await chat.closed;
    expect(chat.stderr()).toBe('');
    expect(code).toBe(0);
    const lines = chat.lines();
    expect(turnEvents(emu).map((e) => e.message.event.payload.text)).toEqual(['hello', 'what is the weather']);
    expect(reportedVolume(turnEvents(emu)[1]!)).toMatchObject({ volume: 7 });
    const dialogs = turnEvents(emu).map((e) => e.message.event.header.dialogRequestId);
    expect(lines.filter(isType('response')).map((r) => r.dialogRequestId)).toEqual(dialogs);
    // The last turn's answer is the last thing said: no error line, nothing after the final response and idle state.
    expect(lines.filter(isType('error'))).toEqual([]);
    expect(lines.slice(-2).map((l) => l.type)).toEqual(['state', 'response']);
    expect(lines.at(-2)).toMatchObject({ state: 'idle' });
  });

  it('with a player each turn waits for the speech before it, and the end of input waits for the last one (SpeechFinished sent)', async () => {
    const emu = await emulator();
    // A player that takes its time: it reads the MP3, then is still "playing" for half a second.
    const player = join(mkdtempSync(join(tmpdir(), 'clova-chat-player-')), 'player.sh');
    writeFileSync(player, '#!/bin/sh\ncat > /dev/null\nsleep 0.5\n');
    chmodSync(player, 0o755);
    const chat = startPipedChat(['--json', '--player', player], env(emu.url));
    chat.send('hello');
    chat.send('what time is it');
    chat.end();
    const { code } = await chat.closed;
    expect(code, chat.stderr()).toBe(0);
    const lines = chat.lines();
    // thinking → speaking → idle, for each turn.
    expect(lines.filter(isType('state')).map((s) => s.state)).toEqual(['thinking', 'speaking', 'idle', 'thinking', 'speaking', 'idle']);
    const speeches = lines.filter(isType('speech'));
    expect(speeches.map((s) => s.phase)).toEqual(['started', 'finished', 'started', 'finished']);
    const requests = lines.filter(isType('request'));
    // The second request only after the first speech finished.
    expect(lines.indexOf(speeches[1]!)).toBeLessThan(lines.indexOf(requests[1]!));
    // The emulator heard, in order: each Recognize, then its speech started and finished; the last
    // SpeechFinished went out before the session ended.
    const heard = turnEvents(emu).map((e) => `${e.message.event.header.namespace}.${e.message.event.header.name}`);
    expect(heard).toEqual([
      'TextRecognizer.Recognize',
      'SpeechSynthesizer.SpeechStarted',
      'SpeechSynthesizer.SpeechFinished',
      'TextRecognizer.Recognize',
      'SpeechSynthesizer.SpeechStarted',
      'SpeechSynthesizer.SpeechFinished',
    ]);
    const speaks = lines.filter((l) => l.type === 'directive' && directiveName(l) === 'SpeechSynthesizer.Speak').map((l) => l.directive.payload.token);
    expect(speaks).toHaveLength(2);
    expect(turnEvents(emu).filter((e) => e.message.event.header.name === 'SpeechFinished').map((e) => e.message.event.payload.token)).toEqual(speaks);
  });

  it('without --json a pipe gets the lines people read, no prompt and no escape sequences', async () => {
    const emu = await emulator();
    const chat = startPipedChat(['--no-play'], env(emu.url));
    for (const line of ['hello', '/volume 3', 'order a pizza', 'large']) chat.send(line);
    chat.end();
    const { code } = await chat.closed;
    expect(code, chat.stderr()).toBe(0);
    const out = chat.stdout();
    expect(out.match(/^(you|↪ you \(follow-up\)): .*$/gm)).toEqual(['you: hello', 'you: order a pizza', '↪ you (follow-up): large']);
    expect(out.match(/^CLOVA: .*$/gm)).toEqual([expect.stringMatching(/hello|hi/i), expect.stringMatching(/size/i), expect.stringMatching(/large pizza/i)]);
    expect(out).toMatch(/volume 3\/10/);
    // eslint-disable-next-line no-control-regex
    expect(out + chat.stderr()).not.toMatch(/\u001b|clova ›/);
    expect(turnEvents(emu)).toHaveLength(3);
  });

  it('a push while idle, before any input, is shown at once; a line written afterwards is answered (exit 0)', async () => {
    // The emulator pushes Notifier.Notify right after Hello and then every second.
    const emu = await emulator({ pushEverySeconds: 1 });
    const chat = startPipedChat(ARGS, env(emu.url));
    // Standard input stays open and empty: the session waits for a line, connected.
    const { line: push, index } = await chat.waitForLine(
      (l) => l.type === 'directive' && l.source === 'downchannel' && directiveName(l) === 'Notifier.Notify',
      'Notifier.Notify from the downchannel',
    );
    expect(push.directive.payload.assetPlayOrder).toHaveLength(1);
    const before = chat.lines().slice(0, index);
    expect(before.some((l) => l.type === 'session' && l.event === 'ready')).toBe(true);
    expect(before.filter((l) => ['request', 'response', 'error'].includes(l.type))).toEqual([]);
    expect(turnEvents(emu)).toEqual([]);

    chat.send('hello');
    chat.end();
    const { code } = await chat.closed;
    expect(code, chat.stderr()).toBe(0);
    const lines = chat.lines();
    for (const l of lines) expect(LINE_TYPES, JSON.stringify(l)).toContain(l.type);
    expect(turnEvents(emu).map((e) => e.message.event.payload.text)).toEqual(['hello']);
    const dialog = turnEvents(emu)[0]!.message.event.header.dialogRequestId;
    expect(lines.filter(isType('request')).map((r) => r.text)).toEqual(['hello']);
    expect(lines.filter(isType('response'))).toEqual([expect.objectContaining({ status: 200, dialogRequestId: dialog })]);
    expect(lines.filter(isType('error'))).toEqual([]);
  });

  describe('the connection is replaced mid-session, idle; the next turn goes out on the live downchannel', () => {
    /** Waits for `reconnecting`, then `ready` with reconnects ≥ 1, after the first `ready`. */
    async function reconnected(chat: ReturnType<typeof startPipedChat>) {
      const first = await chat.waitForLine((l) => l.type === 'session' && l.event === 'ready', 'the first session ready');
      expect(first.line.reconnects).toBe(0);
      const lost = await chat.waitForLine((l) => l.type === 'session' && l.event === 'reconnecting', 'session reconnecting', 20000, first.index);
      expect(typeof lost.line.reason).toBe('string');
      const back = await chat.waitForLine((l) => l.type === 'session' && l.event === 'ready', 'session ready again', 20000, lost.index);
      expect(back.line.reconnects).toBeGreaterThanOrEqual(1);
    }

    /**
     * Sends a turn (unless `sent`), waits for its response line, and checks where the event went
     * (before the session ends); then ends the input and expects exit 0.
     */
    async function turnOnLiveDownchannel(emu: Emulator, chat: ReturnType<typeof startPipedChat>, sent = false) {
      if (!sent) chat.send('what time is it');
      const { line: response } = await chat.waitForLine(isType('response'), 'the response to the turn after the reconnect');
      const answered = turnEvents(emu).filter((e) => e.status === 200);
      expect(answered.map((e) => e.message.event.payload.text)).toEqual(['what time is it']);
      const event = answered[0]!;
      expect(response).toMatchObject({ status: 200, dialogRequestId: event.message.event.header.dialogRequestId });
      const live = liveDownchannel(emu);
      expect(event.connectionId).toBe(live.connectionId);
      expect(event.at).toBeGreaterThanOrEqual(live.helloAt!);
      chat.end();
      const { code } = await chat.closed;
      expect(code, chat.stderr()).toBe(0);
      const lines = chat.lines();
      for (const l of lines) expect(LINE_TYPES, JSON.stringify(l)).toContain(l.type);
      expect(lines.filter(isType('error'))).toEqual([]);
      return event;
    }

    it('GOAWAY after Hello: a new connection, and the turn goes out on it', async () => {
      const emu = await emulator({ faults: ['goaway-after-hello'] });
      const chat = startPipedChat(ARGS, env(emu.url));
      await reconnected(chat);
      const event = await turnOnLiveDownchannel(emu, chat);
      const firstConnection = emu.record.connections[0]!.id;
      expect(event.connectionId).not.toBe(firstConnection);
      // Nothing new went out on the connection that had GOAWAY.
      expect(emu.record.requests.filter((q) => q.connectionId === firstConnection).map((q) => q.path)).toEqual(['/v1/directives']);
    });

    it('a dropped downchannel: a new downchannel, and the turn goes out on its connection', async () => {
      const emu = await emulator({ faults: ['drop-downchannel-after=1'] });
      const chat = startPipedChat(ARGS, env(emu.url));
      // Once the first downchannel has been dropped the fault is lifted, so the replacement stays
      // (the emulator's record is updated synchronously; the client's new request cannot come first).
      await emu.waitFor((r) => r.downchannels.some((d) => d.endedAt !== undefined), 20000);
      emu.setFaults([]);
      await reconnected(chat);
      await turnOnLiveDownchannel(emu, chat);
      const greeted = emu.record.downchannels.filter((d) => d.status === 200 && d.helloAt !== undefined);
      expect(greeted.length).toBeGreaterThanOrEqual(2);
      expect(greeted[0]!.endedAt).toBeDefined();
    });

    it('a turn typed while reconnecting waits for Hello on the new downchannel instead of failing', async () => {
      const emu = await emulator({ faults: ['drop-downchannel-after=1'] });
      const chat = startPipedChat([...ARGS, '--hello-timeout', '2000'], env(emu.url));
      // After the first drop, downchannels get no Hello until the test allows it: the session
      // stays reconnecting for as long as the test wants.
      await emu.waitFor((r) => r.downchannels.some((d) => d.endedAt !== undefined), 20000);
      emu.setFaults(['no-hello']);
      const lost = await chat.waitForLine((l) => l.type === 'session' && l.event === 'reconnecting', 'session reconnecting');
      // The client has asked for a new downchannel, which got no Hello.
      await emu.waitFor((r) => r.downchannels.some((d) => d.status === 200 && d.helloAt === undefined && d.endedAt === undefined), 20000);
      chat.send('what time is it');
      const request = await chat.waitForLine(isType('request'), 'the request line of the turn typed while reconnecting', 20000, lost.index);
      // The turn has started, and nothing can have been sent: no downchannel since the drop was greeted.
      expect(chat.lines().slice(lost.index).filter((l) => l.type === 'session')).toEqual([expect.objectContaining({ event: 'reconnecting' })]);
      expect(turnEvents(emu)).toEqual([]);
      emu.setFaults([]);
      const back = await chat.waitForLine((l) => l.type === 'session' && l.event === 'ready', 'session ready again', 20000, request.index);
      expect(back.line.reconnects).toBeGreaterThanOrEqual(1);
      const event = await turnOnLiveDownchannel(emu, chat, true);
      expect(event.message.event.header.dialogRequestId).toBe(request.line.dialogRequestId);
      expect(turnEvents(emu)).toHaveLength(1);
    });
  });

  describe('failed turns do not end a piped session', () => {
    it('a turn answered 500 is one error line; the next turn is answered; exit 4 at the end', async () => {
      // The first event is the session's own RequestSynchronizeAlert (at Hello); the second is the turn.
      const emu = await emulator({ faults: ['event-status=500:2'] });
      const chat = startPipedChat(ARGS, env(emu.url));
      chat.send('hello');
      chat.send('what time is it');
      chat.end();
      const { code } = await chat.closed;
      expect(code, chat.stderr()).toBe(4);
      expect(turnEvents(emu).map((e) => [e.message.event.payload.text, e.status])).toEqual([
        ['hello', 500],
        ['what time is it', 200],
      ]);
      const lines = chat.lines();
      const errors = lines.filter(isType('error'));
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatchObject({ code: 'E_SERVER', exitCode: 4, fatal: false });
      expect(errors[0]!.message).toMatch(/status 500/);
      const second = turnEvents(emu)[1]!.message.event.header.dialogRequestId;
      const response = lines.find(isType('response'));
      expect(response).toMatchObject({ status: 200, dialogRequestId: second });
      expect(lines.indexOf(errors[0]!)).toBeLessThan(lines.indexOf(response!));
      expect(lines.at(-1)).toBe(errors[1]);
      expect(errors[1]).toMatchObject({ code: 'E_SERVER', exitCode: 4 });
      expect(errors[1]!.message).toMatch(/^1 turn of the session failed; the first: .*status 500/);
      expect(stderrLines(chat.stderr())).toEqual([
        expect.stringMatching(/^clova-cli: error: .*status 500/),
        expect.stringMatching(/^clova-cli: error: 1 turn of the session failed/),
      ]);
    });

    it('every turn failing: each line is still handled, one error line each; exit 4 with a summary naming the count', async () => {
      const emu = await emulator({ faults: ['event-status=500'] });
      const chat = startPipedChat(ARGS, env(emu.url));
      for (const line of ['hello', '/volume 11', 'what time is it', 'what is the weather']) chat.send(line);
      chat.end();
      const { code } = await chat.closed;
      // The first failure decides the exit status (a server error: 4), not the bad /volume after it.
      expect(code, chat.stderr()).toBe(4);
      expect(turnEvents(emu).map((e) => [e.message.event.payload.text, e.status])).toEqual([
        ['hello', 500],
        ['what time is it', 500],
        ['what is the weather', 500],
      ]);
      const lines = chat.lines();
      expect(lines.filter(isType('request')).map((r) => r.text)).toEqual(['hello', 'what time is it', 'what is the weather']);
      expect(lines.filter(isType('response'))).toEqual([]);
      const errors = lines.filter(isType('error'));
      expect(errors.slice(0, -1).map((e) => [e.code, e.exitCode, e.fatal])).toEqual([
        ['E_SERVER', 4, false],
        ['E_USAGE', 2, false],
        ['E_SERVER', 4, false],
        ['E_SERVER', 4, false],
      ]);
      expect(errors[1]!.message).toMatch(/\/volume takes a whole number from 0 to 10/);
      expect(lines.at(-1)).toBe(errors.at(-1));
      expect(errors.at(-1)).toMatchObject({ code: 'E_SERVER', exitCode: 4 });
      expect(errors.at(-1)!.message).toMatch(/^4 turns of the session failed; the first: .*status 500/);
      expect(stderrLines(chat.stderr())).toHaveLength(5);
    });
  });

  it('lines that cannot be sent are refused one at a time, in their place, and the session goes on (exit 2)', async () => {
    const emu = await emulator();
    const chat = startPipedChat(ARGS, env(emu.url));
    chat.child.stdin.write(
      Buffer.concat([
        Buffer.from('hello\n'),
        Buffer.from([0xff, 0xfe, 0x0a]), // not UTF-8
        Buffer.from('ring \u0007 the bell\n'), // a control character
        Buffer.from(`${'x'.repeat(10001)}\n`), // longer than an utterance may be
        Buffer.from(' \t \n'), // blank: skipped, not refused
        Buffer.from('what time is it\n'),
      ]),
    );
    chat.end();
    const { code } = await chat.closed;
    expect(code, chat.stderr()).toBe(2);
    expect(turnEvents(emu).map((e) => e.message.event.payload.text)).toEqual(['hello', 'what time is it']);
    const lines = chat.lines();
    const errors = lines.filter(isType('error'));
    expect(errors.slice(0, -1).map((e) => [e.code, e.exitCode, e.fatal])).toEqual(Array(3).fill(['E_USAGE', 2, false]));
    expect(errors.slice(0, -1).map((e) => e.message)).toEqual([
      expect.stringMatching(/^line 2 of standard input is not valid UTF-8/),
      expect.stringMatching(/^line 3 of standard input contains a control character \(U\+0007\)/),
      expect.stringMatching(/^line 4 of standard input is longer than 10000 bytes/),
    ]);
    // In their place: after the first answer, before the next request.
    const [firstResponse, secondRequest] = [lines.find(isType('response'))!, lines.filter(isType('request'))[1]!];
    for (const e of errors.slice(0, -1)) {
      expect(lines.indexOf(e)).toBeGreaterThan(lines.indexOf(firstResponse));
      expect(lines.indexOf(e)).toBeLessThan(lines.indexOf(secondRequest));
    }
    expect(lines.filter(isType('response'))).toHaveLength(2);
    expect(lines.at(-1)).toBe(errors.at(-1));
    expect(errors.at(-1)!.message).toMatch(/^3 turns of the session failed; the first: line 2 of standard input is not valid UTF-8/);
    expect(stderrLines(chat.stderr())).toHaveLength(4);
  });

  describe('signals end a piped session', () => {
    const SIGNALS = [
      { signal: 'SIGINT', code: 130, line: /^clova-cli: error: interrupted by the user \(Ctrl-C\)/ },
      { signal: 'SIGTERM', code: 143, line: /^clova-cli: error: terminated \(SIGTERM\)/ },
    ] as const;

    for (const s of SIGNALS) {
      it(`${s.signal} while idle, waiting for the next line, exits ${s.code}`, async () => {
        const emu = await emulator();
        const chat = startPipedChat(ARGS, env(emu.url));
        chat.send('hello');
        await chat.waitForLine(isType('response'), 'the response to hello');
        chat.child.kill(s.signal); // standard input is still open: the session would wait for ever
        const { code, signal } = await chat.closed;
        expect(signal).toBeNull();
        expect(code).toBe(s.code);
        expect(stderrLines(chat.stderr())).toEqual([expect.stringMatching(s.line)]);
        expect(chat.lines().at(-1)).toMatchObject({ type: 'error', exitCode: s.code });
        expect(turnEvents(emu)).toHaveLength(1);
      });
    }

    it('SIGTERM during a turn in flight exits 143, the answer never shown', async () => {
      const emu = await emulator({ faults: ['event-delay=60000'] });
      const chat = startPipedChat(ARGS, env(emu.url));
      chat.send('hello');
      await emu.waitFor((r) => r.events.length === 1, 20000);
      chat.child.kill('SIGTERM');
      const { code, signal } = await chat.closed;
      expect(signal).toBeNull();
      expect(code).toBe(143);
      expect(stderrLines(chat.stderr())).toEqual([expect.stringMatching(SIGNALS[1].line)]);
      const lines = chat.lines();
      expect(lines.filter(isType('response'))).toEqual([]);
      expect(lines.at(-1)).toMatchObject({ type: 'error', exitCode: 143 });
    });
  });
});

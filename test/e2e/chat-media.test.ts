import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mpegFrameAt } from '../../src/audio/frames.js';
import type { Emulator } from '../../src/emulator/index.js';
import type { RecordedEvent } from '../../src/emulator/record.js';
import { buildDirective } from '../../src/protocol/messages.js';
import { startPipedChat, type PipedChat } from '../helpers/chat.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { fakePlayer } from '../helpers/fake-player.js';
import { mediaServer, toneMp3 } from '../helpers/media.js';

/** A chat session against the in-process emulator, playing through the fake real-time player. */
async function session(options: { stateDir?: string; args?: string[] } = {}) {
  const emu = await emulator();
  const player = fakePlayer();
  const state = options.stateDir ?? mkdtempSync(join(tmpdir(), 'clova-state-'));
  const chat = startPipedChat(['--json', '--player', player.command, ...(options.args ?? [])], {
    CLOVA_ACCESS_TOKEN: TOKEN,
    CLOVA_CIC_URL: emu.url,
    XDG_STATE_HOME: state,
    ...player.env,
  });
  await chat.waitForLine((l) => l.type === 'session' && l.event === 'ready', 'the ready line');
  return { emu, player, chat, state };
}

/** Ends the input and waits for the exit. */
async function finish(chat: PipedChat): Promise<{ code: number | null; stderr: string }> {
  chat.end();
  const { code } = await chat.closed;
  return { code, stderr: chat.stderr() };
}

/** The first line that matches (waits for it). */
async function line(chat: PipedChat, match: (l: Record<string, any>) => boolean, what: string): Promise<Record<string, any>> {
  return (await chat.waitForLine(match, what, 10_000)).line;
}

type Ev = { name: string; namespace: string; payload: Record<string, any>; at: number; context: RecordedEvent['message']['context'] };
function events(emu: Emulator, namespace?: string): Ev[] {
  return emu.record.events
    .map((e) => ({ ...e.message.event.header, payload: e.message.event.payload as Record<string, any>, at: e.at, context: e.message.context }))
    .filter((e) => namespace === undefined || e.namespace === namespace);
}
const named = (emu: Emulator, name: string) => events(emu).filter((e) => e.name === name);
const waitEvent = (emu: Emulator, name: string, count = 1, ms = 15_000) =>
  emu.waitFor((r) => r.events.filter((e) => e.message.event.header.name === name).length >= count, ms).then(() => named(emu, name)[count - 1]!);
const playbackState = (e: Ev) => e.context.find((c) => c.header.namespace === 'AudioPlayer' && c.header.name === 'PlaybackState')!.payload as Record<string, any>;
const volumeState = (e: Ev) => e.context.find((c) => c.header.namespace === 'Speaker')!.payload as Record<string, any>;
/** The dialogRequestId of the last TextRecognizer.Recognize of `text`. */
const lastDialog = (emu: Emulator, text: string) =>
  emu.record.events.filter((e) => e.message.event.header.name === 'Recognize' && e.message.event.payload.text === text).at(-1)?.message.event.header.dialogRequestId;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function play(id: string, stream: Record<string, unknown>, behavior = 'REPLACE_ALL') {
  return buildDirective('AudioPlayer', 'Play', {
    playBehavior: behavior,
    source: { name: 'Test Radio' },
    audioItem: {
      audioItemId: id,
      titleText: `Song ${id}`,
      titleSubText1: 'The Testers',
      type: 'test',
      stream: { urlPlayable: true, token: `tok-${id}`, beginAtInMilliseconds: 0, ...stream },
    },
  });
}

/** The gain of mpg123's `-f` that a volume asks for (volume/10 of 32768). */
const scale = (volume: number, duck = 1) => String(Math.round(32768 * (volume / 10) * duck));

describe('chat as a device: music (spec 5.6, 5.7) through a player that plays in real time', () => {
  it('plays a pushed Play: PlayStarted, the progress reports at their offsets, PlayFinished; media lines; the PlaybackState context', async () => {
    const mp3 = toneMp3(5);
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const { emu, player, chat } = await session();
    emu.push(
      play('A', {
        url: srv.url('/a.mp3'),
        customData: '{"opaque":"cd-A"}',
        progressReport: { progressReportDelayInMilliseconds: 1000, progressReportIntervalInMilliseconds: 2000, progressReportPositionInMilliseconds: 3500 },
      }),
    );
    const finished = await waitEvent(emu, 'PlayFinished');
    const audio = events(emu, 'AudioPlayer');
    if (process.env.CLOVA_MEASURE) console.log(audio.map((e) => `${e.name} offset=${e.payload.offsetInMilliseconds} at=+${e.at - audio[0]!.at}`).join('\n'));
    expect(audio.map((e) => e.name)).toEqual([
      'PlayStarted',
      'ProgressReportDelayPassed',
      'ProgressReportIntervalPassed',
      'ProgressReportPositionPassed',
      'ProgressReportIntervalPassed',
      'PlayFinished',
    ]);
    expect(audio.every((e) => e.payload.token === 'tok-A')).toBe(true);
    const offsets = audio.map((e) => e.payload.offsetInMilliseconds as number);
    const expected = [0, 1000, 2000, 3500, 4000];
    expected.forEach((want, i) => expect(Math.abs(offsets[i]! - want), `${audio[i]!.name} at ${offsets[i]}`).toBeLessThanOrEqual(150));
    // The audio is about 5 s (frames of 36 ms); the player takes a moment to start and to end.
    expect(offsets[5]).toBeGreaterThanOrEqual(4900);
    expect(offsets[5]).toBeLessThan(6000);
    // Sent when the position passed, not all at once: wall time between reports follows the offsets.
    const started = audio[0]!.at;
    expected.slice(1).forEach((want, i) => expect(Math.abs(audio[i + 1]!.at - started - want)).toBeLessThan(400));
    // The context of each event tells the state of its moment, the stream echoed with customData unchanged.
    expect(playbackState(audio[0]!)).toMatchObject({ playerActivity: 'PLAYING', repeatMode: 'NONE', stream: { token: 'tok-A', customData: '{"opaque":"cd-A"}', url: srv.url('/a.mp3') } });
    expect(playbackState(audio[3]!).offsetInMilliseconds).toBeGreaterThanOrEqual(3400);
    expect(playbackState(finished)).toMatchObject({ playerActivity: 'STOPPED', offsetInMilliseconds: finished.payload.offsetInMilliseconds });
    // One player, at the volume's gain (7 of 10), fed the whole MP3 as it streamed.
    const runs = player.runs();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.argv).toEqual(['-f', scale(7)]); // mpg123's scale factor: 0.7 of 32768
    expect(runs[0]!.gain).toBeCloseTo(0.7, 3);
    expect(runs[0]!.input().equals(mp3.subarray(0, Math.floor(mp3.length / 144) * 144))).toBe(true);
    expect(runs[0]!.end!.at - runs[0]!.startedAt).toBeGreaterThanOrEqual(4900);
    const media = chat.lines().filter((l) => l.type === 'media');
    expect(media).toEqual([
      { type: 'media', phase: 'started', token: 'tok-A', title: 'Song A', artist: 'The Testers', offsetInMilliseconds: 0 },
      { type: 'media', phase: 'finished', token: 'tok-A', title: 'Song A', artist: 'The Testers', offsetInMilliseconds: finished.payload.offsetInMilliseconds },
    ]);
    expect(chat.lines().filter((l) => l.type === 'state').map((l) => l.state)).toEqual(['playing', 'idle']);
    const end = await finish(chat);
    expect(end.code).toBe(0);
    expect(end.stderr).toBe('');
  }, 30_000);

  it('pauses and resumes by directive from the offset (HTTP Range), takes a new volume at once, and /stop stops it', async () => {
    const mp3 = toneMp3(8);
    const srv = await mediaServer({ '/b.mp3': { body: mp3 } });
    const { emu, player, chat, state } = await session();
    emu.push(play('B', { url: srv.url('/b.mp3'), progressReport: { progressReportPositionInMilliseconds: 4000 } }));
    const started = await waitEvent(emu, 'PlayStarted');
    await sleep(1500 - (Date.now() - started.at));
    emu.push(buildDirective('PlaybackController', 'Pause', { target: { namespace: 'AudioPlayer' } }));
    const paused = await waitEvent(emu, 'PlayPaused');
    const at = paused.payload.offsetInMilliseconds as number;
    expect(Math.abs(at - 1500)).toBeLessThan(300);
    expect(playbackState(paused)).toMatchObject({ playerActivity: 'PAUSED', offsetInMilliseconds: at });
    expect(chat.lines().filter((l) => l.type === 'state').map((l) => l.state)).toEqual(['playing', 'idle']);
    await sleep(1000);
    emu.push(buildDirective('PlaybackController', 'Resume', {}));
    const resumed = await waitEvent(emu, 'PlayResumed');
    expect(resumed.payload).toEqual({ token: 'tok-B', offsetInMilliseconds: at });
    // Resumed with a Range request at the bitrate (32 kbit/s: 4 bytes a millisecond), from the next whole frame.
    expect(srv.requests.map((r) => r.range)).toEqual([undefined, `bytes=${Math.floor(at * 4)}-`]);
    await sleep(300);
    const second = player.runs()[1]!;
    const frame = Math.ceil((at * 4) / 144) * 144;
    expect(second.input().subarray(0, 144).equals(mp3.subarray(frame, frame + 144))).toBe(true);
    // The report position is passed on the playback clock: the paused second is not counted.
    const position = await waitEvent(emu, 'ProgressReportPositionPassed');
    expect(Math.abs((position.payload.offsetInMilliseconds as number) - 4000)).toBeLessThan(200);
    expect(Math.abs(position.at - resumed.at - (4000 - at))).toBeLessThan(400);
    // A new volume: ActionExecuted, and the music goes on at its gain (a new player at the same place).
    emu.push(buildDirective('DeviceControl', 'SetValue', { target: 'volume', value: '3' }));
    const executed = await waitEvent(emu, 'ActionExecuted');
    expect(executed.payload).toEqual({ command: 'SetValue', target: 'volume' });
    expect(volumeState(executed)).toEqual({ volume: 3, muted: false });
    await line(chat, (l) => l.type === 'volume' && l.volume === 3, 'the volume line');
    await sleep(500);
    expect(player.runs().map((r) => r.argv[1])).toEqual([scale(7), scale(7), scale(3)]);
    expect(srv.requests).toHaveLength(3);
    expect(JSON.parse(readFileSync(join(state, 'clova-cli', 'volume.json'), 'utf8'))).toEqual({ volume: 3, muted: false });
    chat.send('/stop');
    const stopped = await waitEvent(emu, 'PlayStopped');
    const played = at + (stopped.at - resumed.at);
    expect(Math.abs((stopped.payload.offsetInMilliseconds as number) - played)).toBeLessThan(600);
    expect(playbackState(stopped)).toMatchObject({ playerActivity: 'STOPPED', stream: { token: 'tok-B' } });
    expect(named(emu, 'PlayStarted')).toHaveLength(1); // a restart for a gain is no new start
    expect(chat.lines().filter((l) => l.type === 'media').map((l) => l.phase)).toEqual(['started', 'paused', 'resumed', 'stopped']);
    expect((await finish(chat)).code).toBe(0);
  }, 40_000);

  it('urlPlayable false: StreamRequested just before playback, the merged StreamDeliver played; ENQUEUE, duplicates, ClearQueue', async () => {
    const short = toneMp3(1.5);
    const srv = await mediaServer({ '/a.mp3': { body: short }, '/b.mp3': { body: short }, '/c.mp3': { body: toneMp3(6) } });
    const { emu, player, chat } = await session();
    const stream = { url: 'clova:TR-A', urlPlayable: false, token: 'tok-A', beginAtInMilliseconds: 0, customData: 'cd-A', progressReport: { progressReportDelayInMilliseconds: 500 } };
    emu.push(play('A', stream));
    const requested = await waitEvent(emu, 'StreamRequested');
    expect(requested.payload).toEqual({ audioItemId: 'A', audioStream: stream });
    expect(player.runs()).toHaveLength(0);
    emu.push(buildDirective('AudioPlayer', 'StreamDeliver', { audioItemId: 'A', audioStream: { url: srv.url('/a.mp3'), urlPlayable: true, token: 'tok-A', customData: null } }));
    const startedA = await waitEvent(emu, 'PlayStarted');
    expect(playbackState(startedA).stream).toEqual({ ...stream, url: srv.url('/a.mp3'), urlPlayable: true });
    emu.push(play('B', { url: srv.url('/b.mp3') }, 'ENQUEUE'));
    emu.push(play('B', { url: srv.url('/b.mp3') }, 'ENQUEUE')); // the same audioItemId: one Play
    await waitEvent(emu, 'PlayFinished', 2);
    expect(events(emu, 'AudioPlayer').map((e) => `${e.name} ${e.payload.token ?? e.payload.audioItemId}`)).toEqual([
      'StreamRequested A',
      'PlayStarted tok-A',
      'ProgressReportDelayPassed tok-A',
      'PlayFinished tok-A',
      'PlayStarted tok-B',
      'PlayFinished tok-B',
    ]);
    // ClearQueue: CLEAR_ENQUEUED keeps what plays, CLEAR_ALL stops it.
    emu.push(play('C', { url: srv.url('/c.mp3') }));
    emu.push(play('D', { url: srv.url('/a.mp3') }, 'ENQUEUE'));
    await waitEvent(emu, 'PlayStarted', 3);
    emu.push(buildDirective('AudioPlayer', 'ClearQueue', { clearBehavior: 'CLEAR_ENQUEUED' }));
    await waitEvent(emu, 'PlaybackQueueCleared');
    await sleep(500);
    emu.push(buildDirective('AudioPlayer', 'ClearQueue', { clearBehavior: 'CLEAR_ALL' }));
    const cleared = await waitEvent(emu, 'PlaybackQueueCleared', 2);
    expect(events(emu, 'AudioPlayer').slice(6).map((e) => `${e.name} ${e.payload.token ?? e.payload.clearBehavior}`)).toEqual([
      'PlayStarted tok-C',
      'PlaybackQueueCleared CLEAR_ENQUEUED',
      'PlayStopped tok-C',
      'PlaybackQueueCleared CLEAR_ALL',
    ]);
    expect(playbackState(cleared)).toEqual({ playerActivity: 'IDLE', repeatMode: 'NONE' });
    await sleep(300);
    expect(named(emu, 'PlayStarted').map((e) => e.payload.token)).toEqual(['tok-A', 'tok-B', 'tok-C']); // D never played
    expect((await finish(chat)).code).toBe(0);
  }, 40_000);

  it('speech during music ducks it (a player at a lower gain), and music comes back to its level after; /pause asks CLOVA', async () => {
    const srv = await mediaServer({ '/m.mp3': { body: toneMp3(12) } });
    const { emu, player, chat } = await session();
    emu.push(play('M', { url: srv.url('/m.mp3') }));
    await waitEvent(emu, 'PlayStarted');
    await sleep(500);
    chat.send('hello');
    await waitEvent(emu, 'SpeechFinished');
    await sleep(1200);
    const runs = player.runs();
    const music = runs.filter((r) => r.input().length > 5000 || r.end === undefined);
    const speech = runs.find((r) => r.end !== undefined && r.end.ms < 2000)!;
    expect(speech).toBeDefined();
    expect(speech.argv[1]).toBe(scale(7)); // speech at the speaker's volume
    // Music: at 7, ducked to a fifth while the request and its speech have the foreground, then at 7 again.
    expect(music.map((r) => r.argv[1])).toEqual([scale(7), scale(7, 0.2), scale(7)]);
    expect(music[1]!.startedAt).toBeLessThanOrEqual(speech.startedAt);
    expect(music[2]!.startedAt).toBeGreaterThanOrEqual(speech.end!.at);
    // No event for a duck: it still plays.
    expect(events(emu, 'AudioPlayer').map((e) => e.name)).toEqual(['PlayStarted']);
    expect(named(emu, 'TextRecognize').length + named(emu, 'Recognize').length).toBe(1);
    expect(playbackState(named(emu, 'Recognize')[0]!)).toMatchObject({ playerActivity: 'PLAYING', stream: { token: 'tok-M' } });
    // The pause button: CLOVA is told, for the music, and decides.
    chat.send('/pause');
    const pressed = await waitEvent(emu, 'PauseCommandIssued');
    expect(pressed.payload).toEqual({ source: { namespace: 'AudioPlayer' } });
    chat.send('/stop');
    await waitEvent(emu, 'PlayStopped');
    expect((await finish(chat)).code).toBe(0);
  }, 40_000);
});

describe("chat as a device: the emulator's own music, asked for in words", () => {
  it('"play some music", "pause", "resume", "volume down", "play the radio" (urlPlayable false), "stop": each carried out and reported', async () => {
    const { emu, player, chat } = await session();
    const say = async (text: string) => {
      chat.send(text);
      await chat.waitForLine((l) => l.type === 'response' && l.dialogRequestId === lastDialog(emu, text), `the answer to "${text}"`, 15_000);
    };
    await say('play some music');
    const started = await waitEvent(emu, 'PlayStarted');
    const music = started.payload.token as string;
    expect(playbackState(started)).toMatchObject({ playerActivity: 'PLAYING', stream: { urlPlayable: true } });
    // The emulator asks for a report 2 s in: it comes 2 s into the music.
    const delay = await waitEvent(emu, 'ProgressReportDelayPassed');
    expect(Math.abs((delay.payload.offsetInMilliseconds as number) - 2000)).toBeLessThan(150);
    await say('pause');
    const paused = await waitEvent(emu, 'PlayPaused');
    const at = paused.payload.offsetInMilliseconds as number;
    expect(paused.payload.token).toBe(music);
    expect(at).toBeGreaterThan(2000);
    await say('resume');
    const resumed = await waitEvent(emu, 'PlayResumed');
    expect(resumed.payload).toEqual({ token: music, offsetInMilliseconds: at });
    // Read from the start once; every later start (a duck under speech and back, the resume) asks
    // for the rest from the byte of its offset (24 kbit/s: 3 bytes a millisecond).
    const ranges = emu.record.media.filter((m) => m.method === 'GET').map((m) => m.range);
    expect(ranges[0]).toBeUndefined();
    // (A start before any audio was played — a duck while the first fetch is still slow on a loaded
    // machine — has nothing to skip and may ask for the whole file.)
    expect(ranges.slice(1).every((r) => r === undefined || /^bytes=\d+-$/.test(r))).toBe(true);
    expect(ranges).toContain(`bytes=${Math.floor((at * 24) / 8)}-`);
    const position = await waitEvent(emu, 'ProgressReportPositionPassed');
    expect(Math.abs((position.payload.offsetInMilliseconds as number) - 7000)).toBeLessThan(150);
    await say('volume down');
    expect((await waitEvent(emu, 'ActionExecuted')).payload).toEqual({ command: 'Decrease', target: 'volume' });
    // The music goes on at the new level, ducked while the turn lasts, then at 6 of 10.
    for (let i = 0; i < 40 && player.runs().at(-1)!.argv[1] !== scale(6); i++) await sleep(100);
    expect(player.runs().at(-1)!.argv[1]).toBe(scale(6));
    expect(player.runs().some((r) => r.argv[1] === scale(6, 0.2))).toBe(true);
    await say('play the radio');
    const requested = await waitEvent(emu, 'StreamRequested');
    expect(requested.payload.audioStream).toMatchObject({ urlPlayable: false, url: expect.stringMatching(/^clova:/) });
    const radio = await waitEvent(emu, 'PlayStarted', 2);
    expect(radio.payload.token).not.toBe(music);
    expect(playbackState(radio).stream).toMatchObject({ urlPlayable: true, token: radio.payload.token });
    await say('stop');
    const stopped = named(emu, 'PlayStopped');
    expect(stopped.map((e) => e.payload.token)).toEqual([music, radio.payload.token]); // the radio replaced the music, then "stop"
    expect(chat.lines().filter((l) => l.type === 'media').map((l) => `${l.phase} ${l.title}`)).toEqual([
      'started Morning Walk',
      'paused Morning Walk',
      'resumed Morning Walk',
      'stopped Morning Walk',
      'started Blue Loop',
      'stopped Blue Loop',
    ]);
    expect((await finish(chat)).code).toBe(0);
  }, 60_000);
});

describe('chat as a device without a player', () => {
  it('--no-play: music is taken at its real pace in silence, so the events and offsets are those of a device playing it', async () => {
    const mp3 = toneMp3(1.5);
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const { emu, player, chat } = await session({ args: ['--no-play'] });
    emu.push(play('Q', { url: srv.url('/a.mp3'), progressReport: { progressReportIntervalInMilliseconds: 1000 } }));
    const finished = await waitEvent(emu, 'PlayFinished');
    const audio = events(emu, 'AudioPlayer');
    expect(audio.map((e) => e.name)).toEqual(['PlayStarted', 'ProgressReportIntervalPassed', 'PlayFinished']);
    expect(Math.abs((audio[1]!.payload.offsetInMilliseconds as number) - 1000)).toBeLessThan(150);
    const length = Math.floor(mp3.length / 144) * 36;
    expect(finished.payload.offsetInMilliseconds).toBe(length);
    expect(finished.at - audio[0]!.at).toBeGreaterThanOrEqual(length - 100);
    expect(player.runs()).toEqual([]);
    expect((await finish(chat)).code).toBe(0);
  }, 20_000);
});

describe('chat as a device: notifications, refusals, reports', () => {
  it('Notify plays the built-in chime; SetIndicator and ClearIndicator show in /status; HLS refused; Expect* answered', async () => {
    const { emu, player, chat } = await session();
    emu.push(
      buildDirective('Notifier', 'Notify', { assets: [{ assetId: 'n1', url: 'clova://notifier/sound/default' }], assetPlayOrder: ['n1'], light: 'DEFAULT' }),
    );
    await line(chat, (l) => l.type === 'directive' && l.directive.header.name === 'Notify', 'the Notify line');
    const deadline = Date.now() + 5000;
    while (!player.runs()[0]?.end && Date.now() < deadline) await sleep(50);
    const chime = player.runs()[0]!;
    expect(chime.argv[1]).toBe(scale(7));
    expect(mpegFrameAt(chime.input(), 0)).toMatchObject({ sampleRate: 22050 });
    expect(chime.end!.ms).toBeGreaterThan(400);
    expect(chime.end!.ms).toBeLessThan(1000);
    emu.push(buildDirective('Notifier', 'SetIndicator', { assets: [], assetPlayOrder: [], light: 'DEFAULT', new: false }));
    await line(chat, (l) => l.type === 'directive' && l.directive.header.name === 'SetIndicator', 'the SetIndicator line');
    chat.send('/status');
    const status = await line(chat, (l) => l.type === 'status', 'the status line');
    expect(status.notifications).toEqual({ unread: true, light: true });
    expect(status.media).toEqual({ playerActivity: 'IDLE', repeatMode: 'NONE', queued: 0 });
    emu.push(buildDirective('Notifier', 'ClearIndicator', {}));
    await line(chat, (l) => l.type === 'directive' && l.directive.header.name === 'ClearIndicator', 'the ClearIndicator line');
    chat.send('/status');
    await line(chat, (l) => l.type === 'status' && l.notifications.unread === false, 'a status line without unread notifications');
    // HLS: one line and PlayStopped.
    emu.push(play('H', { url: 'https://cdn.example/live.m3u8', format: 'application/vnd.apple.mpegurl' }));
    const refused = await waitEvent(emu, 'PlayStopped');
    expect(refused.payload).toEqual({ token: 'tok-H', offsetInMilliseconds: 0 });
    expect(chat.stderr().split('\n').filter((l) => /HLS/.test(l))).toEqual([
      'clova-cli: music not played: "Song H" is an HLS playlist (application/vnd.apple.mpegurl), which this client does not play',
    ]);
    emu.push(buildDirective('AudioPlayer', 'ExpectReportPlaybackState', {}));
    const report = await waitEvent(emu, 'ReportPlaybackState');
    expect(report.payload).toMatchObject({ playerActivity: 'STOPPED', repeatMode: 'NONE', offsetInMilliseconds: 0, token: 'tok-H', stream: { token: 'tok-H' } });
    emu.push(buildDirective('PlaybackController', 'ExpectNextCommand', { target: { namespace: 'AudioPlayer' } }));
    expect((await waitEvent(emu, 'NextCommandIssued')).payload).toEqual({ source: { namespace: 'AudioPlayer' } });
    emu.push(buildDirective('PlaybackController', 'SetRepeatMode', { repeatMode: 'REPEAT_ONE' }));
    emu.push(buildDirective('PlaybackController', 'Mute', {}));
    await line(chat, (l) => l.type === 'volume' && l.muted === true, 'the muted volume line');
    emu.push(buildDirective('AudioPlayer', 'ExpectReportPlaybackState', {}));
    const again = await waitEvent(emu, 'ReportPlaybackState', 2);
    expect(again.payload.repeatMode).toBe('REPEAT_ONE');
    expect(volumeState(again)).toEqual({ volume: 7, muted: true });
    expect((await finish(chat)).code).toBe(0);
  }, 30_000);

  it('the volume is kept for the next chat session (speech plays at it), not read by one-shot commands', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'clova-state-'));
    const first = await session({ stateDir });
    first.chat.send('/volume 3');
    await line(first.chat, (l) => l.type === 'volume' && l.volume === 3, 'the volume line');
    expect((await finish(first.chat)).code).toBe(0);
    const second = await session({ stateDir });
    second.chat.send('/status');
    expect((await line(second.chat, (l) => l.type === 'status', 'the status line')).volume).toBe(3);
    second.chat.send('hello');
    await waitEvent(second.emu, 'SpeechFinished');
    expect(volumeState(named(second.emu, 'Recognize')[0]!)).toEqual({ volume: 3, muted: false });
    expect(second.player.runs()[0]!.argv[1]).toBe(scale(3));
    expect((await finish(second.chat)).code).toBe(0);
    // A one-shot command keeps its own behaviour: the player's level, the default volume.
    const emu = await emulator();
    const one = fakePlayer();
    const r = await runCli(['text', 'hello', '--json', '--player', one.command], {
      env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url, XDG_STATE_HOME: stateDir, ...one.env },
    });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).some((l) => l.type === 'speech' && l.phase === 'finished')).toBe(true);
    expect(one.runs()[0]!.argv).not.toContain('-f');
    expect(volumeState(events(emu)[0]!)).toEqual({ volume: 7, muted: false });
  }, 40_000);
});

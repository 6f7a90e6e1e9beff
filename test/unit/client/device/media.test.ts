import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFrame, mpegFrameAt } from '../../../../src/audio/frames.js';
import { PlaybackAbortedError } from '../../../../src/audio/player.js';
import type { DeviceAudio } from '../../../../src/client/device/audio.js';
import { MediaPlayer, type MediaProgress } from '../../../../src/client/device/media.js';
import { systemTimers } from '../../../../src/client/timers.js';
import { mediaServer, toneMp3 } from '../../../helpers/media.js';

/** One call of the fake output: what it was given, and a way to end it as a player would at the end of the stream. */
interface PlayCall {
  gain: number | undefined;
  format: string | undefined;
  bytes: Buffer[];
  signal: AbortSignal;
  /** Ends playback normally (as if the audio had played to its end). */
  release(): void;
  /** Resolves when the whole input has been read. */
  drained: Promise<void>;
}

/** An output that takes the audio as fast as it comes and finishes only when told (or at once with `auto`). */
class FakeAudio implements DeviceAudio {
  readonly calls: PlayCall[] = [];
  constructor(private readonly auto = false) {}
  play(input: Buffer | NodeJS.ReadableStream, o: { signal: AbortSignal; gain?: number; format?: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      const bytes: Buffer[] = [];
      let drainedResolve!: () => void;
      const drained = new Promise<void>((r) => (drainedResolve = r));
      const call: PlayCall = { gain: o.gain, format: o.format, bytes, signal: o.signal, release: () => resolve(), drained };
      this.calls.push(call);
      o.signal.addEventListener('abort', () => reject(new PlaybackAbortedError(o.signal.reason)), { once: true });
      void (async () => {
        try {
          for await (const c of input as AsyncIterable<Buffer>) bytes.push(Buffer.from(c));
        } catch {
          /* aborted */
        }
        drainedResolve();
        if (this.auto) resolve();
      })();
    });
  }
}

function harness(options: { auto?: boolean; formats?: string[]; deliverTimeoutMs?: number; stallTimeoutMs?: number; gain?: number } = {}) {
  const audio = new FakeAudio(options.auto);
  const reports: Array<{ namespace: string; name: string; payload: Record<string, unknown>; state: Record<string, unknown> }> = [];
  const progress: MediaProgress[] = [];
  const notices: string[] = [];
  const playing: boolean[] = [];
  let gain = options.gain ?? 1;
  // eslint-disable-next-line prefer-const
  let player: MediaPlayer;
  player = new MediaPlayer(
    {
      report: (namespace, name, payload) => reports.push({ namespace, name, payload, state: player.playbackState() }),
      audio,
      formats: new Set(options.formats ?? ['audio/mpeg']),
      gain: () => gain,
      progress: (p) => progress.push(p),
      playing: (on) => playing.push(on),
      timers: systemTimers,
      trace: () => undefined,
      notice: (l) => notices.push(l),
    },
    { deliverTimeoutMs: options.deliverTimeoutMs, stallTimeoutMs: options.stallTimeoutMs, unduckDelayMs: 50 },
  );
  const names = () => reports.map((r) => (r.namespace === 'AudioPlayer' ? r.name : `${r.namespace}.${r.name}`));
  const until = async (what: () => boolean, ms = 3000) => {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error(`timed out; events so far: ${names().join(', ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { player, audio, reports, progress, notices, playing, names, until, setGain: (g: number) => (gain = g) };
}

function play(id: string, url: string, extra: Record<string, unknown> = {}, behavior = 'REPLACE_ALL') {
  const { stream, ...item } = extra as { stream?: Record<string, unknown> };
  return {
    playBehavior: behavior,
    source: { name: 'test' },
    audioItem: {
      audioItemId: id,
      titleText: `Song ${id}`,
      titleSubText1: 'The Testers',
      type: 'test',
      ...item,
      stream: { url, urlPlayable: true, token: `tok-${id}`, beginAtInMilliseconds: 0, ...stream },
    },
  };
}

const mp3 = toneMp3(3); // 144-byte frames of 36 ms, 4,000 bytes a second
let players: MediaPlayer[] = [];
afterEach(() => {
  for (const p of players) p.close();
  players = [];
});

describe('MediaPlayer: the play queue (spec 5.6)', () => {
  it('plays REPLACE_ALL at once, ENQUEUE after it, and ignores a Play whose audioItemId is playing or queued', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3 }, '/b.mp3': { body: mp3 } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('A', srv.url('/a.mp3')));
    h.player.play(play('B', srv.url('/b.mp3'), {}, 'ENQUEUE'));
    h.player.play(play('B', srv.url('/b.mp3'), {}, 'ENQUEUE')); // duplicate: queued already
    h.player.play(play('A', srv.url('/a.mp3'))); // duplicate: playing
    await h.until(() => h.audio.calls.length === 1);
    await h.audio.calls[0]!.drained;
    expect(Buffer.concat(h.audio.calls[0]!.bytes).equals(mp3.subarray(0, Math.floor(mp3.length / 144) * 144))).toBe(true);
    expect(h.names()).toEqual(['PlayStarted']);
    h.audio.calls[0]!.release();
    await h.until(() => h.audio.calls.length === 2);
    h.audio.calls[1]!.release();
    await h.until(() => h.names().length === 4);
    expect(h.names()).toEqual(['PlayStarted', 'PlayFinished', 'PlayStarted', 'PlayFinished']);
    expect(h.reports.map((r) => r.payload.token)).toEqual(['tok-A', 'tok-A', 'tok-B', 'tok-B']);
    expect(h.progress.map((p) => `${p.phase} ${p.title} by ${p.artist}`)).toEqual([
      'started Song A by The Testers',
      'finished Song A by The Testers',
      'started Song B by The Testers',
      'finished Song B by The Testers',
    ]);
    expect(srv.requests.map((r) => r.path)).toEqual(['/a.mp3', '/b.mp3']);
    // Every event carries the state of its moment.
    expect(h.reports.map((r) => r.state.playerActivity)).toEqual(['PLAYING', 'STOPPED', 'PLAYING', 'STOPPED']);
    expect(h.playing).toEqual([true, false, true, false]);
    // A finished item may be played again.
    h.player.play(play('B', srv.url('/b.mp3')));
    await h.until(() => h.audio.calls.length === 3);
  });

  it('REPLACE_ALL stops what plays (PlayStopped) and forgets the queue', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('A', srv.url('/a.mp3')));
    h.player.play(play('B', srv.url('/a.mp3'), {}, 'ENQUEUE'));
    await h.until(() => h.names().includes('PlayStarted'));
    h.player.play(play('C', srv.url('/a.mp3')));
    await h.until(() => h.names().length === 3);
    expect(h.names()).toEqual(['PlayStarted', 'PlayStopped', 'PlayStarted']);
    expect(h.reports.map((r) => r.payload.token)).toEqual(['tok-A', 'tok-A', 'tok-C']);
    expect(h.audio.calls[0]!.signal.aborted).toBe(true);
    h.audio.calls[1]!.release();
    await h.until(() => h.names().length === 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.names()).toEqual(['PlayStarted', 'PlayStopped', 'PlayStarted', 'PlayFinished']); // B was forgotten
  });

  it('ClearQueue: CLEAR_ENQUEUED keeps playing, CLEAR_ALL stops and forgets the stream; both say PlaybackQueueCleared', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('A', srv.url('/a.mp3')));
    h.player.play(play('B', srv.url('/a.mp3'), {}, 'ENQUEUE'));
    await h.until(() => h.names().includes('PlayStarted'));
    h.player.clearQueue({ clearBehavior: 'CLEAR_ENQUEUED' });
    expect(h.player.status()).toMatchObject({ playerActivity: 'PLAYING', queued: 0 });
    h.player.clearQueue({ clearBehavior: 'CLEAR_ALL' });
    expect(h.names()).toEqual(['PlayStarted', 'PlaybackQueueCleared', 'PlayStopped', 'PlaybackQueueCleared']);
    expect(h.reports[1]!.payload).toEqual({ clearBehavior: 'CLEAR_ENQUEUED' });
    expect(h.reports[3]!.payload).toEqual({ clearBehavior: 'CLEAR_ALL' });
    expect(h.reports[2]!.state.playerActivity).toBe('STOPPED');
    expect(h.player.playbackState()).toEqual({ playerActivity: 'IDLE', repeatMode: 'NONE' });
  });

  it('REPEAT_ONE plays the item again when it finishes', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const h = harness();
    players.push(h.player);
    h.player.setRepeatMode('REPEAT_ONE');
    h.player.play(play('A', srv.url('/a.mp3')));
    await h.until(() => h.audio.calls.length === 1);
    h.audio.calls[0]!.release();
    await h.until(() => h.names().length === 3);
    expect(h.names()).toEqual(['PlayStarted', 'PlayFinished', 'PlayStarted']);
    expect(h.player.playbackState()).toMatchObject({ playerActivity: 'PLAYING', repeatMode: 'REPEAT_ONE' });
  });
});

describe('MediaPlayer: pause and resume from the offset', () => {
  it('resumes with an HTTP Range request at the MP3 bitrate, entering at the next whole frame', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('A', srv.url('/a.mp3')));
    await h.until(() => h.names().includes('PlayStarted'));
    await new Promise((r) => setTimeout(r, 400));
    h.player.pause();
    const paused = h.reports.at(-1)!;
    expect(paused.name).toBe('PlayPaused');
    const at = paused.payload.offsetInMilliseconds as number;
    expect(at).toBeGreaterThanOrEqual(380);
    expect(at).toBeLessThan(1000);
    expect(paused.state).toMatchObject({ playerActivity: 'PAUSED', offsetInMilliseconds: at });
    await new Promise((r) => setTimeout(r, 300)); // paused time does not count
    expect(h.player.playbackState().offsetInMilliseconds).toBe(at);
    h.player.resume();
    await h.until(() => h.names().includes('PlayResumed'));
    expect(h.reports.at(-1)!.payload).toEqual({ token: 'tok-A', offsetInMilliseconds: at });
    const byte = Math.floor((at * 32) / 8);
    expect(srv.requests.map((r) => r.range)).toEqual([undefined, `bytes=${byte}-`]);
    await h.audio.calls[1]!.drained;
    const first = Math.ceil(byte / 144) * 144;
    expect(Buffer.concat(h.audio.calls[1]!.bytes).subarray(0, 144).equals(mp3.subarray(first, first + 144))).toBe(true);
    expect(h.progress.map((p) => p.phase)).toEqual(['started', 'paused', 'resumed']);
  });

  it('a server that ignores Range: the frames before the offset are skipped', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3, ranges: false } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('A', srv.url('/a.mp3')));
    await h.until(() => h.names().includes('PlayStarted'));
    await new Promise((r) => setTimeout(r, 300));
    h.player.pause();
    const at = h.reports.at(-1)!.payload.offsetInMilliseconds as number;
    h.player.resume();
    await h.until(() => h.audio.calls.length === 2);
    await h.audio.calls[1]!.drained;
    const first = Math.ceil(at / 36) * 144;
    expect(Buffer.concat(h.audio.calls[1]!.bytes).subarray(0, 144).equals(mp3.subarray(first, first + 144))).toBe(true);
  });

  it('a VBR MP3 (Xing tag) is resumed by skipping frames from its start, not by a Range at a guessed byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clova-vbr-'));
    execFileSync('sox', ['-n', '-r', '44100', '-c', '1', join(dir, 'a.wav'), 'synth', '3', 'sine', '300-3000']);
    execFileSync('lame', ['--quiet', '-V', '4', join(dir, 'a.wav'), join(dir, 'a.mp3')]);
    const vbr = readFileSync(join(dir, 'a.mp3'));
    const srv = await mediaServer({ '/v.mp3': { body: vbr } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('V', srv.url('/v.mp3')));
    await h.until(() => h.names().includes('PlayStarted'));
    await new Promise((r) => setTimeout(r, 300));
    h.player.pause();
    const at = h.reports.at(-1)!.payload.offsetInMilliseconds as number;
    h.player.resume();
    await h.until(() => h.audio.calls.length === 2);
    await h.audio.calls[1]!.drained;
    expect(srv.requests.map((r) => r.range)).toEqual([undefined, undefined]);
    // The first frame given is the first that begins at or after the offset (frames of 1152 samples at 44.1 kHz).
    const frames: Array<{ off: number; bytes: number }> = [];
    for (let off = findFrame(vbr)!; ; ) {
      const f = mpegFrameAt(vbr, off);
      if (!f) break;
      frames.push({ off, bytes: f.bytes });
      off += f.bytes;
    }
    const index = Math.ceil((at - 0.5) / ((1152 * 1000) / 44100));
    const want = frames[index]!;
    expect(Buffer.concat(h.audio.calls[1]!.bytes).subarray(0, want.bytes).equals(vbr.subarray(want.off, want.off + want.bytes))).toBe(true);
  });

  it('a new gain (volume, ducking) restarts the player at the same offset without an event', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const h = harness({ gain: 0.7 });
    players.push(h.player);
    h.player.play(play('A', srv.url('/a.mp3')));
    await h.until(() => h.names().includes('PlayStarted'));
    expect(h.audio.calls[0]!.gain).toBeCloseTo(0.7);
    h.player.duck(true);
    await h.until(() => h.audio.calls.length === 2);
    expect(h.audio.calls[1]!.gain).toBeCloseTo(0.14);
    h.player.duck(false); // back to its level a moment later
    h.player.duck(true);
    h.player.duck(false);
    await h.until(() => h.audio.calls.length === 3);
    expect(h.audio.calls[2]!.gain).toBeCloseTo(0.7);
    h.setGain(0.3);
    h.player.gainChanged();
    await h.until(() => h.audio.calls.length === 4);
    expect(h.audio.calls[3]!.gain).toBeCloseTo(0.3);
    expect(h.names()).toEqual(['PlayStarted']);
    expect(h.audio.calls.slice(0, 3).every((c) => c.signal.aborted)).toBe(true);
    expect(srv.requests.slice(1).every((r) => r.range !== undefined)).toBe(true);
  });
});

describe('MediaPlayer: the playable window', () => {
  it('plays from beginAtInMilliseconds and finishes when beginAt + duration is reached', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('W', srv.url('/a.mp3'), { stream: { beginAtInMilliseconds: 720, durationInMilliseconds: 400 } }));
    await h.until(() => h.names().length === 2);
    expect(h.names()).toEqual(['PlayStarted', 'PlayFinished']);
    expect(h.reports[0]!.payload.offsetInMilliseconds).toBe(720);
    const end = h.reports[1]!.payload.offsetInMilliseconds;
    expect(end).toBe(1120);
    expect(h.reports[1]!.state).toMatchObject({ playerActivity: 'STOPPED', offsetInMilliseconds: 1120, totalInMilliseconds: 1120 });
    expect(h.audio.calls[0]!.signal.aborted).toBe(true); // the player is stopped at the window's end
    await h.audio.calls[0]!.drained;
    // 720 ms is 20 frames of 36 ms: the audio given to the player begins with the 21st.
    expect(Buffer.concat(h.audio.calls[0]!.bytes).subarray(0, 144).equals(mp3.subarray(2880, 3024))).toBe(true);
    expect(srv.requests.map((r) => r.range)).toEqual([undefined]); // not known yet: read from the start
  });
});

describe('MediaPlayer: streams to ask for, and streams it cannot play', () => {
  it('urlPlayable false: StreamRequested with the Play stream as received, then the merged StreamDeliver is played', async () => {
    const srv = await mediaServer({ '/s.mp3': { body: mp3 } });
    const h = harness();
    players.push(h.player);
    const stream = { url: 'clova:TR-42', urlPlayable: false, token: 'tok-S', beginAtInMilliseconds: 0, customData: 'cd-42', progressReport: { progressReportDelayInMilliseconds: 100 } };
    h.player.play(play('S', 'unused', { stream }));
    expect(h.names()).toEqual(['StreamRequested']);
    expect(h.reports[0]!.payload).toEqual({ audioItemId: 'S', audioStream: stream });
    h.player.streamDeliver({ audioItemId: 'other', audioStream: { url: srv.url('/s.mp3') } }); // not ours
    h.player.streamDeliver({ audioItemId: 'S', audioStream: { url: srv.url('/s.mp3'), urlPlayable: true, customData: null, durationInMilliseconds: 2500 } });
    await h.until(() => h.names().includes('ProgressReportDelayPassed'));
    expect(h.names()).toEqual(['StreamRequested', 'PlayStarted', 'ProgressReportDelayPassed']);
    expect(h.player.playbackState()).toMatchObject({
      playerActivity: 'PLAYING',
      totalInMilliseconds: 2500,
      stream: { url: srv.url('/s.mp3'), urlPlayable: true, token: 'tok-S', customData: 'cd-42', durationInMilliseconds: 2500 },
    });
  });

  it('no StreamDeliver in time: one line and PlayStopped', async () => {
    const h = harness({ deliverTimeoutMs: 100 });
    players.push(h.player);
    h.player.play(play('S', 'unused', { stream: { url: 'clova:TR-1', urlPlayable: false, token: 'tok-S' } }));
    await h.until(() => h.names().length === 2);
    expect(h.names()).toEqual(['StreamRequested', 'PlayStopped']);
    expect(h.notices).toEqual(['music not played: no AudioPlayer.StreamDeliver came within 0.1 s of StreamRequested']);
  });

  it('HLS is refused with one line and PlayStopped, by format or by the server content type', async () => {
    const srv = await mediaServer({ '/live': { body: Buffer.from('#EXTM3U\n'), type: 'application/vnd.apple.mpegurl' } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('H', 'https://cdn.example/list.m3u8', { stream: { format: 'application/vnd.apple.mpegurl' } }));
    expect(h.names()).toEqual(['PlayStopped']);
    h.player.play(play('L', srv.url('/live')));
    await h.until(() => h.names().length === 2);
    expect(h.names()).toEqual(['PlayStopped', 'PlayStopped']);
    expect(h.notices).toHaveLength(2);
    expect(h.notices.every((n) => /HLS playlist .*which this client does not play/.test(n))).toBe(true);
    expect(h.audio.calls).toHaveLength(0);
  });

  it('AAC with a player that cannot play it: refused; a failed fetch: PlayStopped and the queue goes on', async () => {
    const adts = Buffer.alloc(0);
    const frame = Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x19, 0x1f, 0xfc]); // 200-byte AAC frames
    const aac = Buffer.concat(Array.from({ length: 50 }, () => Buffer.concat([frame, Buffer.alloc(193, 0x21)])));
    const srv = await mediaServer({ '/a.aac': { body: Buffer.concat([adts, aac]), type: 'audio/aac' }, '/ok.mp3': { body: mp3 } });
    const h = harness({ auto: true });
    players.push(h.player);
    h.player.play(play('AAC', srv.url('/a.aac'), { stream: { format: 'audio/aac' } }));
    h.player.play(play('GONE', srv.url('/missing.mp3'), {}, 'ENQUEUE'));
    h.player.play(play('OK', srv.url('/ok.mp3'), {}, 'ENQUEUE'));
    await h.until(() => h.names().length === 4);
    expect(h.names()).toEqual(['PlayStopped', 'PlayStopped', 'PlayStarted', 'PlayFinished']);
    expect(h.notices[0]).toMatch(/is AAC, which the player cannot play/);
    expect(h.notices[1]).toMatch(/music stopped: the media server answered 404/);
    // The same AAC with an output that takes it.
    const k = harness({ auto: true, formats: ['audio/mpeg', 'audio/aac'] });
    players.push(k.player);
    k.player.play(play('AAC', srv.url('/a.aac'), { stream: { format: 'audio/aac' } }));
    await k.until(() => k.names().length === 2);
    expect(k.names()).toEqual(['PlayStarted', 'PlayFinished']);
    expect(k.audio.calls[0]!.format).toBe('audio/aac');
    expect(Buffer.concat(k.audio.calls[0]!.bytes).equals(aac)).toBe(true);
  });

  it('a stream that stalls is given up after the stall timeout', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.write(mp3.subarray(0, 1440)); // ten frames, then nothing
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const h = harness({ stallTimeoutMs: 300 });
      players.push(h.player);
      h.player.play(play('A', `http://127.0.0.1:${(server.address() as AddressInfo).port}/a.mp3`));
      await h.until(() => h.names().length === 2);
      expect(h.names()).toEqual(['PlayStarted', 'PlayStopped']);
      expect(h.notices).toEqual([expect.stringMatching(/music stopped: .*sent nothing for 0.3 s/)]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('MediaPlayer: the controller', () => {
  it('Stop keeps the stream (resume plays on); Next and Previous walk the queue; Replay starts over', async () => {
    const srv = await mediaServer({ '/a.mp3': { body: mp3 } });
    const h = harness();
    players.push(h.player);
    h.player.play(play('A', srv.url('/a.mp3')));
    h.player.play(play('B', srv.url('/a.mp3'), {}, 'ENQUEUE'));
    await h.until(() => h.names().includes('PlayStarted'));
    h.player.stop('stopped with /stop');
    expect(h.progress.at(-1)).toMatchObject({ phase: 'stopped', token: 'tok-A', reason: 'stopped with /stop' });
    expect(h.player.playbackState()).toMatchObject({ playerActivity: 'STOPPED', stream: { token: 'tok-A' } });
    h.player.resume();
    await h.until(() => h.names().includes('PlayResumed'));
    h.player.next();
    await h.until(() => h.names().filter((n) => n === 'PlayStarted').length === 2);
    h.player.previous();
    await h.until(() => h.names().filter((n) => n === 'PlayStarted').length === 3);
    h.player.replay();
    await h.until(() => h.names().filter((n) => n === 'PlayStarted').length === 4);
    expect(h.reports.map((r) => `${r.name} ${String(r.payload.token)}`)).toEqual([
      'PlayStarted tok-A',
      'PlayStopped tok-A',
      'PlayResumed tok-A',
      'PlayStopped tok-A',
      'PlayStarted tok-B',
      'PlayStopped tok-B',
      'PlayStarted tok-A',
      'PlayStarted tok-A',
    ]);
    expect(h.reports.at(-1)!.payload.offsetInMilliseconds).toBe(0);
    h.player.reportPlaybackState();
    expect(h.reports.at(-1)).toMatchObject({ name: 'ReportPlaybackState', payload: { playerActivity: 'PLAYING', repeatMode: 'NONE', token: 'tok-A' } });
  });
});

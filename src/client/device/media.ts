import { Readable } from 'node:stream';
import type { FrameHeader } from '../../audio/frames.js';
import { ServerError } from '../../protocol/errors.js';
import type { TimerHandle, Timers } from '../timers.js';
import type { DeviceAudio } from './audio.js';
import { PlaybackClock, ProgressReporter } from './media-progress.js';
import { HLS_TYPES, openMedia } from './media-source.js';
import { isPlaylist, mergeStreamDeliver, streamInfo, type RawStream, type StreamInfo } from './media-stream.js';

/** What the AudioPlayer is doing, as the PlaybackState context says it (spec 3.3). */
export type PlayerActivity = 'IDLE' | 'PLAYING' | 'PAUSED' | 'STOPPED';
export type RepeatMode = 'NONE' | 'REPEAT_ONE';

/** What happened to the music, for displays (`media` lines). */
export interface MediaProgress {
  phase: 'started' | 'paused' | 'resumed' | 'stopped' | 'finished';
  token: string;
  title?: string;
  artist?: string;
  offsetInMilliseconds: number;
  /** stopped: why, when it was not CLOVA's Stop (a failure, /stop, the end of the session). */
  reason?: string;
}

/** What `/status` shows of the music. */
export interface MediaStatus {
  playerActivity: PlayerActivity;
  token?: string;
  title?: string;
  artist?: string;
  offsetInMilliseconds?: number;
  /** The length, when the stream said it (or its size and bitrate tell it). */
  totalInMilliseconds?: number;
  repeatMode: RepeatMode;
  queued: number;
}

/** How the media player talks back to the client. */
export interface MediaHooks {
  /** Sends an event (AudioPlayer.*, PlaybackController.*) in the background, with the context of that moment. */
  report(namespace: string, name: string, payload: Record<string, unknown>): void;
  /** Where music goes. */
  audio: DeviceAudio;
  /** The MIME types `audio` plays (audio/mpeg at least). */
  formats: ReadonlySet<string>;
  /** The gain of the speaker's volume now (0 when muted). */
  gain(): number;
  progress(p: MediaProgress): void;
  /** Music started (true) or stopped (false) playing: the client's activity. */
  playing(on: boolean): void;
  timers: Timers;
  fetch?: typeof fetch;
  trace(line: string): void;
  /** A line for the user (a stream that cannot be played). */
  notice(line: string): void;
}

/** How music behaves; every field has a default. */
export interface MediaOptions {
  /** The gain factor while speech or the microphone has the foreground (spec 4.7: ducked). Default 0.2. */
  duckGain?: number;
  /** How long the foreground must have been left before music comes back to its level (ms; default 600). */
  unduckDelayMs?: number;
  /** How long a StreamDeliver may take after StreamRequested (ms; default 10000). */
  deliverTimeoutMs?: number;
  connectTimeoutMs?: number;
  stallTimeoutMs?: number;
}

/** Play directives waiting in the queue at most (older ENQUEUEs beyond it are refused). */
export const MAX_QUEUE = 100;
/** Items remembered for Previous. */
const HISTORY = 10;
/** How long a player may run past the stream's known end before it is killed; without a known end, 12 h. */
const PLAYER_SLACK_MS = 30_000;
const UNKNOWN_LENGTH_PLAYER_MS = 12 * 3600 * 1000;

/** One item of the play queue: the Play directive's audio item. */
interface Item {
  audioItemId: string;
  /** The stream as the Play sent it (StreamRequested echoes it). */
  played: RawStream;
  /** The stream as merged with StreamDeliver (the context echoes it). */
  stream: RawStream;
  info: StreamInfo;
  /** The URL can be played: urlPlayable, or a StreamDeliver came. */
  ready: boolean;
  title?: string;
  artist?: string;
  /** PlayStarted was sent for this play of it (a pause before that sends nothing; the resume then starts it). */
  startSent?: boolean;
  /** Learnt from the first frame when the stream was read from its start: where the audio begins and its bitrate (MPEG). */
  format?: { kind: FrameHeader['kind']; kbps: number; dataStart: number; length?: number };
}

/** One run of the player over one item, from one offset. */
interface Segment {
  item: Item;
  abort: AbortController;
  fromMs: number;
  /** What to tell CIC when the audio begins: PlayStarted, PlayResumed, or nothing (a restart for a new gain). */
  announce: 'started' | 'resumed' | 'none';
  begun: boolean;
  gain: number;
  windowTimer?: TimerHandle;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * The AudioPlayer of the device (spec 5.6, 5.7): the play queue (REPLACE_ALL, ENQUEUE, deduplicated
 * by audioItemId), streams fetched and streamed to the player as they arrive, StreamRequested and
 * StreamDeliver for `urlPlayable: false`, every playback event with its offset measured on the
 * playback clock, the progress reports, ClearQueue, the PlaybackController's commands, and the
 * PlaybackState the context reports. Pause is the player stopped and the offset kept; resume plays
 * again from that offset (an HTTP Range request at the stream's bitrate for MP3, or skipping the
 * frames before it). A new gain (volume, mute, ducking) restarts the player at the same offset.
 */
export class MediaPlayer {
  private current: Item | undefined;
  private activity: PlayerActivity = 'IDLE';
  /** The current item played to its end (STOPPED at its end: nothing to resume). */
  private ended = false;
  /** The position when nothing plays. */
  private offset = 0;
  private repeat: RepeatMode = 'NONE';
  private readonly queue: Item[] = [];
  private readonly history: Item[] = [];
  private segment: Segment | undefined;
  private readonly clock: PlaybackClock;
  private reporter: ProgressReporter | undefined;
  /** A StreamRequested waits for its StreamDeliver. */
  private awaiting: { item: Item; announce: Segment['announce']; fromMs: number; timer: TimerHandle } | undefined;
  private ducked = false;
  private duckWanted = false;
  private unduckTimer: TimerHandle | undefined;
  private closed = false;
  private readonly opts: Required<MediaOptions>;

  constructor(
    private readonly hooks: MediaHooks,
    options: MediaOptions = {},
  ) {
    this.clock = new PlaybackClock(hooks.timers);
    this.opts = {
      duckGain: options.duckGain ?? 0.2,
      unduckDelayMs: options.unduckDelayMs ?? 600,
      deliverTimeoutMs: options.deliverTimeoutMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      stallTimeoutMs: options.stallTimeoutMs ?? 15_000,
    };
  }

  // ── what the context and /status say ─────────────────────────────────────────────────────────

  /** The AudioPlayer.PlaybackState context payload of this moment (spec 3.3). */
  playbackState(): Record<string, unknown> {
    const item = this.current;
    if (!item || this.activity === 'IDLE') return { playerActivity: 'IDLE', repeatMode: this.repeat };
    const total = item.info.durationMs !== undefined ? item.info.beginAtMs + item.info.durationMs : undefined;
    return {
      playerActivity: this.activity,
      repeatMode: this.repeat,
      offsetInMilliseconds: this.position(),
      ...(total !== undefined ? { totalInMilliseconds: total } : {}),
      stream: item.stream,
    };
  }

  /** What plays, for `/status`. */
  status(): MediaStatus {
    const item = this.current;
    if (!item || this.activity === 'IDLE') return { playerActivity: 'IDLE', repeatMode: this.repeat, queued: this.queue.length };
    const total = item.info.durationMs !== undefined ? item.info.beginAtMs + item.info.durationMs : this.estimatedTotal(item);
    return {
      playerActivity: this.activity,
      token: item.info.token,
      ...(item.title !== undefined ? { title: item.title } : {}),
      ...(item.artist !== undefined ? { artist: item.artist } : {}),
      offsetInMilliseconds: this.position(),
      ...(total !== undefined ? { totalInMilliseconds: total } : {}),
      repeatMode: this.repeat,
      queued: this.queue.length,
    };
  }

  /** True while music plays or is paused (what the PlaybackController's buttons act on). */
  get active(): boolean {
    return this.activity === 'PLAYING' || this.activity === 'PAUSED' || this.segment !== undefined || this.awaiting !== undefined;
  }

  private position(): number {
    if (this.segment?.begun) return this.clock.position();
    if (this.segment) return this.segment.fromMs;
    return this.offset;
  }

  private estimatedTotal(item: Item): number | undefined {
    const f = item.format;
    if (!f || f.kind !== 'mpeg' || f.length === undefined || f.kbps === 0) return undefined;
    return Math.round(((f.length - f.dataStart) * 8) / f.kbps);
  }

  // ── AudioPlayer directives ───────────────────────────────────────────────────────────────────

  /** AudioPlayer.Play (spec 5.6). */
  play(payload: Record<string, unknown>): void {
    if (this.closed) return;
    const audioItem = payload.audioItem as Record<string, unknown> | undefined;
    const raw = audioItem?.stream as RawStream | undefined;
    const audioItemId = text(audioItem?.audioItemId);
    const info = raw && typeof raw === 'object' ? streamInfo(raw) : undefined;
    if (!audioItem || !audioItemId || !info) {
      this.hooks.notice('AudioPlayer.Play without an audio item id, a stream URL or a token: not played');
      return;
    }
    if (this.isDuplicate(audioItemId, payload.playBehavior === 'ENQUEUE')) {
      this.hooks.trace(`AudioPlayer.Play of ${audioItemId} again: already playing or queued, ignored`);
      return;
    }
    const item: Item = {
      audioItemId,
      played: raw!,
      stream: raw!,
      info,
      ready: info.urlPlayable,
      title: text(audioItem.titleText),
      artist: text(audioItem.titleSubText1),
    };
    if (payload.playBehavior === 'ENQUEUE' && this.active) {
      if (this.queue.length >= MAX_QUEUE) {
        this.hooks.notice(`the play queue is full (${MAX_QUEUE} items): "${item.title ?? audioItemId}" was not queued`);
        return;
      }
      this.queue.push(item);
      return;
    }
    if (payload.playBehavior !== 'ENQUEUE') this.queue.length = 0;
    this.stopCurrent();
    this.start(item, 'started', info.beginAtMs);
  }

  /** AudioPlayer.StreamDeliver: merged into the Play's stream (spec 5.6), then played if it was waited for. */
  streamDeliver(payload: Record<string, unknown>): void {
    const id = text(payload.audioItemId);
    const delivered = payload.audioStream as RawStream | undefined;
    if (!id || !delivered || typeof delivered !== 'object') return;
    const item = [this.awaiting?.item, this.current, ...this.queue].find((i) => i?.audioItemId === id);
    if (!item) {
      this.hooks.trace(`AudioPlayer.StreamDeliver for ${id}, which is not queued: ignored`);
      return;
    }
    const merged = mergeStreamDeliver(item.stream, delivered);
    const info = streamInfo(merged);
    if (!info) return;
    item.stream = merged;
    item.info = { ...info, urlPlayable: true };
    item.ready = true;
    if (item === this.current && this.segment?.begun) this.reporter?.update(info.progress);
    const waiting = this.awaiting;
    if (waiting?.item === item) {
      this.hooks.timers.clearTimeout(waiting.timer);
      this.awaiting = undefined;
      // A start from the beginning begins where the merged stream says.
      this.start(item, waiting.announce, waiting.announce === 'started' ? item.info.beginAtMs : waiting.fromMs);
    }
  }

  /** AudioPlayer.ClearQueue: CLEAR_ALL stops what plays too; then PlaybackQueueCleared. */
  clearQueue(payload: Record<string, unknown>): void {
    const behavior = payload.clearBehavior === 'CLEAR_ENQUEUED' ? 'CLEAR_ENQUEUED' : 'CLEAR_ALL';
    this.queue.length = 0;
    if (behavior === 'CLEAR_ALL') {
      this.stopCurrent();
      this.current = undefined; // the stream info goes with it (spec 5.6)
      this.setActivity('IDLE');
      this.offset = 0;
    }
    this.hooks.report('AudioPlayer', 'PlaybackQueueCleared', { clearBehavior: behavior });
  }

  /** AudioPlayer.ExpectReportPlaybackState → ReportPlaybackState. */
  reportPlaybackState(): void {
    const state = this.playbackState();
    const token = this.current && this.activity !== 'IDLE' ? { token: this.current.info.token } : {};
    this.hooks.report('AudioPlayer', 'ReportPlaybackState', { ...state, ...token });
  }

  // ── PlaybackController ───────────────────────────────────────────────────────────────────────

  /** Pause: the player stops, the offset is kept; PlayPaused. */
  pause(): void {
    const item = this.current;
    if (!item || !(this.activity === 'PLAYING' || this.segment || this.awaiting)) return;
    const at = this.halt();
    this.setActivity('PAUSED');
    this.offset = at;
    if (item.startSent) this.event(item, 'PlayPaused', 'paused', at);
  }

  /** Resume: plays again from the kept offset; PlayResumed. */
  resume(): void {
    const item = this.current;
    if (!item || this.ended || this.segment || this.awaiting || !(this.activity === 'PAUSED' || this.activity === 'STOPPED')) return;
    this.start(item, item.startSent ? 'resumed' : 'started', this.offset);
  }

  /** Stop (CIC's, or the user's /stop): PlayStopped; the stream info is kept. */
  stop(reason?: string): void {
    this.stopCurrent(reason);
  }

  /** Next: the next queued item, if any (CLOVA otherwise answers with a Play). */
  next(): void {
    const next = this.queue.shift();
    if (!next) {
      this.hooks.trace('PlaybackController.Next: nothing queued');
      return;
    }
    this.remember(this.current);
    this.stopCurrent();
    this.start(next, 'started', next.info.beginAtMs);
  }

  /** Previous: the item played before, if remembered; else the current one from its start. */
  previous(): void {
    const prev = this.history.pop();
    if (!prev) return this.replay();
    if (this.current) {
      this.queue.unshift(this.current);
      if (this.queue.length > MAX_QUEUE) this.queue.pop();
    }
    this.stopCurrent();
    this.start(prev, 'started', prev.info.beginAtMs);
  }

  /** Replay: the current item from its start (PlayStarted at its beginning). */
  replay(): void {
    const item = this.current;
    if (!item) return;
    this.halt();
    this.start(item, 'started', item.info.beginAtMs);
  }

  setRepeatMode(mode: unknown): void {
    if (mode === 'NONE' || mode === 'REPEAT_ONE') this.repeat = mode;
  }

  // ── gain: volume, mute, ducking ──────────────────────────────────────────────────────────────

  /**
   * Speech, the microphone or a request in flight has the foreground (true) or not (false): music
   * is ducked at once, and comes back to its level a moment after the foreground is left (so a
   * request followed by its speech does not bounce it).
   */
  duck(on: boolean): void {
    this.duckWanted = on;
    this.hooks.timers.clearTimeout(this.unduckTimer);
    this.unduckTimer = undefined;
    if (on) return this.setDucked(true);
    if (!this.ducked) return;
    this.unduckTimer = this.hooks.timers.setTimeout(() => {
      this.unduckTimer = undefined;
      if (!this.duckWanted) this.setDucked(false);
    }, this.opts.unduckDelayMs);
  }

  /** The volume or mute changed: music continues at the new gain. */
  gainChanged(): void {
    this.regain();
  }

  private setDucked(on: boolean): void {
    if (this.ducked === on) return;
    this.ducked = on;
    this.regain();
  }

  private gain(): number {
    return this.hooks.gain() * (this.ducked ? this.opts.duckGain : 1);
  }

  /** Restarts the player at the same offset when the gain it plays at is no longer the right one. */
  private regain(): void {
    const seg = this.segment;
    if (!seg || this.hooks.audio.takesGain === false || Math.abs(seg.gain - this.gain()) < 1e-6) return;
    const at = this.halt();
    this.start(seg.item, seg.announce === 'none' || seg.begun ? 'none' : seg.announce, at);
  }

  /** Ends playback silently (the session is over): no events. */
  close(): void {
    this.closed = true;
    this.halt();
    this.hooks.timers.clearTimeout(this.unduckTimer);
    this.queue.length = 0;
  }

  // ── the machinery ────────────────────────────────────────────────────────────────────────────

  /** The item plays or is paused now, or (for an ENQUEUE) already waits in the queue. */
  private isDuplicate(id: string, enqueue: boolean): boolean {
    if (enqueue && this.queue.some((i) => i.audioItemId === id)) return true;
    return this.current?.audioItemId === id && (this.activity === 'PLAYING' || this.activity === 'PAUSED' || this.segment !== undefined || this.awaiting !== undefined);
  }

  private remember(item: Item | undefined): void {
    if (!item) return;
    this.history.push(item);
    if (this.history.length > HISTORY) this.history.shift();
  }

  /** Stops the player (or the wait for StreamDeliver) and returns the position; sends nothing. */
  private halt(): number {
    const waiting = this.awaiting;
    if (waiting) {
      this.hooks.timers.clearTimeout(waiting.timer);
      this.awaiting = undefined;
      return waiting.fromMs;
    }
    const seg = this.segment;
    if (!seg) return this.offset;
    this.segment = undefined;
    this.hooks.timers.clearTimeout(seg.windowTimer);
    const at = seg.begun ? this.clock.stop() : seg.fromMs;
    this.reporter?.pause();
    seg.abort.abort('stopped');
    this.offset = at;
    return at;
  }

  /** Stops what plays or is paused with PlayStopped (nothing when nothing is). */
  private stopCurrent(reason?: string): void {
    const item = this.current;
    if (!item || !(this.activity === 'PLAYING' || this.activity === 'PAUSED' || this.segment || this.awaiting)) return;
    const at = this.halt();
    this.setActivity('STOPPED');
    this.offset = at;
    this.event(item, 'PlayStopped', 'stopped', at, reason);
  }

  /** Changes the activity; the client hears when music starts or stops playing. */
  private setActivity(next: PlayerActivity): void {
    const was = this.activity === 'PLAYING';
    this.activity = next;
    if (was !== (next === 'PLAYING')) this.hooks.playing(!was);
  }

  private event(item: Item, name: string, phase: MediaProgress['phase'], at: number, reason?: string): void {
    this.hooks.report('AudioPlayer', name, { token: item.info.token, offsetInMilliseconds: at });
    this.hooks.progress({
      phase,
      token: item.info.token,
      ...(item.title !== undefined ? { title: item.title } : {}),
      ...(item.artist !== undefined ? { artist: item.artist } : {}),
      offsetInMilliseconds: at,
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  /** Plays `item` from `fromMs`: asks for its stream first when it has no playable URL yet. */
  private start(item: Item, announce: Segment['announce'], fromMs: number): void {
    if (this.closed) return;
    this.current = item;
    this.offset = fromMs;
    this.ended = false;
    if (announce === 'started') item.startSent = false;
    if (!item.ready) {
      // Spec 5.6: StreamRequested just before playback, never earlier.
      this.hooks.report('AudioPlayer', 'StreamRequested', { audioItemId: item.audioItemId, audioStream: item.played });
      const timer = this.hooks.timers.setTimeout(() => {
        if (this.awaiting?.item !== item) return;
        this.awaiting = undefined;
        this.refuse(item, `no AudioPlayer.StreamDeliver came within ${this.opts.deliverTimeoutMs / 1000} s of StreamRequested`, fromMs);
      }, this.opts.deliverTimeoutMs);
      this.awaiting = { item, announce, fromMs, timer };
      return;
    }
    if (isPlaylist(item.info)) {
      this.refuse(item, `"${item.title ?? item.audioItemId}" is an HLS playlist (${item.info.format}), which this client does not play`, fromMs);
      return;
    }
    const seg: Segment = { item, abort: new AbortController(), fromMs, announce, begun: false, gain: this.gain() };
    this.segment = seg;
    if (announce === 'started') this.reporter?.pause();
    void this.run(seg);
  }

  /** A stream that cannot be played: one line, PlayStopped, and the queue goes on. */
  private refuse(item: Item, why: string, at: number): void {
    this.hooks.notice(`music not played: ${why}`);
    this.setActivity('STOPPED');
    this.offset = at;
    this.event(item, 'PlayStopped', 'stopped', at, why);
    this.advance(false);
  }

  private async run(seg: Segment): Promise<void> {
    const { item } = seg;
    try {
      const f = item.format;
      // MP3 read before from its start: its bitrate tells the byte of the offset (HTTP Range).
      const fromByte = f && f.kind === 'mpeg' && f.kbps > 0 && seg.fromMs > 0 ? f.dataStart + Math.floor((seg.fromMs * f.kbps) / 8) : 0;
      const res = await openMedia(item.info.url, fromByte, {
        fetch: this.hooks.fetch,
        timers: this.hooks.timers,
        signal: seg.abort.signal,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        stallTimeoutMs: this.opts.stallTimeoutMs,
      });
      if (seg !== this.segment) return;
      if (res.contentType && HLS_TYPES.has(res.contentType)) {
        seg.abort.abort('refused');
        this.segment = undefined;
        this.refuse(item, `"${item.title ?? item.audioItemId}" is an HLS playlist (${res.contentType}), which this client does not play`, seg.fromMs);
        return;
      }
      this.hooks.trace(`music ${item.info.token}: ${res.status} ${res.contentType ?? '(no type)'}${res.startsAt > 0 ? ` from byte ${res.startsAt}` : ''}, playing from ${seg.fromMs} ms`);
      const fromStart = res.startsAt === 0;
      let kind: FrameHeader['kind'] | undefined;
      // The frame reader loads with the first music (one-shot commands never need it).
      const { audioFrames, framesFrom, isVbrHead, timed } = await import('../../audio/frame-stream.js');
      if (seg !== this.segment) return;
      const frames = audioFrames(res.body, {
        first: (dataStart, frame, head) => {
          kind = frame.kind;
          // A VBR stream's first bitrate does not place an offset: it is resumed by skipping frames.
          const kbps = frame.kind === 'mpeg' && !isVbrHead(head) ? frame.kbps : 0;
          if (fromStart) item.format = { kind: frame.kind, kbps, dataStart, length: res.length };
        },
      });
      // After a 206 the body begins at the offset (aligned to the next frame); after a 200, frames are skipped up to it.
      // Where the audio ends (ms from the stream's start), known once the stream has ended.
      let audioEnd = fromStart ? 0 : seg.fromMs;
      const audio = framesFrom(timed(frames, (ms) => (audioEnd += ms)), fromStart ? seg.fromMs : 0)[Symbol.asyncIterator]();
      // The player starts with the first audio in hand: its format chooses how it is played.
      const first = await audio.next();
      if (seg !== this.segment) return void audio.return(undefined);
      if (first.done) throw new Error('the stream held no audio');
      const format = kind === 'adts' ? 'audio/aac' : 'audio/mpeg';
      if (!this.hooks.formats.has(format)) {
        void audio.return(undefined);
        seg.abort.abort('refused');
        this.segment = undefined;
        this.refuse(item, `"${item.title ?? item.audioItemId}" is AAC, which the player cannot play (--player ffplay or mpv can, or install ffmpeg)`, seg.fromMs);
        return;
      }
      const input = Readable.from(this.whenBegun(first.value, audio, seg), { objectMode: false, highWaterMark: 64 * 1024 });
      // The network failing (a stall, a reset) ends this play, whatever the player makes of it; a
      // segment stopped on purpose has its fetch aborted, which errors this stream too, unheeded.
      let inputError: Error | undefined;
      input.on('error', (err) => {
        inputError ??= err;
        if (seg === this.segment) this.fail(seg, err);
      });
      const end = item.info.durationMs !== undefined ? item.info.beginAtMs + item.info.durationMs : undefined;
      const timeoutMs = end !== undefined ? Math.max(0, end - seg.fromMs) * 1.5 + PLAYER_SLACK_MS : UNKNOWN_LENGTH_PLAYER_MS;
      await this.hooks.audio.play(input, { signal: seg.abort.signal, gain: seg.gain, timeoutMs, ...(format !== 'audio/mpeg' ? { format } : {}) });
      if (seg !== this.segment) return;
      if (inputError) throw inputError;
      if (!seg.begun) throw new Error('the stream held no audio');
      // The player ran on a little past the audio (its start and its exit): the end is where the audio ends.
      this.finish(seg, Math.min(this.clock.position(), Math.floor(audioEnd)));
    } catch (err) {
      if (seg !== this.segment) return; // stopped on purpose: whoever stopped it reported it
      // A resume at (or past) the end of the resource: nothing is left to play.
      if (err instanceof ServerError && err.status === 416 && !seg.begun) return this.finish(seg, seg.fromMs);
      this.fail(seg, err as Error);
    }
  }

  /** Passes the audio on, and marks the moment its first bytes go to the player. */
  private async *whenBegun(first: Buffer, rest: AsyncIterator<Buffer>, seg: Segment): AsyncGenerator<Buffer> {
    try {
      if (seg === this.segment) this.begin(seg);
      yield first;
      for (;;) {
        const next = await rest.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await rest.return?.(undefined);
    }
  }

  /** The first audio reached the player: the clock runs, and CIC hears of it. */
  private begin(seg: Segment): void {
    seg.begun = true;
    const { item } = seg;
    this.clock.start(seg.fromMs);
    this.setActivity('PLAYING');
    if (seg.announce === 'started') {
      item.startSent = true;
      this.reporter?.pause();
      this.reporter = new ProgressReporter(item.info.progress, this.clock, this.hooks.timers, (name, at) =>
        this.hooks.report('AudioPlayer', name, { token: item.info.token, offsetInMilliseconds: at }),
      );
      this.event(item, 'PlayStarted', 'started', seg.fromMs);
    } else if (seg.announce === 'resumed') this.event(item, 'PlayResumed', 'resumed', seg.fromMs);
    this.reporter?.resume();
    // The playable window ends at beginAt + duration (spec 5.6): PlayFinished there.
    if (item.info.durationMs !== undefined) {
      const end = item.info.beginAtMs + item.info.durationMs;
      seg.windowTimer = this.hooks.timers.setTimeout(() => {
        if (seg === this.segment) this.finish(seg, end);
      }, Math.max(0, end - seg.fromMs));
    }
  }

  /** The item played to its end (or its window's): PlayFinished, then what comes next. */
  private finish(seg: Segment, at?: number): void {
    const measured = this.halt();
    seg.abort.abort('finished');
    const end = at ?? measured;
    this.setActivity('STOPPED');
    this.ended = true;
    this.offset = end;
    this.event(seg.item, 'PlayFinished', 'finished', end);
    this.advance(true);
  }

  private fail(seg: Segment, err: Error): void {
    const at = this.halt();
    this.hooks.notice(`music stopped: ${err.message}`);
    this.setActivity('STOPPED');
    this.offset = at;
    this.event(seg.item, 'PlayStopped', 'stopped', at, err.message);
    this.advance(false);
  }

  /** After an item ended: the same again (REPEAT_ONE, when it finished), else the next queued one. */
  private advance(finished: boolean): void {
    const item = this.current;
    if (finished && item && this.repeat === 'REPEAT_ONE') return this.start(item, 'started', item.info.beginAtMs);
    const next = this.queue.shift();
    if (!next) return;
    this.remember(item);
    this.start(next, 'started', next.info.beginAtMs);
  }
}

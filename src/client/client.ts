import { EventEmitter, on } from 'node:events';
import { AuthError, UsageError } from '../protocol/errors.js';
import { buildContext, defaultClientState, type ClientState } from '../protocol/context.js';
import { newId } from '../protocol/ids.js';
import {
  buildEvent,
  buildSpeechRecognize,
  buildTextRecognize,
  type Directive,
  type EventMessage,
  type SpeechRecognizePayload,
} from '../protocol/messages.js';
import { ReportQueue } from './report-queue.js';
import { redact } from '../protocol/redact.js';
import { ActivityTracker, type Activity } from './activity.js';
import { PlaybackAttachmentSink, type AttachmentSink } from './attachments.js';
import { volumeGain } from './device/audio.js';
import { Device, type DeviceOptions } from './device/device.js';
import type { MediaProgress, MediaStatus } from './device/media.js';
import type { IndicatorState } from './device/notifier.js';
import { DEFAULT_UPLOAD_STALL_MS, type UploadEnd, type UploadProgress } from './audio-upload.js';
import type { BackoffOptions } from './backoff.js';
import type { EndpointOptions } from './connection.js';
import { AlertsDevice, type AlertsSummary } from './device/alerts-device.js';
import type { AlertInfo } from './device/alerts.js';
import type { AlertChange, AlertStopReason } from './device/ringer.js';
import { DirectiveDispatch, type ReceivedDirective, type SkippedDirective } from './dispatch.js';
import { EventExchange } from './event-exchange.js';
import type { HandlerContext } from './handlers/registry.js';
import { CicLink, type LinkStatus } from './link.js';
import type { AudioInfo } from './response-reader.js';
import { unlessException, type EventResult, type RecognizeResult } from './results.js';
import { SpeechQueue, type SpeechPlayer, type SpeechProgress } from './speech-queue.js';
import { systemTimers, type Timers } from './timers.js';
import { TurnTimer, type TurnTiming } from './timings.js';
import { VoiceTurns } from './voice-turn.js';
import type { WireObserver } from './wire-observer.js';

export type { Activity } from './activity.js';
export type { DeviceOptions } from './device/device.js';
export type { MediaProgress, MediaStatus } from './device/media.js';
export type { IndicatorState } from './device/notifier.js';
export type { LinkStatus } from './link.js';
export type { EndpointOptions } from './connection.js';
export type { ReceivedDirective, SkippedDirective, SystemException } from './dispatch.js';
export { SystemExceptionError, type EventResult, type RecognizeResult } from './results.js';
export type { AlertChange, AlertStopReason } from './device/ringer.js';
export type { AlertsSummary } from './device/alerts-device.js';
export type { AlertInfo } from './device/alerts.js';
export type { DeviceAudio } from './device/audio.js';
export type { WireObserver, WireStream } from './wire-observer.js';
export type { TurnTiming, ConnectionTiming, TurnStage, ConnectionStage } from './timings.js';

/** How to reach CIC, how patient to be, and what to do with speech. */
export interface ClientOptions extends EndpointOptions {
  /** CIC base URI: `https://host[:port]` (TLS, ALPN h2) or `http://host:port` (h2c prior knowledge). */
  url: string | URL;
  /** Where Speak attachments go; undefined: counted and dropped. */
  attachments?: AttachmentSink;
  /** Plays Speak attachments (in order, spec 4.5) and reports SpeechStarted/Finished; undefined: not played. */
  speech?: SpeechPlayer;
  backoff?: BackoffOptions;
  timers?: Timers;
  /**
   * Called with the token CIC answered 401 to; resolves with a new one (a refreshed token) or
   * rejects. Then the client opens a new downchannel and retries once (spec 2.6). Undefined: a
   * 401 fails the request.
   */
  onUnauthorized?: (rejectedToken: string) => Promise<string>;
  /**
   * Act as a device (the chat session): keep and ring alerts, play music (AudioPlayer,
   * PlaybackController), sound notifications, and play speech and everything else at the speaker's
   * volume. Undefined: alerts, music and notifications are shown only, speech plays at the player's
   * level (one-shot commands).
   */
  device?: DeviceOptions;
  /**
   * Sees every request and response on the wire as it goes (headers as sent, the token included:
   * redact what you keep), every directive and attachment byte of every body, Hello and skipped
   * directives too (`clova-cli --record`). Undefined: nobody watches.
   */
  wire?: WireObserver;
}

/** The speaker's level changed: by the user (setVolume, setMuted) or by a directive of CLOVA's. */
export interface VolumeChange {
  volume: number;
  muted: boolean;
  source: 'user' | 'clova';
}

/** The button events a user can press (spec 5.7): CLOVA decides what they do. */
export type MediaCommand = 'Pause' | 'Resume' | 'Next' | 'Previous' | 'Stop';

/** Options of one text turn. */
export interface TextOptions {
  /** Give up when the response has not ended within this many ms (TimeoutError; default 30000). */
  timeoutMs?: number;
  /** Answer a pending ExpectSpeech with this text (default true when one is pending). */
  followUp?: boolean;
  /** Aborting it cancels the turn: the request is reset (RST_STREAM CANCEL) and rejects with an InterruptedError. */
  signal?: AbortSignal;
}

/** Options of one voice turn. */
export interface RecognizeOptions {
  lang?: SpeechRecognizePayload['lang'];
  /** How the user started speaking (default TAP; not sent on follow-ups). */
  initiator?: SpeechRecognizePayload['initiator'];
  /**
   * Bounds every wait of the turn (default 30000 ms; TimeoutError): reaching a usable connection,
   * an upload that HTTP/2 flow control accepts nothing of, and the answer after the body was closed
   * (restarted by KeepRecording). Waiting for the audio source is never bounded.
   */
  timeoutMs?: number;
  /** Answer a pending ExpectSpeech (default true when one is pending). */
  followUp?: boolean;
  /** Aborting it ends the audio input (like releasing a talk key): the request is finished normally. */
  endInput?: AbortSignal;
  /** Aborting it cancels the turn: the upload is reset (RST_STREAM CANCEL) and rejects with an InterruptedError. */
  signal?: AbortSignal;
}

/** The follow-up that an ExpectSpeech asked for (spec 4.8). */
export interface PendingExpectSpeech {
  expectSpeechId: string;
  explicit: boolean;
  timeoutInMilliseconds?: number;
  dialogRequestId?: string;
}

/** Events a CicClient emits. */
export interface CicClientEvents {
  directive: [ReceivedDirective];
  skipped: [SkippedDirective];
  audio: [AudioInfo];
  trace: [string];
  notice: [string];
  /** A Recognize request is about to be sent (once per request, not per retry; not for reports). */
  request: [EventMessage];
  /** StopCapture ended the capture of this dialog: stop the microphone. */
  'stop-capture': [{ dialogRequestId: string | undefined }];
  /** Audio parts sent so far in the current voice turn. */
  upload: [UploadProgress];
  /** The body of the current voice turn has been closed; the answer is awaited. */
  uploaded: [UploadProgress & { ended: UploadEnd }];
  /** A Speak started, finished, was stopped or skipped. */
  speech: [SpeechProgress];
  /** What the client does changed (idle, listening, thinking, speaking, playing). */
  activity: [Activity];
  /** The link was lost (reconnecting in the background) or is greeted again (connected). */
  connection: [LinkStatus];
  /** Music started, paused, resumed, stopped or finished (a client acting as a device). */
  media: [MediaProgress];
  /** The volume or mute changed. */
  volume: [VolumeChange];
  /** An alert began or stopped ringing (only with the `device` option). */
  alert: [AlertChange];
  /** A turn (sendText, recognize) was answered: where its time went (performance.now() marks). */
  timing: [TurnTiming];
}

/** One item of `events()`: what a long-lived session shows, in order of arrival. */
export type ClientEvent =
  | { type: 'directive'; directive: ReceivedDirective }
  | { type: 'activity'; activity: Activity }
  | { type: 'connection'; connection: LinkStatus }
  | { type: 'alert'; alert: AlertChange };

/** The default bound of every wait of a turn (the CLI's --timeout default). */
const DEFAULT_TIMEOUT_MS = DEFAULT_UPLOAD_STALL_MS;
/** How long a report event (ActionExecuted, ReportState, Settings.Report) may take. */
const REPORT_TIMEOUT_MS = 10000;

/**
 * The CIC client: one HTTP/2 connection carrying the downchannel, PINGs and every event
 * (spec 1.3); reconnects on GOAWAY, dead PINGs and ended downchannels; routes directives by
 * dialogRequestId (spec 4.3). Directives arrive as `directive` events, in order of arrival.
 *
 * This is the facade: the state a library user sees and the turns they start. The work is done
 * in rooms of its own: the link (connections, Hello, reconnection), the event exchange (posting
 * and reading answers), the dispatch (every directive's one path) and the voice turns.
 */
export class CicClient extends EventEmitter<CicClientEvents> {
  readonly state: ClientState = defaultClientState();
  private readonly opts: ClientOptions;
  private readonly link: CicLink;
  private readonly dispatch: DirectiveDispatch;
  private readonly exchange: EventExchange;
  private readonly voice: VoiceTurns;
  private expect: PendingExpectSpeech | undefined;
  private readonly speechQueue: SpeechQueue | undefined;
  private readonly playbackSink: PlaybackAttachmentSink | undefined;
  private readonly iterators = new Set<AbortController>();
  /** Report events in flight are bounded (a flood of directives must not open a stream each at once). */
  private readonly reports = new ReportQueue({ dropped: (line) => this.emit('notice', line) });
  private readonly tracker = new ActivityTracker((a) => {
    this.device?.activity(a);
    this.alerts?.activity(a);
    this.emit('activity', a);
  });
  private linkStatus: LinkStatus | undefined;
  private readonly device: Device | undefined;
  private readonly alerts: AlertsDevice | undefined;

  constructor(options: ClientOptions) {
    super();
    this.opts = options;
    const url = typeof options.url === 'string' ? new URL(options.url) : options.url;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`server URL must start with https:// or http:// (got ${url.protocol})`);
    }
    if (!options.token) throw new AuthError('no access token given');
    const timers = options.timers ?? systemTimers;
    const trace = (l: string) => this.trace(l);
    const notice = (l: string) => this.emit('notice', l);
    if (options.device) {
      this.device = new Device(options.device, {
        state: this.state,
        report: (namespace, name, payload) => this.report(namespace, name, payload),
        // After the directive that caused it has been handed on (its handler runs first).
        progress: (p) => queueMicrotask(() => this.emit('media', p)),
        playing: (on) => this.tracker.media(on),
        timers,
        trace,
        notice,
      });
    }
    let sink = options.attachments;
    if (options.device) {
      this.alerts = new AlertsDevice({
        state: this.state,
        report: (name, payload) => this.report('Alerts', name, payload),
        clock: timers,
        audio: options.device.audio,
        maxRingMs: options.device.alertMaxRingMs,
        changed: (c) => {
          // Spec 4.7: music goes to the background while an alert rings.
          this.device?.duck('alert', c.phase === 'started');
          this.emit('alert', c);
        },
        trace,
        notice,
      });
    }
    if (options.speech) {
      this.playbackSink = new PlaybackAttachmentSink(options.attachments);
      sink = this.playbackSink;
      this.speechQueue = new SpeechQueue(options.speech, {
        report: (name, token) => this.report('SpeechSynthesizer', name, { token }),
        state: (token, playerActivity) => {
          this.state.lastSpeech = { token, playerActivity };
        },
        progress: (p) => {
          this.emit('speech', p); // then the activity it changes, in that order on the output
          if (p.phase === 'started') this.tracker.speech(1);
          else if (p.phase !== 'skipped') this.tracker.speech(-1);
        },
        trace,
        timers,
        gain: this.device ? () => volumeGain(this.state) : undefined,
      });
    }
    this.dispatch = new DirectiveDispatch(
      this.handlerContext(),
      {
        directive: (d) => this.emit('directive', d),
        skipped: (d) => this.emit('skipped', d),
        audio: (a) => this.onAudio(a),
        trace,
        notice,
      },
      sink,
      options.wire,
    );
    const status = (s: LinkStatus) => {
      this.linkStatus = s;
      // Spec 5.8: on every (re)connection the device asks for its alerts.
      if (s.phase === 'connected') this.alerts?.connected();
      this.emit('connection', s);
    };
    this.link = new CicLink({
      url,
      endpoint: options,
      backoff: options.backoff,
      timers,
      intake: this.dispatch,
      trace,
      notice,
      status,
      statusShown: () => this.listenerCount('connection') > 0,
    });
    this.exchange = new EventExchange(this.link, this.dispatch, { timers, trace, responseEnded: () => this.speechQueue?.responseEnded() });
    this.voice = new VoiceTurns(this.exchange, {
      timers,
      trace,
      request: (event) => this.emit('request', event),
      upload: (p) => this.emit('upload', p),
      uploaded: (p) => this.emit('uploaded', p),
      stopCapture: (dialogRequestId) => this.emit('stop-capture', { dialogRequestId }),
    });
  }

  /** What namespace handlers may do: narrow, so that a handler never reaches into the client. */
  private handlerContext(): HandlerContext {
    return {
      state: this.state,
      expectSpeech: (info) => {
        this.expect = info;
      },
      report: (namespace, name, payload) => this.report(namespace, name, payload),
      speak: (d: Directive) => {
        if (!this.speechQueue) return false;
        this.speechQueue.speak(d);
        return true;
      },
      stopCapture: (id) => this.voice.stopCapture(id),
      keepRecording: (id) => this.voice.keepRecording(id),
      volumeChanged: () => this.volumeChanged('clova'),
      media: this.device?.media,
      notifier: this.device?.notifier,
      alerts: this.alerts,
    };
  }

  private volumeChanged(source: VolumeChange['source']): void {
    this.device?.volumeChanged();
    const change: VolumeChange = { volume: this.state.volume, muted: this.state.muted, source };
    // A directive's change is told after the directive itself (its handler runs before it is handed on).
    if (source === 'clova') queueMicrotask(() => this.emit('volume', change));
    else this.emit('volume', change);
  }

  /** A complete, wanted attachment: announce it, and queue its bytes when speech is played. */
  private onAudio(info: AudioInfo): void {
    const mp3 = this.playbackSink?.take(info.contentId);
    if (mp3 && this.speechQueue) this.speechQueue.audio(info.contentId, mp3);
    const tooLarge = this.playbackSink?.tooLarge(info.contentId);
    if (tooLarge !== undefined && this.speechQueue) {
      const limit = this.playbackSink!.maxBytes / (1024 * 1024);
      this.speechQueue.unplayable(info.contentId, `its attachment of ${tooLarge} bytes is larger than ${limit} MiB, the most this client plays`);
    }
    this.emit('audio', info);
  }

  /** What the client does now (idle, listening, thinking, speaking, playing). */
  get activity(): Activity {
    return this.tracker.current;
  }

  /** The link's last change (undefined before the first Hello). */
  get connection(): LinkStatus | undefined {
    return this.linkStatus;
  }

  /**
   * Tells the client that the front end opened (true) or closed (false) the microphone: the
   * activity is `listening` while it is open, before any audio is sent.
   */
  microphone(open: boolean): void {
    this.tracker.microphone(open);
  }

  /** Sets the volume (0-10) every later event reports in Speaker.VolumeState and Device.DeviceState. */
  setVolume(volume: number): void {
    if (!Number.isInteger(volume) || volume < 0 || volume > 10) throw new UsageError(`volume must be a whole number from 0 to 10 (got ${volume})`);
    this.state.volume = volume;
    this.volumeChanged('user');
  }

  /** Mutes (true) or unmutes (false); reported in Speaker.VolumeState. */
  setMuted(muted: boolean): void {
    this.state.muted = muted;
    this.volumeChanged('user');
  }

  /** The music (a client acting as a device; undefined otherwise). */
  get media(): MediaStatus | undefined {
    return this.device?.media.status();
  }

  /** The notification indicator (a client acting as a device; undefined otherwise). */
  get notifications(): IndicatorState | undefined {
    return this.device?.notifier.status();
  }

  /**
   * A media button (spec 5.7): sends PlaybackController.<command>CommandIssued and lets CLOVA
   * decide (its answer, a Pause say, is carried out as it arrives). While music plays or is paused
   * the event names AudioPlayer as its `source`; otherwise CLOVA picks the target.
   */
  async mediaCommand(command: MediaCommand, timeoutMs = REPORT_TIMEOUT_MS): Promise<EventResult> {
    const source = this.device?.media.active ? { source: { namespace: 'AudioPlayer' } } : {};
    const event = buildEvent('PlaybackController', `${command}CommandIssued`, source, { context: buildContext(this.state) });
    return this.sendEvent(event, timeoutMs);
  }

  /** Stops the music at once (PlayStopped), as the user's own stop button; `reason` is shown. */
  stopMedia(reason = 'stopped'): void {
    this.device?.media.stop(reason);
  }

  /**
   * The user stops the ringing alert (a button, `/stop`): it is silenced at once and
   * Alerts.RequestAlertStop is sent; CIC's StopAlert then stops it (AlertStopped). Returns the
   * alert, or undefined when none rings (or the client is not a device).
   */
  requestAlertStop(): AlertInfo | undefined {
    return this.alerts?.requestStop();
  }

  /** Stops a ringing alert here, reporting AlertStopped with `reason` (the session ends); false when none rings. */
  stopAlerts(reason: AlertStopReason = 'session-ended'): boolean {
    return this.alerts?.stopRinging(reason) ?? false;
  }

  /** The device's alerts: how many wait, the next, the ringing one (undefined when the client is not a device). */
  get alertsSummary(): AlertsSummary | undefined {
    return this.alerts?.summary();
  }

  /** Resolves when every queued Speak has been played (at once when speech is not played). */
  async speechIdle(): Promise<void> {
    await this.speechQueue?.idle();
  }

  /**
   * Uses `token` for every request from now on (events, reconnections), as after a refresh
   * (spec 2.6); the open downchannel stays as it is.
   */
  setToken(token: string): void {
    if (!token) throw new AuthError('no access token given');
    this.opts.token = token;
  }

  /** Stops playing speech and forgets what is queued (reports SpeechStopped for what was playing). */
  stopSpeech(reason = 'stopped'): void {
    this.speechQueue?.stopAll(reason);
  }

  /** Directives as an async iterator, in order of arrival; it ends when the client is closed. */
  async *directives(): AsyncGenerator<ReceivedDirective> {
    const stop = new AbortController();
    this.iterators.add(stop);
    try {
      for await (const [d] of on(this, 'directive', { signal: stop.signal })) yield d as ReceivedDirective;
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    } finally {
      this.iterators.delete(stop);
    }
  }

  /**
   * Directives, activity, connection and alert changes as one async iterator, in order of arrival
   * (what a long-lived session shows: `clova-cli chat` is its terminal front end); it ends when the
   * client is closed, or when the loop that reads it breaks.
   */
  async *events(): AsyncGenerator<ClientEvent> {
    const stop = new AbortController();
    this.iterators.add(stop);
    const queue: ClientEvent[] = [];
    let wake: (() => void) | undefined;
    const push = (e: ClientEvent) => {
      queue.push(e);
      wake?.();
    };
    const onDirective = (directive: ReceivedDirective) => push({ type: 'directive', directive });
    const onActivity = (activity: Activity) => push({ type: 'activity', activity });
    const onConnection = (connection: LinkStatus) => push({ type: 'connection', connection });
    const onAlert = (alert: AlertChange) => push({ type: 'alert', alert });
    this.on('directive', onDirective);
    this.on('activity', onActivity);
    this.on('connection', onConnection);
    this.on('alert', onAlert);
    const onStop = () => wake?.();
    stop.signal.addEventListener('abort', onStop, { once: true });
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (stop.signal.aborted) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      stop.signal.removeEventListener('abort', onStop);
      this.off('directive', onDirective);
      this.off('activity', onActivity);
      this.off('connection', onConnection);
      this.off('alert', onAlert);
      this.iterators.delete(stop);
    }
  }

  /**
   * Sends a report event in the background; its failure is a notice, not an error of the dialog.
   * A System.Exception in its answer is not an error either: no dialog waits for it.
   */
  private report(namespace: string, name: string, payload: Record<string, unknown>): void {
    // Built when its turn comes: the context is that of the moment it is sent, and a waiting report costs little.
    this.reports.add(`${namespace}.${name}`, () => {
      const event = buildEvent(namespace, name, payload, { context: buildContext(this.state) });
      return this.exchange.send(event, REPORT_TIMEOUT_MS).then(
        () => undefined,
        (err: Error) => {
          if (!this.link.closing) this.emit('notice', `${namespace}.${name} could not be sent: ${err.message}`);
        },
      );
    });
  }

  /** Resolves when every report event sent so far has been answered (or failed, or was dropped). */
  async settled(): Promise<void> {
    await this.reports.idle();
  }

  /** The follow-up an ExpectSpeech is waiting for, if any. */
  get pendingExpectSpeech(): PendingExpectSpeech | undefined {
    return this.expect;
  }

  /** The dialogRequestId of the last request sent. */
  get currentDialogRequestId(): string | undefined {
    return this.dispatch.router.current;
  }

  private trace(line: string): void {
    if (this.listenerCount('trace') > 0) this.emit('trace', redact(line, this.opts.token));
  }

  /**
   * Opens the connection and the downchannel and waits for Clova.Hello. A 401 with an
   * `onUnauthorized` hook: one new token, one more attempt (spec 2.6, digest U-10).
   */
  async connect(options: { timeoutMs?: number } = {}): Promise<void> {
    try {
      await this.link.connect(options);
    } catch (err) {
      if (!this.unauthorized(err)) throw err;
      this.setToken(await this.opts.onUnauthorized!(this.opts.token));
      await this.link.connect(options);
    }
  }

  private unauthorized(err: unknown): boolean {
    return err instanceof AuthError && err.status === 401 && this.opts.onUnauthorized !== undefined && !this.link.closing;
  }

  /** Takes the pending ExpectSpeech (unless `followUp` is false) and the dialogRequestId the turn goes with. */
  private nextTurn(followUp: boolean | undefined): { expect: PendingExpectSpeech | undefined; dialogRequestId: string } {
    const expect = followUp === false ? undefined : this.expect;
    this.expect = undefined;
    const dialogRequestId = expect?.dialogRequestId ?? (expect ? this.dispatch.router.current : undefined) ?? newId();
    return { expect, dialogRequestId };
  }

  /**
   * Sends TextRecognizer.Recognize (spec 5.2). A pending ExpectSpeech makes it a follow-up with
   * the same dialogRequestId and its speechId (spec 4.8). Resolves when the response has ended;
   * rejects with a SystemExceptionError when the answer carried a System.Exception.
   */
  async sendText(text: string, options: TextOptions = {}): Promise<EventResult> {
    if (text.trim().length === 0) throw new UsageError('the utterance is empty');
    const { expect, dialogRequestId } = this.nextTurn(options.followUp);
    const event = buildTextRecognize(
      expect ? { text, speechId: expect.expectSpeechId, explicit: expect.explicit } : { text },
      dialogRequestId,
      buildContext(this.state),
    );
    this.emit('request', event);
    this.tracker.request(1);
    try {
      return await this.post(event, options.timeoutMs, options.signal, new TurnTimer('TextRecognizer.Recognize', dialogRequestId));
    } finally {
      this.tracker.request(-1);
    }
  }

  /**
   * Sends one event (metadata part only) on the downchannel's connection and reads its response
   * within `timeoutMs` (default 30000). A stream the server refused (GOAWAY race) is sent again on
   * the new connection. Rejects with a SystemExceptionError when the answer carried a System.Exception.
   */
  async sendEvent(event: EventMessage, timeoutMs = DEFAULT_TIMEOUT_MS, signal?: AbortSignal): Promise<EventResult> {
    return this.post(event, timeoutMs, signal);
  }

  /** sendEvent, with a turn's timer (sendText): its `timing` event is emitted once the answer was read. */
  private async post(event: EventMessage, timeoutMs = DEFAULT_TIMEOUT_MS, signal?: AbortSignal, timer?: TurnTimer): Promise<EventResult> {
    let result: EventResult;
    try {
      result = await this.exchange.send(event, timeoutMs, undefined, signal, timer);
    } catch (err) {
      // Spec 2.6: a 401 means one refresh, a new downchannel with the new token, the event again.
      if (!this.unauthorized(err)) throw err;
      this.setToken(await this.opts.onUnauthorized!(this.opts.token));
      this.trace('event answered 401: token renewed, opening a new downchannel and sending the event again');
      await this.link.renew();
      result = await this.exchange.send(event, timeoutMs, undefined, signal, timer);
    }
    if (timer) this.emit('timing', timer.timing());
    return unlessException(result);
  }

  /**
   * Sends SpeechRecognizer.Recognize (spec 5.1) with `audio` (L16 16 kHz mono, in buffers of any
   * size: they are cut into the 6,400-byte parts CIC expects) and reads the answer. StopCapture
   * for this dialog closes the body at once; so do the end of the audio and `endInput`. A pending
   * ExpectSpeech makes it a follow-up with the same dialogRequestId and its speechId (spec 4.8).
   * Rejects with a SystemExceptionError when the answer carried a System.Exception.
   */
  async recognize(audio: AsyncIterable<Buffer>, options: RecognizeOptions = {}): Promise<RecognizeResult> {
    const { expect, dialogRequestId } = this.nextTurn(options.followUp);
    const payload: SpeechRecognizePayload = { lang: options.lang ?? 'ko' };
    if (expect) {
      payload.speechId = expect.expectSpeechId;
      payload.explicit = expect.explicit;
    } else payload.initiator = options.initiator ?? 'TAP';
    const event = buildSpeechRecognize(payload, dialogRequestId, buildContext(this.state));
    const timer = new TurnTimer('SpeechRecognizer.Recognize', dialogRequestId);
    const turn = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, endInput: options.endInput, signal: options.signal, timer };
    // Listening while the audio goes out, thinking from the closing of the body to the answer's end.
    let uploading = true;
    const uploaded = () => {
      if (!uploading) return;
      uploading = false;
      this.tracker.upload(-1);
    };
    this.tracker.request(1);
    this.tracker.upload(1);
    this.on('uploaded', uploaded);
    try {
      const result = await this.voice.run(event, audio, dialogRequestId, turn);
      this.emit('timing', timer.timing());
      return unlessException(result);
    } finally {
      this.off('uploaded', uploaded);
      uploaded();
      this.tracker.request(-1);
    }
  }

  /**
   * Cancels every voice upload in flight at once (RST_STREAM CANCEL): an interrupted utterance is
   * never completed, so the server never answers it. Ctrl-C calls this before anything else.
   */
  cancelUploads(): void {
    this.voice.cancelAll();
  }

  /** Closes every connection; pending work fails. */
  async close(): Promise<void> {
    this.device?.close();
    this.alerts?.close();
    this.cancelUploads();
    this.link.close();
    for (const it of this.iterators) it.abort();
  }
}

import { EventEmitter, on } from 'node:events';
import http2, { type ClientHttp2Stream } from 'node:http2';
import {
  AuthError,
  ClovaError,
  ConnectionError,
  MultipartError,
  ServerError,
  TimeoutError,
  UsageError,
} from '../protocol/errors.js';
import { buildContext, defaultClientState, type ClientState } from '../protocol/context.js';
import { multipartBoundary } from '../protocol/content-type.js';
import { newId } from '../protocol/ids.js';
import {
  buildEvent,
  buildSpeechRecognize,
  buildTextRecognize,
  qualifiedName,
  type Directive,
  type DirectiveMessage,
  type EventMessage,
  type SpeechRecognizePayload,
} from '../protocol/messages.js';
import { MultipartEncoder, METADATA_PART_HEADERS } from '../protocol/multipart-encoder.js';
import { redact } from '../protocol/redact.js';
import { PlaybackAttachmentSink, type AttachmentSink } from './attachments.js';
import { AudioUpload, DEFAULT_UPLOAD_STALL_MS, uploadStalledError, type UploadEnd, type UploadProgress } from './audio-upload.js';
import { ReconnectBackoff, type BackoffOptions, type ReconnectReason } from './backoff.js';
import { cancelStream, CicConnection, pipeToReader } from './connection.js';
import { DialogRouter } from './dialog-router.js';
import { applyDirective, isKnownDirective, type HandlerContext } from './handlers/registry.js';
import { readExceptionDescription, statusError } from './http-errors.js';
import type { KeepAliveOptions } from './keepalive.js';
import { ResponseReader, type AudioInfo } from './response-reader.js';
import { SpeechQueue, type SpeechPlayer, type SpeechProgress } from './speech-queue.js';
import { systemTimers, type TimerHandle, type Timers } from './timers.js';

/** How to reach CIC and how patient to be. */
export interface ClientOptions {
  /** CIC base URI: `https://host[:port]` (TLS, ALPN h2) or `http://host:port` (h2c prior knowledge). */
  url: string | URL;
  token: string;
  userAgent: string;
  /** Extra trusted CA certificate(s) in PEM. */
  extraCa?: string;
  /** Do not verify the server certificate (testing only). */
  insecure?: boolean;
  deviceTags?: string;
  /** Where Speak attachments go; undefined: counted and dropped. */
  attachments?: AttachmentSink;
  /** Plays Speak attachments (in order, spec 4.5) and reports SpeechStarted/Finished; undefined: not played. */
  speech?: SpeechPlayer;
  /** How long to wait for Clova.Hello (default 10000 ms, spec U-11). */
  helloTimeoutMs?: number;
  keepAlive?: KeepAliveOptions;
  backoff?: BackoffOptions;
  timers?: Timers;
}

/** A directive handed to the user, with where it came from. */
export interface ReceivedDirective {
  message: DirectiveMessage;
  source: 'event' | 'downchannel';
  connectionId: number;
}

/** A directive that was not handed on, and why. */
export interface SkippedDirective {
  message: DirectiveMessage;
  reason: 'stale' | 'unknown';
}

/** The outcome of one event request. */
export interface EventResult {
  status: number;
  streamId: number;
  connectionId: number;
  dialogRequestId?: string;
  /** Directives handed on from this response. */
  directives: number;
  /** A System.Exception that came inside a 200 body, if any. */
  exception?: { code?: unknown; description?: string };
}

/** Options of one text turn. */
export interface TextOptions {
  /** Give up when the response has not ended within this many ms (TimeoutError; default 30000). */
  timeoutMs?: number;
  /** Answer a pending ExpectSpeech with this text (default true when one is pending). */
  followUp?: boolean;
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
}

/** The outcome of one voice turn. */
export interface RecognizeResult extends EventResult {
  audioBytes: number;
  audioParts: number;
  /** What closed the request body. */
  uploadEnded: UploadEnd;
  /** ms from StopCapture's arrival to the body being closed, when StopCapture ended it. */
  stopCaptureReactionMs?: number;
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
}

const REFUSED_STREAM = http2.constants.NGHTTP2_REFUSED_STREAM;
/** The default bound of every wait of a turn (the CLI's --timeout default). */
const DEFAULT_TIMEOUT_MS = DEFAULT_UPLOAD_STALL_MS;
/** How often one event is sent when the server refuses it unprocessed (GOAWAY race) before giving up. */
const MAX_REFUSED_ATTEMPTS = 4;
/** How long a report event (ActionExecuted, ReportState, Settings.Report) may take. */
const REPORT_TIMEOUT_MS = 10000;

/**
 * The CIC client: one HTTP/2 connection carrying the downchannel, PINGs and every event
 * (spec 1.3); reconnects on GOAWAY, dead PINGs and ended downchannels; routes directives by
 * dialogRequestId (spec 4.3). Directives arrive as `directive` events, in order of arrival.
 */
export class CicClient extends EventEmitter<CicClientEvents> {
  private readonly url: URL;
  private readonly opts: ClientOptions;
  private readonly timers: Timers;
  private readonly backoff: ReconnectBackoff;
  private readonly router = new DialogRouter();
  readonly state: ClientState = defaultClientState();
  private conn: CicConnection | undefined;
  private establishing: Promise<CicConnection> | undefined;
  private everConnected = false;
  private closing = false;
  private readonly connections = new Set<CicConnection>();
  private expect: PendingExpectSpeech | undefined;
  private readonly handlerContext: HandlerContext;
  private readonly speechQueue: SpeechQueue | undefined;
  private readonly playbackSink: PlaybackAttachmentSink | undefined;
  private readonly attachmentSink: AttachmentSink | undefined;
  /** Uploads in progress, by dialogRequestId, so that StopCapture finds its own. */
  private readonly uploads = new Map<string, { upload: AudioUpload; keepRecording(): void; cancel(): void }>();

  constructor(options: ClientOptions) {
    super();
    this.opts = options;
    this.url = typeof options.url === 'string' ? new URL(options.url) : options.url;
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new UsageError(`server URL must start with https:// or http:// (got ${this.url.protocol})`);
    }
    if (!options.token) throw new AuthError('no access token given');
    this.timers = options.timers ?? systemTimers;
    this.backoff = new ReconnectBackoff(this.timers, options.backoff);
    this.handlerContext = {
      state: this.state,
      expectSpeech: (info) => {
        this.expect = info;
      },
      report: (namespace, name, payload) => this.report(namespace, name, payload),
      speak: (d) => this.queueSpeak(d),
      stopCapture: (id) => this.stopCapture(id),
      keepRecording: (id) => {
        for (const [dialog, u] of this.uploads) if (id === undefined || id === dialog) u.keepRecording();
      },
    };
    if (options.speech) {
      this.playbackSink = new PlaybackAttachmentSink(options.attachments);
      this.attachmentSink = this.playbackSink;
      this.speechQueue = new SpeechQueue(options.speech, {
        report: (name, token) => this.report('SpeechSynthesizer', name, { token }),
        state: (token, playerActivity) => {
          this.state.lastSpeech = { token, playerActivity };
        },
        progress: (p) => this.emit('speech', p),
        trace: (l) => this.trace(l),
        timers: this.timers,
      });
    } else {
      this.attachmentSink = options.attachments;
    }
  }

  private queueSpeak(d: Directive): boolean {
    if (!this.speechQueue) return false;
    this.speechQueue.speak(d);
    return true;
  }

  private stopCapture(dialogRequestId: string | undefined): void {
    this.emit('stop-capture', { dialogRequestId });
    for (const [dialog, u] of this.uploads) {
      if (dialogRequestId === undefined || dialogRequestId === dialog) u.upload.stop('stop-capture');
    }
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

  /** Resolves when every queued Speak has been played (at once when speech is not played). */
  async speechIdle(): Promise<void> {
    await this.speechQueue?.idle();
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

  private readonly iterators = new Set<AbortController>();

  private readonly reports = new Set<Promise<void>>();

  /** Sends a report event in the background; its failure is a notice, not an error of the dialog. */
  private report(namespace: string, name: string, payload: Record<string, unknown>): void {
    const event = buildEvent(namespace, name, payload, { context: buildContext(this.state) });
    const p = this.sendEvent(event, REPORT_TIMEOUT_MS).then(
      () => undefined,
      (err: Error) => {
        if (!this.closing) this.emit('notice', `${namespace}.${name} could not be sent: ${err.message}`);
      },
    );
    this.reports.add(p);
    void p.finally(() => this.reports.delete(p));
  }

  /** Resolves when every report event sent so far has been answered (or failed). */
  async settled(): Promise<void> {
    while (this.reports.size > 0) await Promise.allSettled([...this.reports]);
  }

  /** The follow-up an ExpectSpeech is waiting for, if any. */
  get pendingExpectSpeech(): PendingExpectSpeech | undefined {
    return this.expect;
  }

  /** The dialogRequestId of the last request sent. */
  get currentDialogRequestId(): string | undefined {
    return this.router.current;
  }

  private trace(line: string): void {
    if (this.listenerCount('trace') > 0) this.emit('trace', redact(line, this.opts.token));
  }

  private readonly waits = new Map<TimerHandle, () => void>();

  /** A reconnect pause that close() cuts short, so a closed client keeps no timer alive. */
  private wait(ms: number): Promise<void> {
    if (ms <= 0 || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = this.timers.setTimeout(() => {
        this.waits.delete(handle);
        resolve();
      }, ms);
      this.waits.set(handle, resolve);
    });
  }

  /** Opens the connection and the downchannel and waits for Clova.Hello. */
  async connect(options: { timeoutMs?: number } = {}): Promise<void> {
    this.connectDeadline = options.timeoutMs !== undefined ? this.timers.now() + options.timeoutMs : undefined;
    try {
      await this.ready();
    } finally {
      this.connectDeadline = undefined;
    }
  }

  /** Until when first contact may keep retrying (429, 5xx, GOAWAY); undefined: no limit. */
  private connectDeadline: number | undefined;

  /**
   * A connection whose downchannel is open and greeted and which has not had GOAWAY: events are
   * never posted before Hello (spec 1.3). Waits for a reopening downchannel or a new connection.
   */
  private async ready(): Promise<CicConnection> {
    for (;;) {
      if (this.closing) throw new ConnectionError('client is closed', 'E_CLOSED');
      const c = this.conn;
      if (c?.usable) return c;
      if (this.reopening) {
        await this.reopening;
        continue;
      }
      if (c && !c.closed && !c.draining && !this.establishing) {
        // The downchannel ended and its reopening has not been scheduled yet.
        this.startReopen(c);
        continue;
      }
      this.establishing ??= this.establish().finally(() => {
        this.establishing = undefined;
      });
      await this.establishing;
    }
  }

  private retryable(err: unknown): ReconnectReason | undefined {
    // A peer that does not speak HTTP/2 (or TLS) will not learn it by being asked again.
    if (err instanceof ConnectionError && err.code === 'E_NOT_HTTP2') return undefined;
    if (err instanceof ServerError && err.status === 429) return 'status-429';
    if (err instanceof ConnectionError && (err.code === 'E_GOAWAY' || err.code === 'E_DOWNCHANNEL')) return 'goaway';
    if (err instanceof ServerError && err.status >= 500) return 'error'; // back off and reconnect (spec 2.3)
    // First contact: refused, TLS, DNS, no Hello, 4xx are not going to heal; fail fast with the reason.
    if (!this.everConnected) return undefined;
    if (err instanceof AuthError) return undefined;
    return 'error';
  }

  private async establish(first: ReconnectReason | undefined = undefined): Promise<CicConnection> {
    let reason = first;
    for (let attempt = 0; ; attempt++) {
      if (reason !== undefined || attempt > 0) {
        const delay = this.backoff.nextDelay(reason ?? 'error');
        if (delay > 0) this.trace(`reconnect: waiting ${delay} ms (${reason ?? 'retry'})`);
        await this.wait(delay);
      }
      if (this.closing) throw new ConnectionError('client is closed', 'E_CLOSED');
      const conn = this.newConnection();
      try {
        await conn.connect();
        this.backoff.noteRequest();
        await conn.openDownchannel();
        this.backoff.noteSuccess();
      } catch (err) {
        conn.destroy();
        this.connections.delete(conn);
        const r = this.retryable(err);
        if (r === undefined || this.closing) throw err;
        if (!this.everConnected && this.connectDeadline !== undefined) {
          const next = this.timers.now() + this.backoff.peekDelay(r);
          if (next > this.connectDeadline) throw err; // retrying would pass the caller's deadline
        }
        this.trace(`connection attempt failed (${(err as Error).message}); will retry`);
        this.emit('notice', `${(err as Error).message}; retrying`);
        reason = r;
        continue;
      }
      if (this.closing) {
        conn.destroy();
        throw new ConnectionError('client is closed', 'E_CLOSED');
      }
      conn.startKeepAlive();
      const previous = this.conn;
      this.conn = conn;
      if (previous && previous !== conn) previous.closeGracefully();
      this.everConnected = true;
      this.trace(`conn#${conn.id}: ready (Clova.Hello received)`);
      return conn;
    }
  }

  private newConnection(): CicConnection {
    const conn = new CicConnection({
      url: this.url,
      token: this.opts.token,
      userAgent: this.opts.userAgent,
      extraCa: this.opts.extraCa,
      insecure: this.opts.insecure,
      deviceTags: this.opts.deviceTags,
      timers: this.timers,
      helloTimeoutMs: this.opts.helloTimeoutMs ?? 10000,
      keepAlive: this.opts.keepAlive ?? {},
      sink: this.attachmentSink,
      trace: (l) => this.trace(l),
      notice: (l) => this.emit('notice', l),
      downchannelDirective: (m, id) => this.accept(m, 'downchannel', id, false),
      audio: (a) => this.onAudio(a),
    });
    this.connections.add(conn);
    conn.on('goaway', () => {
      if (this.conn === conn) {
        this.emit('notice', 'server sent GOAWAY: moving to a new connection');
        this.replace('goaway');
      }
      if (!conn.hasDownchannel) conn.closeGracefully();
    });
    conn.on('dead', (reason: string) => {
      this.emit('notice', `connection lost (${reason}): reconnecting`);
      conn.destroy();
      if (this.conn === conn) this.replace('error');
    });
    conn.on('downchannel-ended', () => {
      if (this.closing || this.conn !== conn) {
        if (conn.draining) conn.closeGracefully();
        return;
      }
      if (conn.draining || conn.closed) return;
      this.trace(`conn#${conn.id}: downchannel ended: reopening`);
      this.startReopen(conn);
    });
    conn.on('closed', () => {
      this.connections.delete(conn);
      if (this.conn === conn && !this.closing) {
        this.conn = undefined;
        // After GOAWAY or a dead PING the replacement is already on its way and was announced.
        if (!conn.draining && conn.deadReason === undefined) this.emit('notice', 'connection closed: reconnecting');
        this.replace('error');
      }
    });
    return conn;
  }

  /** Opens a replacement connection in the background (its errors surface on the next request). */
  private replace(reason: ReconnectReason): void {
    if (this.closing || this.establishing) return;
    this.establishing = this.establish(reason).finally(() => {
      this.establishing = undefined;
    });
    this.establishing.catch((err: Error) => {
      if (!this.closing) this.emit('notice', `reconnect failed: ${err.message}`);
    });
  }

  private reopening: Promise<void> | undefined;

  private startReopen(conn: CicConnection): void {
    if (this.reopening) return;
    this.reopening = this.reopenDownchannel(conn).finally(() => {
      this.reopening = undefined;
    });
    this.reopening.catch(() => undefined);
  }

  private async reopenDownchannel(conn: CicConnection): Promise<void> {
    for (let reason: ReconnectReason = 'ended'; ; ) {
      await this.wait(this.backoff.nextDelay(reason));
      if (this.closing || this.conn !== conn || conn.draining || conn.closed) return;
      try {
        this.backoff.noteRequest();
        await conn.openDownchannel();
        this.backoff.noteSuccess();
        return;
      } catch (err) {
        const r = this.retryable(err);
        if (r === undefined) {
          this.emit('notice', `downchannel could not be reopened: ${(err as Error).message}`);
          throw err;
        }
        if (conn.closed || conn.draining) return; // a new connection takes over
        reason = r;
      }
    }
  }

  /** Routes one directive: stale and unknown ones are skipped, the rest handed on. */
  private accept(
    message: DirectiveMessage,
    source: 'event' | 'downchannel',
    connectionId: number,
    answersEventWithoutDialog: boolean,
  ): 'deliver' | 'discard' {
    const d = message.directive;
    const name = qualifiedName(d.header);
    if (this.router.route(d.header, answersEventWithoutDialog) === 'stale') {
      this.trace(`skip ${name}: dialogRequestId ${d.header.dialogRequestId} belongs to an older dialog`);
      this.emit('skipped', { message, reason: 'stale' });
      return 'discard';
    }
    if (!isKnownDirective(d)) {
      this.trace(`skip ${name}: unknown directive`);
      this.emit('skipped', { message, reason: 'unknown' });
      return 'discard';
    }
    try {
      applyDirective(d, this.handlerContext);
    } catch (err) {
      this.trace(`handler for ${name} failed: ${(err as Error).message}`);
    }
    this.trace(`directive ${name} (${source}${d.header.dialogRequestId ? `, dialogRequestId=${d.header.dialogRequestId}` : ''})`);
    this.emit('directive', { message, source, connectionId });
    return 'deliver';
  }

  /**
   * Sends TextRecognizer.Recognize (spec 5.2). A pending ExpectSpeech makes it a follow-up with
   * the same dialogRequestId and its speechId (spec 4.8). Resolves when the response has ended.
   */
  async sendText(text: string, options: TextOptions = {}): Promise<EventResult> {
    if (text.trim().length === 0) throw new UsageError('the utterance is empty');
    const expect = options.followUp === false ? undefined : this.expect;
    this.expect = undefined;
    const dialogRequestId = expect?.dialogRequestId ?? (expect ? this.router.current : undefined) ?? newId();
    const event = buildTextRecognize(
      expect ? { text, speechId: expect.expectSpeechId, explicit: expect.explicit } : { text },
      dialogRequestId,
      buildContext(this.state),
    );
    this.emit('request', event);
    return this.sendEvent(event, options.timeoutMs);
  }

  /**
   * Sends one event (metadata part only) on the downchannel's connection and reads its response
   * within `timeoutMs` (default 30000). A stream the server refused (GOAWAY race) is sent again on
   * the new connection.
   */
  async sendEvent(event: EventMessage, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<EventResult> {
    return this.exchange(event, timeoutMs, undefined);
  }

  /**
   * Sends SpeechRecognizer.Recognize (spec 5.1) with `audio` (L16 16 kHz mono; each buffer becomes
   * one `audio` part, so pass 6,400-byte buffers) and reads the answer. StopCapture for this dialog
   * closes the body at once; so do the end of the audio and `endInput`. A pending ExpectSpeech
   * makes it a follow-up with the same dialogRequestId and its speechId (spec 4.8).
   */
  async recognize(audio: AsyncIterable<Buffer>, options: RecognizeOptions = {}): Promise<RecognizeResult> {
    const expect = options.followUp === false ? undefined : this.expect;
    this.expect = undefined;
    const dialogRequestId = expect?.dialogRequestId ?? (expect ? this.router.current : undefined) ?? newId();
    const payload: SpeechRecognizePayload = { lang: options.lang ?? 'ko' };
    if (expect) {
      payload.speechId = expect.expectSpeechId;
      payload.explicit = expect.explicit;
    } else payload.initiator = options.initiator ?? 'TAP';
    const event = buildSpeechRecognize(payload, dialogRequestId, buildContext(this.state));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const upload = new AudioUpload(audio, {
      now: () => this.timers.now(),
      progress: (p) => this.emit('upload', p),
      trace: (l) => this.trace(l),
      timers: this.timers,
      stallTimeoutMs: timeoutMs,
    });
    const onEndInput = () => upload.stop('stopped');
    if (options.endInput?.aborted) onEndInput();
    options.endInput?.addEventListener('abort', onEndInput, { once: true });

    // The answer timer runs from the closing of the body (U-18); KeepRecording restarts it.
    let timer: TimerHandle | undefined;
    let cancel: (() => void) | undefined;
    let rejectTimeout: (err: Error) => void = () => undefined;
    const timedOut = new Promise<never>((_, reject) => {
      rejectTimeout = reject;
    });
    timedOut.catch(() => undefined);
    const arm = () => {
      this.timers.clearTimeout(timer);
      timer = this.timers.setTimeout(() => {
        // A closed body that HTTP/2 has not sent yet: the server stopped reading, it is not thinking.
        const err = upload.unflushed
          ? uploadStalledError(timeoutMs)
          : new TimeoutError(`no answer within ${timeoutMs} ms of the end of the audio; raise --timeout or check the server`);
        cancel?.();
        rejectTimeout(err);
      }, timeoutMs);
    };
    void upload.whenClosed().then(() => {
      arm();
      this.emit('uploaded', { bytes: upload.bytes, parts: upload.parts, ended: upload.ended ?? 'answered' });
    });
    this.uploads.set(dialogRequestId, {
      upload,
      keepRecording: () => {
        if (timer !== undefined) arm();
      },
      cancel: () => cancel?.(),
    });
    this.emit('request', event);
    try {
      const work = this.exchange(event, undefined, {
        upload,
        readyTimeoutMs: timeoutMs,
        registerAbort: (abort) => {
          cancel = abort;
        },
      });
      const result = await Promise.race([work, timedOut]);
      const r: RecognizeResult = {
        ...result,
        audioBytes: upload.bytes,
        audioParts: upload.parts,
        uploadEnded: upload.ended ?? 'answered',
      };
      if (upload.ended === 'stop-capture' && upload.stopRequestedAt !== undefined && upload.closedAt !== undefined) {
        r.stopCaptureReactionMs = upload.closedAt - upload.stopRequestedAt;
      }
      return r;
    } finally {
      upload.stop('answered');
      this.timers.clearTimeout(timer);
      this.uploads.delete(dialogRequestId);
      options.endInput?.removeEventListener('abort', onEndInput);
    }
  }

  /** ready(), bounded: a voice turn must not wait forever for a connection that never comes back. */
  private async readyWithin(ms: number, name: string): Promise<CicConnection> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.timers.setTimeout(
        () => reject(new TimeoutError(`could not send ${name}: no usable connection to the server within ${ms} ms; check the server, or raise --timeout`)),
        ms,
      );
    });
    const ready = this.ready();
    try {
      return await Promise.race([ready, timeout]);
    } finally {
      this.timers.clearTimeout(timer);
      ready.catch(() => undefined);
    }
  }

  private async exchange(
    event: EventMessage,
    timeoutMs: number | undefined,
    voice: { upload: AudioUpload; readyTimeoutMs: number; registerAbort(abort: () => void): void } | undefined,
  ): Promise<EventResult> {
    const deadline = timeoutMs !== undefined ? this.timers.now() + timeoutMs : undefined;
    const name = qualifiedName(event.event.header);
    let cancel: (() => void) | undefined;
    let unflushed: (() => boolean) | undefined;
    const work = (async () => {
      for (let attempt = 0; ; attempt++) {
        // A text turn's deadline covers this wait too; a voice turn bounds it on its own.
        const conn = voice ? await this.readyWithin(voice.readyTimeoutMs, name) : await this.ready();
        try {
          return await this.postOnce(
            conn,
            event,
            (abort, pendingBody) => {
              cancel = abort;
              unflushed = pendingBody;
              voice?.registerAbort(abort);
            },
            voice?.upload,
          );
        } catch (err) {
          if (!(err instanceof RetryOnNewConnection)) throw err;
          // Audio already taken from the source cannot be sent again.
          if (voice !== undefined && voice.upload.parts > 0) {
            throw new ConnectionError(
              `the server refused ${name} after audio had been sent (${err.message}); audio cannot be read twice: try again`,
              'E_REFUSED',
            );
          }
          if (attempt >= MAX_REFUSED_ATTEMPTS - 1) {
            throw new ConnectionError(
              `the server refused ${name} ${attempt + 1} times (GOAWAY or REFUSED_STREAM before processing it; last: ${err.message}); try again later`,
              'E_REFUSED',
            );
          }
          this.trace(`event not processed by the server (${err.message}): sending it on a new connection`);
        }
      }
    })();
    if (deadline === undefined) return work;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.timers.setTimeout(() => {
        const sent = cancel !== undefined;
        const stalled = unflushed?.() === true;
        cancel?.();
        let err: TimeoutError;
        if (!sent) {
          err = new TimeoutError(`could not send ${name}: no usable connection to the server within ${timeoutMs} ms; check the server, or raise --timeout`);
        } else if (stalled) {
          err = new TimeoutError(
            `the server stopped reading the ${name} request: its body was not taken within ${timeoutMs} ms; the request was cancelled: check the server, or raise --timeout`,
            'E_UPLOAD_STALLED',
          );
        } else err = new TimeoutError(`no answer within ${timeoutMs} ms; raise --timeout or check the server`);
        reject(err);
      }, Math.max(0, deadline - this.timers.now()));
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      this.timers.clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  private postOnce(
    conn: CicConnection,
    event: EventMessage,
    registerAbort: (abort: () => void, unflushed: () => boolean) => void,
    upload?: AudioUpload,
  ): Promise<EventResult> {
    const encoder = new MultipartEncoder();
    const dialogRequestId = event.event.header.dialogRequestId;
    const name = qualifiedName(event.event.header);
    let stream: ClientHttp2Stream;
    try {
      stream = conn.request({ ':method': 'POST', ':path': '/v1/events', 'content-type': encoder.contentType() });
    } catch (err) {
      return Promise.reject(new RetryOnNewConnection((err as Error).message));
    }
    const metadata = encoder.part(METADATA_PART_HEADERS, JSON.stringify(event));
    const body = upload ? metadata : Buffer.concat([metadata, encoder.end()]);
    this.trace(
      `conn#${conn.id} stream ${stream.id ?? '?'}: POST /v1/events ${name} (${upload ? 'metadata ' : ''}${body.length} B, ${encoder.contentType()}; ` +
        `part "metadata" application/json; dialogRequestId=${dialogRequestId ?? '-'}${upload ? '; audio parts follow' : ''})`,
    );
    return new Promise<EventResult>((resolve, reject) => {
      let gotResponse = false;
      let settled = false;
      let delivered = 0;
      let exception: EventResult['exception'];
      const done = (err: Error | undefined, result?: EventResult) => {
        if (settled) return;
        settled = true;
        upload?.stop('answered');
        this.speechQueue?.responseEnded();
        if (err) reject(err);
        else resolve(result!);
      };
      registerAbort(
        () => cancelStream(stream),
        () => stream.writableEnded && !stream.writableFinished && !stream.destroyed,
      );
      // Spec 4.2: the id becomes the current dialog only once the event was sent successfully.
      // For a voice turn that is once the metadata is out: StopCapture comes while audio flows.
      const sent = (err?: Error | null) => {
        if (!err && dialogRequestId !== undefined) this.router.begin(dialogRequestId);
      };
      if (upload) {
        stream.write(body, sent);
        upload.run(stream, encoder).catch((err: Error) => done(err));
      } else stream.end(body, sent);
      stream.on('response', (headers) => {
        gotResponse = true;
        const status = Number(headers[':status']);
        const ct = headers['content-type'] as string | undefined;
        this.trace(`conn#${conn.id} stream ${stream.id}: ${name} -> ${status} ${ct ?? ''}`);
        const result = (): EventResult => {
          const r: EventResult = { status, streamId: stream.id ?? 0, connectionId: conn.id, directives: delivered };
          if (dialogRequestId !== undefined) r.dialogRequestId = dialogRequestId;
          if (exception) r.exception = exception;
          return r;
        };
        if (status === 204) {
          stream.resume();
          stream.on('end', () => done(undefined, result()));
          stream.on('close', () => done(undefined, result())); // a 204 with a reset body is still an answer
          return;
        }
        if (status < 200 || status >= 300) {
          void readExceptionDescription(stream, ct).then((d) => done(statusError(`${name}`, status, d)));
          return;
        }
        const boundary = multipartBoundary(ct);
        if (!boundary) {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          done(new ServerError(`${name} answered ${status} with unexpected content-type "${ct ?? ''}"`, status));
          return;
        }
        const reader = new ResponseReader(
          boundary,
          {
            directive: (m) => {
              const h = m.directive.header;
              if (h.namespace === 'System' && h.name === 'Exception') {
                const p = m.directive.payload ?? {};
                exception = { code: p.code, description: typeof p.description === 'string' ? p.description : undefined };
              }
              const decision = this.accept(m, 'event', conn.id, dialogRequestId === undefined);
              if (decision === 'deliver') delivered++;
              return decision;
            },
            audio: (a) => this.onAudio(a),
            trace: (l) => this.trace(`conn#${conn.id} stream ${stream.id}: ${l}`),
            notice: (l) => this.emit('notice', l),
          },
          this.attachmentSink,
          false,
        );
        pipeToReader(stream, reader).then(
          () => done(undefined, result()),
          (err: Error) =>
            done(
              err instanceof MultipartError
                ? new ServerError(`${name} response could not be read: ${err.message}`, status)
                : err instanceof ClovaError
                  ? err // e.g. the --save-audio file could not be written
                  : new ConnectionError(`${name} response broke off: ${err.message}; the request was abandoned`, 'E_ABANDONED'),
            ),
        );
      });
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (gotResponse) return; // pipeToReader reports it
        if (this.refusedByServer(conn, stream)) done(new RetryOnNewConnection(err.message));
        else done(this.streamLost(conn, stream, name, err.message));
      });
      stream.on('close', () => {
        if (gotResponse || settled) return;
        if (this.refusedByServer(conn, stream)) done(new RetryOnNewConnection(`stream closed with code ${stream.rstCode}`));
        else done(this.streamLost(conn, stream, name, `stream closed with code ${stream.rstCode}`));
      });
    });
  }

  /** Why a request ended without an answer: its stream was reset while the connection lived, or the connection died. */
  private streamLost(conn: CicConnection, stream: ClientHttp2Stream, name: string, detail: string): ConnectionError {
    const code = stream.rstCode;
    if (!conn.closed && conn.deadReason === undefined && code !== undefined && code !== 0 && code !== http2.constants.NGHTTP2_CANCEL) {
      return new ConnectionError(`the server reset the ${name} request (RST_STREAM code ${code}) before answering; try again`, 'E_ABANDONED');
    }
    return this.lostError(conn, name, detail);
  }

  private lostError(conn: CicConnection, name: string, detail: string): ConnectionError {
    const why = conn.deadReason ?? detail;
    return new ConnectionError(
      `connection lost before ${name} was answered (${why}); the request was abandoned: try again`,
      'E_ABANDONED',
    );
  }

  /** The server never processed the stream: REFUSED_STREAM, or above GOAWAY's last stream id. */
  private refusedByServer(conn: CicConnection, stream: ClientHttp2Stream): boolean {
    if (stream.rstCode === REFUSED_STREAM) return true;
    return conn.draining && stream.id !== undefined && stream.id > conn.goawayLastStreamId;
  }

  /**
   * Cancels every voice upload in flight at once (RST_STREAM CANCEL): an interrupted utterance is
   * never completed, so the server never answers it. Ctrl-C calls this before anything else.
   */
  cancelUploads(): void {
    for (const u of this.uploads.values()) {
      u.cancel();
      u.upload.stop('stopped');
    }
  }

  /** Closes every connection; pending work fails. */
  async close(): Promise<void> {
    this.cancelUploads();
    this.closing = true;
    for (const it of this.iterators) it.abort();
    for (const [handle, resolve] of this.waits) {
      this.timers.clearTimeout(handle);
      resolve();
    }
    this.waits.clear();
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    this.conn = undefined;
  }
}

/** Internal: the server did not process the request; it is safe to send it again. */
class RetryOnNewConnection extends Error {}

import http2, { type ServerHttp2Stream } from 'node:http2';
import { buildDirective, type DirectiveMessage } from '../protocol/messages.js';
import { newId } from '../protocol/ids.js';
import { Downchannel } from './downchannel.js';
import type { ActiveFaults } from './active-faults.js';
import type { RecordedRequest, Recorder } from './record.js';
import type { SessionState } from './session-state.js';
import { wireStyle } from './wire.js';

/** Two downchannel requests of one token closer than this get 429 (spec 2.4, U-08). */
const DOWNCHANNEL_WINDOW_MS = 1000;
/** How long GOAWAY precedes the end of the downchannel under `goaway-after-hello`. */
const GOAWAY_GRACE_MS = 100;
/** Tokens remembered for the 1 s downchannel window before stale ones are swept (any token is accepted without --token). */
const WINDOW_SWEEP_AT = 1000;

/** What the registry needs from the emulator. */
export interface DownchannelServices {
  readonly recorder: Recorder;
  faults(): ActiveFaults;
  log(line: string): void;
  /** Answers a request with an error status and its System.Exception, recording it. */
  reject(stream: ServerHttp2Stream, req: RecordedRequest, status: number, description: string): void;
  /** Logs the outcome of a request. */
  logRequest(req: RecordedRequest, status: number, detail?: string): void;
  /** True once the emulator is closing: nothing new is scheduled. */
  closing(): boolean;
  /** Push Notifier.Notify right after Hello and then every this many seconds. */
  readonly pushEverySeconds: number | undefined;
  /** Told of every directive pushed to a client (not Hello). */
  pushed?(client: string, message: DirectiveMessage): void;
  /** Told when a client's downchannel has been greeted (Clova.Hello written). */
  greeted?(client: string): void;
}

function notifyDirective(): DirectiveMessage {
  const assetId = newId();
  return buildDirective('Notifier', 'Notify', {
    assets: [{ assetId, url: 'clova://notifier/sound/default' }],
    assetPlayOrder: [assetId],
    light: 'DEFAULT',
  });
}

/**
 * Every downchannel of the emulator: the rules for opening one (the 1 s window and one downchannel
 * per token, spec 2.4), the downchannel faults (`downchannel-status`, `no-hello`, and after Hello
 * `goaway-after-hello` and `drop-downchannel-after`), and pushes to one client or to all.
 */
export class DownchannelRegistry {
  private readonly services: DownchannelServices;
  private readonly live = new Set<Downchannel>();
  private readonly downchannelOf = new Map<string, Downchannel>();
  /** When each token last asked for a downchannel (spec 2.4: the 1 s window). */
  private readonly lastRequest = new Map<string, number>();

  constructor(services: DownchannelServices) {
    this.services = services;
  }

  /** Answers `GET /v1/directives`: 429 or an injected status, or a new downchannel that replaces the client's previous one. */
  open(stream: ServerHttp2Stream, req: RecordedRequest, state: SessionState, client: string): void {
    const { recorder, log } = this.services;
    const entry = (status: number) => {
      recorder.add('downchannels', { connectionId: req.connectionId, streamId: req.streamId, at: req.at, status });
    };
    // Spec 2.4 digest: one downchannel request per token per second, counted from the previous
    // request whatever became of it (so a client cannot hammer through 429s).
    const lastAt = this.lastRequest.get(client);
    this.lastRequest.set(client, req.at);
    if (this.lastRequest.size > WINDOW_SWEEP_AT) {
      // Only requests inside the window matter; older ones would pile up, one per token ever seen.
      for (const [t, at] of this.lastRequest) if (req.at - at >= DOWNCHANNEL_WINDOW_MS) this.lastRequest.delete(t);
    }
    const injected = this.services.faults().take('downchannel-status');
    if (injected) {
      entry(injected.status);
      log(`conn ${req.connectionId} fault downchannel-status: answering ${injected.status}`);
      this.services.reject(stream, req, injected.status, `Injected fault: status ${injected.status}`);
      return;
    }
    const previous = this.downchannelOf.get(client);
    const tooSoon = lastAt !== undefined && req.at - lastAt < DOWNCHANNEL_WINDOW_MS;
    const notGreeted = previous !== undefined && !previous.ended && !previous.releasing && !previous.helloSent;
    if (tooSoon || notGreeted) {
      entry(429);
      this.services.reject(stream, req, 429, 'Too many downchannel requests: one downchannel per token, wait 1 s');
      return;
    }
    if (previous && !previous.ended && !previous.releasing) {
      log(`conn ${previous.connectionId} stream ${previous.entry.streamId} downchannel replaced`);
      void previous.end();
    }

    const dc = new Downchannel({
      client,
      connectionId: req.connectionId,
      stream,
      style: () => wireStyle(this.services.faults()),
      onChange: () => recorder.changed(),
    });
    state.downchannels.add(dc);
    this.live.add(dc);
    this.downchannelOf.set(client, dc);
    stream.on('close', () => {
      state.downchannels.delete(dc);
      this.live.delete(dc);
      if (this.downchannelOf.get(client) === dc) this.downchannelOf.delete(client);
      log(`conn ${req.connectionId} stream ${req.streamId} downchannel closed`);
    });
    req.status = 200;
    recorder.add('downchannels', dc.entry);
    recorder.changed();
    this.services.logRequest(req, 200, 'downchannel open');
    stream.resume();
    if (!dc.open()) return;
    if (this.services.faults().has('no-hello')) {
      log(`conn ${req.connectionId} fault no-hello: Hello withheld`);
      return;
    }
    void dc.hello().then(() => this.afterHello(dc, stream.session!, state));
  }

  /** Writes to `client`'s open downchannel: resolves once it was handed to the stream; undefined when it has none. */
  pushTo(client: string, message: DirectiveMessage): Promise<void> | undefined {
    const done = this.downchannelOf.get(client)?.write(message);
    if (done) this.services.pushed?.(client, message);
    return done;
  }

  /** Writes a directive to every open downchannel; returns how many got it. */
  pushToAll(message: DirectiveMessage): number {
    let n = 0;
    for (const dc of this.openOnes()) {
      if (!dc.write(message)) continue;
      n++;
      this.services.pushed?.(dc.client, message);
    }
    return n;
  }

  /** Ends every open downchannel (close delimiter + END_STREAM); resolves once all were handed to their streams. */
  endAll(): Promise<void> {
    return Promise.all(this.openOnes().map((dc) => dc.end())).then(() => undefined);
  }

  private openOnes(): Downchannel[] {
    return [...this.live].filter((dc) => !dc.ended);
  }

  private afterHello(dc: Downchannel, session: http2.Http2Session, state: SessionState): void {
    if (dc.ended || this.services.closing()) return;
    this.services.greeted?.(dc.client);
    const { log } = this.services;
    const faults = this.services.faults();
    const where = `conn ${dc.connectionId} stream ${dc.entry.streamId}`;
    if (!state.goawaySent && !session.closed && !session.destroyed && faults.take('goaway-after-hello')) {
      state.goawaySent = true;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, dc.entry.streamId);
      for (const d of state.downchannels) d.releasing = true;
      log(`${where} fault goaway-after-hello: GOAWAY sent`);
      // Tear down once idle. Node adds GOAWAYs of its own (when the client answers with GOAWAY
      // and on destroy), all with the same last stream id; RFC 7540 6.8 allows several.
      state.onIdle = () => {
        if (!session.destroyed) session.destroy();
      };
      dc.after(GOAWAY_GRACE_MS, () => void dc.end());
    }
    const drop = faults.get('drop-downchannel-after');
    if (drop) {
      dc.after(drop.seconds * 1000, () => {
        log(`${where} fault drop-downchannel-after: downchannel ended`);
        void dc.end();
      });
    }
    const every = this.services.pushEverySeconds;
    if (every !== undefined) {
      const notify = () => {
        dc.write(notifyDirective());
        log(`${where} push Notifier.Notify`);
      };
      notify();
      dc.every(every * 1000, notify);
    }
  }
}

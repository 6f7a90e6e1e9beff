import http2, { type IncomingHttpHeaders, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import net from 'node:net';
import { buildDirective, type DirectiveMessage } from '../protocol/messages.js';
import { newId } from '../protocol/ids.js';
import { redact } from '../protocol/redact.js';
import { terminalLine } from '../protocol/sanitize.js';
import { isValidUserAgent } from '../protocol/user-agent.js';
import { DialogState } from './dialog.js';
import { Downchannel } from './downchannel.js';
import { EventExchange } from './events.js';
import { ActiveFaults, parseFaults } from './faults.js';
import { FrontListener } from './listener.js';
import { Recorder, recordLimits, type EmulatorRecord, type RecordedConnection, type RecordedRequest } from './record.js';
import { certificateFiles, generateCertificate, type CertificateFiles } from './tls.js';
import { voiceSettings, type VoiceOptions, type VoiceSettings } from './voice-settings.js';
import { sendEmpty, sendException, wireStyle } from './wire.js';
import { MAX_TIMER_MS } from '../protocol/timer-range.js';

/** How to run the emulator. */
export interface EmulatorOptions extends VoiceOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: ephemeral). */
  port?: number;
  /** Serve h2 over TLS (ALPN h2); default false = h2c with prior knowledge. */
  tls?: boolean;
  /** PEM certificate and key for TLS; without them a self-signed one is generated. */
  cert?: string;
  key?: string;
  /** When set, only `Bearer <token>` is accepted; otherwise any non-empty bearer token. */
  token?: string;
  /** Fault specs (see FAULT_TABLE); an invalid spec makes startEmulator throw. */
  faults?: string[];
  /** Push Notifier.Notify on every downchannel right after Hello and then every N seconds (at most 2,147,483: Node's timer range). */
  pushEverySeconds?: number;
  /**
   * Entries kept in each list of `record` (connections, requests, downchannels, events,
   * attachments); beyond it the oldest go, so a long-running emulator stays small (default 1000;
   * Infinity keeps everything).
   */
  recordLimit?: number;
  /** Part entries kept per recorded event (default 250, i.e. 50 s of 200 ms audio parts; Infinity: all); `partCount` counts every part. */
  recordPartLimit?: number;
  /** Answer a missing or malformed User-Agent with 400 (spec 1.5, U-03). */
  strictUserAgent?: boolean;
  /** Clock for answers that tell the time (deterministic tests). */
  now?: () => Date;
  /** Receives one line per request, stream and fault; never contains the bearer token, nor control characters a client sent. */
  log?: (line: string) => void;
}

/** A running emulator. */
export interface Emulator {
  /** A URL that reaches it from this machine (for 0.0.0.0, http://127.0.0.1:port). */
  readonly url: string;
  readonly port: number;
  /** The address it listens on, as bound: "127.0.0.1", "::1", "0.0.0.0" or "::" (all interfaces), … */
  readonly address: string;
  readonly certPath?: string;
  readonly certPem?: string;
  readonly record: EmulatorRecord;
  /** Replaces the faults in force (counted faults start counting again). */
  setFaults(faults: string[]): void;
  /** Writes a directive to every open downchannel now; returns how many got it. */
  push(message: DirectiveMessage): number;
  /** Resolves when the predicate holds (checked on every record change); rejects after timeoutMs (default 5000). */
  waitFor(predicate: (r: EmulatorRecord) => boolean, timeoutMs?: number): Promise<void>;
  /** Ends downchannels, closes sessions and the server; never hangs. */
  close(): Promise<void>;
}

/** Two downchannel requests of one token closer than this get 429 (spec 2.4, U-08). */
const DOWNCHANNEL_WINDOW_MS = 1000;
/** How long GOAWAY precedes the end of the downchannel under `goaway-after-hello`. */
const GOAWAY_GRACE_MS = 100;
/** How long close() lets sessions finish before destroying them. */
const CLOSE_GRACE_MS = 300;
/** Node's timer range: a longer setTimeout/setInterval fires after 1 ms instead. */
/** Tokens remembered for the 1 s downchannel window before stale ones are swept (any token is accepted without --token). */
const WINDOW_SWEEP_AT = 1000;

interface SessionState {
  connectionId: number;
  goawaySent: boolean;
  downchannels: Set<Downchannel>;
  /** Streams not yet closed, so that a GOAWAY'd session can be torn down once it is idle. */
  openStreams: number;
  onIdle?: () => void;
}

function newSessionState(connectionId: number): SessionState {
  return { connectionId, goawaySent: false, downchannels: new Set(), openStreams: 0 };
}

function bearerToken(value: string | undefined): string | undefined {
  const m = /^bearer +(\S+)\s*$/i.exec(value ?? '');
  return m ? m[1] : undefined;
}

function copyHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = [...v];
    else if (v !== undefined) out[k] = String(v);
  }
  return out;
}

function notifyDirective(): DirectiveMessage {
  const assetId = newId();
  return buildDirective('Notifier', 'Notify', {
    assets: [{ assetId, url: 'clova://notifier/sound/default' }],
    assetPlayOrder: [assetId],
    light: 'DEFAULT',
  });
}

function publicUrl(host: string, port: number, tls: boolean): string {
  const local = ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1', ''];
  if (tls) return `https://${local.includes(host) ? 'localhost' : net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${net.isIPv6(h) ? `[${h}]` : h}:${port}`;
}

class CicEmulator implements Emulator {
  url = '';
  port = 0;
  address = '';
  certPath?: string;
  certPem?: string;
  private readonly options: EmulatorOptions;
  private readonly recorder: Recorder;
  private readonly dialog = new DialogState();
  private faults: ActiveFaults;
  private readonly voice: VoiceSettings;
  private readonly internal: http2.Http2Server;
  private front!: FrontListener;
  private certFiles: CertificateFiles | undefined;
  private readonly sessions = new Map<Http2Session, SessionState>();
  private readonly connections = new Map<number, RecordedConnection>();
  private readonly downchannelOf = new Map<string, Downchannel>();
  /** When each token last asked for a downchannel (spec 2.4: the 1 s window). */
  private readonly lastDownchannelRequest = new Map<string, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly sleepers = new Set<() => void>();
  private nextConnectionId = 1;
  private seed = 0;
  private closing: Promise<void> | undefined;

  constructor(options: EmulatorOptions) {
    this.options = options;
    this.recorder = new Recorder(recordLimits(options.recordLimit, options.recordPartLimit));
    this.faults = new ActiveFaults(parseFaults(options.faults ?? []));
    this.voice = voiceSettings(options);
    this.internal = http2.createServer();
    this.internal.on('session', (s) => this.onSession(s));
    this.internal.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.internal.on('error', (err) => this.log(`server error: ${err.message}`));
  }

  get record(): EmulatorRecord {
    return this.recorder.record;
  }

  async start(): Promise<void> {
    const { options } = this;
    if ((options.cert === undefined) !== (options.key === undefined)) {
      throw new Error('TLS certificate and key must be given together');
    }
    if (options.pushEverySeconds !== undefined && !(options.pushEverySeconds > 0 && options.pushEverySeconds * 1000 <= MAX_TIMER_MS)) {
      throw new Error(`pushEverySeconds must be a positive number of at most ${Math.floor(MAX_TIMER_MS / 1000)}`);
    }
    let tlsOptions: { key: string; cert: string } | undefined;
    if (options.tls) {
      this.certFiles =
        options.cert !== undefined && options.key !== undefined
          ? await certificateFiles(options.cert, options.key)
          : await generateCertificate();
      tlsOptions = { key: this.certFiles.key, cert: this.certFiles.cert };
      this.certPath = this.certFiles.certPath;
      this.certPem = this.certFiles.cert;
    }
    try {
      const internalPort = await new Promise<number>((resolve, reject) => {
        this.internal.once('error', reject);
        this.internal.listen(0, '127.0.0.1', () => {
          this.internal.off('error', reject);
          resolve((this.internal.address() as net.AddressInfo).port);
        });
      });
      this.front = new FrontListener(
        { host: '127.0.0.1', port: internalPort },
        {
          opened: () => this.connectionOpened(),
          closed: (id) => this.connectionClosed(id),
          ping: (id) => this.pingReceived(id),
        },
        tlsOptions,
      );
      const host = options.host ?? '127.0.0.1';
      const bound = await this.front.listen(host, options.port ?? 0);
      this.port = bound.port;
      this.address = bound.address;
      this.url = publicUrl(host, this.port, options.tls === true);
    } catch (err) {
      this.internal.close();
      await this.certFiles?.cleanup();
      throw err;
    }
    const faults = this.faults.describe();
    this.log(`listening on ${this.url}${faults.length > 0 ? ` with faults ${faults.join(' ')}` : ''}`);
  }

  setFaults(specs: string[]): void {
    this.faults = new ActiveFaults(parseFaults(specs));
    this.log(`faults now: ${this.faults.describe().join(' ') || '(none)'}`);
  }

  push(message: DirectiveMessage): number {
    let n = 0;
    for (const dc of this.openDownchannels()) if (dc.write(message)) n++;
    const h = message.directive.header;
    this.log(`push ${h.namespace}.${h.name} to ${n} downchannel(s)`);
    return n;
  }

  waitFor(predicate: (r: EmulatorRecord) => boolean, timeoutMs?: number): Promise<void> {
    return this.recorder.waitFor(predicate, timeoutMs);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    const ends = this.openDownchannels().map((dc) => dc.end());
    await Promise.race([Promise.all(ends), this.delay(300)]);
    for (const s of this.sessions.keys()) if (!s.closed && !s.destroyed) s.close();
    const frontClosed = this.front.close();
    const internalClosed = new Promise<void>((r) => this.internal.close(() => r()));
    const allSessionsClosed = Promise.all(
      [...this.sessions.keys()].map((s) => (s.destroyed ? undefined : new Promise<void>((r) => s.once('close', () => r())))),
    );
    await Promise.race([allSessionsClosed, this.delay(CLOSE_GRACE_MS)]);
    for (const s of this.sessions.keys()) if (!s.destroyed) s.destroy();
    this.front.destroyAll();
    await Promise.race([Promise.all([frontClosed, internalClosed]), this.delay(CLOSE_GRACE_MS)]);
    await this.certFiles?.cleanup().catch(() => undefined);
    this.log('closed');
  }

  /** A timer that close() does not wait for. */
  private delay(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms).unref());
  }

  /** A timer that close() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.timers.delete(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.timers.add(t);
      this.sleepers.add(wake);
    });
  }

  private log(line: string): void {
    // Lines carry what clients sent (paths, event names): keep them from driving the terminal they are printed on.
    this.options.log?.(terminalLine(redact(line, this.options.token)));
  }

  private openDownchannels(): Downchannel[] {
    const out: Downchannel[] = [];
    for (const state of this.sessions.values()) for (const dc of state.downchannels) if (!dc.ended) out.push(dc);
    return out;
  }

  // --- connections ---

  private connectionOpened(): number {
    const id = this.nextConnectionId++;
    const c: RecordedConnection = { id, openedAt: Date.now(), pingsReceived: 0 };
    this.connections.set(id, c);
    this.recorder.add('connections', c);
    this.recorder.changed();
    this.log(`conn ${id} opened`);
    return id;
  }

  private connectionClosed(id: number): void {
    const c = this.connections.get(id);
    if (!c || c.closedAt !== undefined) return;
    c.closedAt = Date.now();
    this.connections.delete(id);
    this.recorder.changed();
    this.log(`conn ${id} closed`);
  }

  private pingReceived(id: number): boolean {
    const c = this.connections.get(id);
    if (c) {
      c.pingsReceived++;
      this.recorder.changed();
    }
    const drop = this.faults.has('no-ping-ack');
    if (drop) this.log(`conn ${id} fault no-ping-ack: PING dropped`);
    return drop;
  }

  private onSession(session: Http2Session): void {
    session.on('error', () => undefined);
    session.on('close', () => this.sessions.delete(session));
    if (this.closing) {
      session.destroy();
      return;
    }
    const conn = this.front.connectionByUpstreamPort(session.socket?.remotePort);
    this.sessions.set(session, newSessionState(conn?.id ?? 0));
  }

  private sessionState(session: Http2Session): SessionState {
    let state = this.sessions.get(session);
    if (!state) {
      state = newSessionState(0);
      this.sessions.set(session, state);
    }
    // The pipe registers its port before forwarding any byte; resolve late if 'session' came first.
    if (state.connectionId === 0) {
      state.connectionId = this.front.connectionByUpstreamPort(session.socket?.remotePort)?.id ?? 0;
    }
    return state;
  }

  // --- requests ---

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const state = this.sessionState(stream.session!);
    state.openStreams++;
    stream.on('close', () => {
      state.openStreams--;
      if (state.openStreams === 0) state.onIdle?.();
    });
    const method = headers[':method'] ?? '';
    const rawPath = headers[':path'] ?? '';
    const path = rawPath.split('?')[0]!;
    const req: RecordedRequest = {
      connectionId: state.connectionId,
      streamId: stream.id ?? 0,
      method,
      path: rawPath,
      headers: copyHeaders(headers),
      at: Date.now(),
    };
    this.recorder.add('requests', req);
    this.recorder.changed();

    if (this.closing) {
      this.reject(stream, req, 503, 'The emulator is shutting down');
      return;
    }
    const token = bearerToken(headers.authorization);
    if (token === undefined || (this.options.token !== undefined && token !== this.options.token)) {
      this.reject(stream, req, 401, 'Authentication failed: invalid or missing CLOVA access token');
      return;
    }
    if (this.options.strictUserAgent && !isValidUserAgent(headers['user-agent'])) {
      this.reject(stream, req, 400, 'Invalid or missing User-Agent: expected Manufacturer/Product/x.y.z (OS;HW)');
      return;
    }
    if (method === 'GET' && path === '/v1/directives') this.openDownchannel(stream, req, state, token);
    else if (method === 'POST' && path === '/v1/events') this.acceptEvent(stream, headers, req, state, token);
    else if (method === 'GET' && path === '/ping') {
      req.status = 204;
      this.recorder.changed();
      this.logRequest(req, 204);
      stream.resume();
      sendEmpty(stream, 204);
    } else this.reject(stream, req, 404, `Not found: ${method} ${path}`);
  }

  private reject(stream: ServerHttp2Stream, req: RecordedRequest, status: number, description: string): void {
    req.status = status;
    this.recorder.changed();
    this.logRequest(req, status, description);
    stream.resume(); // discard any body so the client is not stalled by flow control
    void sendException(stream, status, description, wireStyle(this.faults));
  }

  private logRequest(req: RecordedRequest, status: number, detail?: string): void {
    this.log(`conn ${req.connectionId} stream ${req.streamId} ${req.method} ${req.path.split('?')[0]} -> ${status}${detail ? ` ${detail}` : ''}`);
  }

  private openDownchannel(stream: ServerHttp2Stream, req: RecordedRequest, state: SessionState, client: string): void {
    const entry = (status: number) => {
      this.recorder.add('downchannels', { connectionId: req.connectionId, streamId: req.streamId, at: req.at, status });
    };
    // Spec 2.4 digest: one downchannel request per token per second, counted from the previous
    // request whatever became of it (so a client cannot hammer through 429s).
    const lastAt = this.lastDownchannelRequest.get(client);
    this.lastDownchannelRequest.set(client, req.at);
    if (this.lastDownchannelRequest.size > WINDOW_SWEEP_AT) {
      // Only requests inside the window matter; older ones would pile up, one per token ever seen.
      for (const [t, at] of this.lastDownchannelRequest) if (req.at - at >= DOWNCHANNEL_WINDOW_MS) this.lastDownchannelRequest.delete(t);
    }
    const injected = this.faults.take('downchannel-status');
    if (injected) {
      entry(injected.status);
      this.log(`conn ${req.connectionId} fault downchannel-status: answering ${injected.status}`);
      this.reject(stream, req, injected.status, `Injected fault: status ${injected.status}`);
      return;
    }
    const previous = this.downchannelOf.get(client);
    const tooSoon = lastAt !== undefined && req.at - lastAt < DOWNCHANNEL_WINDOW_MS;
    const notGreeted = previous !== undefined && !previous.ended && !previous.releasing && !previous.helloSent;
    if (tooSoon || notGreeted) {
      entry(429);
      this.reject(stream, req, 429, 'Too many downchannel requests: one downchannel per token, wait 1 s');
      return;
    }
    if (previous && !previous.ended && !previous.releasing) {
      this.log(`conn ${previous.connectionId} stream ${previous.entry.streamId} downchannel replaced`);
      void previous.end();
    }

    const style = () => wireStyle(this.faults);
    const dc = new Downchannel({
      client,
      connectionId: req.connectionId,
      stream,
      style,
      onChange: () => this.recorder.changed(),
    });
    state.downchannels.add(dc);
    this.downchannelOf.set(client, dc);
    stream.on('close', () => {
      state.downchannels.delete(dc);
      if (this.downchannelOf.get(client) === dc) this.downchannelOf.delete(client);
      this.log(`conn ${req.connectionId} stream ${req.streamId} downchannel closed`);
    });
    req.status = 200;
    this.recorder.add('downchannels', dc.entry);
    this.recorder.changed();
    this.logRequest(req, 200, 'downchannel open');
    stream.resume();
    if (!dc.open()) return;
    if (this.faults.has('no-hello')) {
      this.log(`conn ${req.connectionId} fault no-hello: Hello withheld`);
      return;
    }
    void dc.hello().then(() => this.afterHello(dc, stream.session!, state));
  }

  private afterHello(dc: Downchannel, session: Http2Session, state: SessionState): void {
    if (dc.ended || this.closing) return;
    const where = `conn ${dc.connectionId} stream ${dc.entry.streamId}`;
    if (!state.goawaySent && !session.closed && !session.destroyed && this.faults.take('goaway-after-hello')) {
      state.goawaySent = true;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, dc.entry.streamId);
      for (const d of state.downchannels) d.releasing = true;
      this.log(`${where} fault goaway-after-hello: GOAWAY sent`);
      // Tear down once idle. Node adds GOAWAYs of its own (when the client answers with GOAWAY
      // and on destroy), all with the same last stream id; RFC 7540 6.8 allows several.
      state.onIdle = () => {
        if (!session.destroyed) session.destroy();
      };
      dc.after(GOAWAY_GRACE_MS, () => void dc.end());
    }
    const drop = this.faults.get('drop-downchannel-after');
    if (drop) {
      dc.after(drop.seconds * 1000, () => {
        this.log(`${where} fault drop-downchannel-after: downchannel ended`);
        void dc.end();
      });
    }
    const every = this.options.pushEverySeconds;
    if (every !== undefined) {
      const notify = () => {
        dc.write(notifyDirective());
        this.log(`${where} push Notifier.Notify`);
      };
      notify();
      dc.every(every * 1000, notify);
    }
  }

  private acceptEvent(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    req: RecordedRequest,
    state: SessionState,
    client: string,
  ): void {
    // A downchannel whose close delimiter is queued but not yet sent still counts: the client
    // could not have known about its end when it sent this event.
    if (state.downchannels.size === 0) {
      this.reject(stream, req, 412, 'Downchannel is not established');
      return;
    }
    new EventExchange(stream, headers, req, client, {
      recorder: this.recorder,
      dialog: this.dialog,
      faults: () => this.faults,
      now: () => (this.options.now ? this.options.now() : new Date()),
      log: (line) => this.log(line),
      push: (c, m) => this.downchannelOf.get(c)?.write(m),
      nextSeed: () => ++this.seed,
      sleep: (ms) => this.sleep(ms),
      voice: this.voice,
    }).start();
  }
}

/** Starts a CIC emulator (spec section 7) and resolves once it is listening. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = new CicEmulator(options);
  await emulator.start();
  return emulator;
}

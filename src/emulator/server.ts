/**
 * The CIC emulator's front desk (spec section 7): listens (h2c, or h2 over TLS) behind the PING
 * filter of FrontListener, checks the bearer token and User-Agent, routes each request (downchannels
 * to DownchannelRegistry, events to EventExchange, `/ping`, the Auth API of spec 6 to AuthApi, which
 * HTTP/1.1 clients reach too), keeps the connections and sessions, and shuts everything down within
 * bounds.
 */
import http from 'node:http';
import http2, { type IncomingHttpHeaders, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import net from 'node:net';
import type { DirectiveMessage } from '../protocol/messages.js';
import { redact } from '../protocol/redact.js';
import { terminalLine } from '../protocol/sanitize.js';
import { MAX_TIMER_MS } from '../protocol/timer-range.js';
import { isValidUserAgent } from '../protocol/user-agent.js';
import type { Emulator, EmulatorOptions } from './api.js';
import { ClientDevices } from './device-state.js';
import { DialogState } from './dialog.js';
import { DownchannelRegistry } from './downchannel-registry.js';
import { EventExchange } from './events.js';
import { ActiveFaults } from './active-faults.js';
import { AuthApi, isAuthPath } from './auth-api.js';
import { createAuthHttp1Server, serveAuthOverH2 } from './auth-http.js';
import { AuthTokens, bearerToken, refuseToken } from './auth-tokens.js';
import { parseFaults } from './faults.js';
import { connectionLimits, IdleSessions, type ConnectionLimits } from './connection-limits.js';
import { FrontListener, listenLoopback } from './listener.js';
import { isMediaPath, serveMediaOverH2, serveMediaOverHttp1 } from './media-http.js';
import { loadReplay, Replay, type ReplayStatus } from './replay.js';
import { Recorder, recordLimits, type EmulatorRecord, type RecordedConnection, type RecordedRequest } from './record.js';
import { newSessionState, type SessionState } from './session-state.js';
import { certificateFiles, generateCertificate, type CertificateFiles } from './tls.js';
import { voiceSettings, type VoiceSettings } from './voice-settings.js';
import { sendEmpty, sendException, wireStyle } from './wire.js';

export type { Emulator, EmulatorOptions } from './api.js';

/** How long close() lets sessions finish before destroying them. */
const CLOSE_GRACE_MS = 300;

function copyHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = [...v];
    else if (v !== undefined) out[k] = String(v);
  }
  return out;
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
  private readonly devices = new ClientDevices();
  private faults: ActiveFaults;
  private readonly voice: VoiceSettings;
  private readonly internal: http2.Http2Server;
  private readonly internalHttp1: http.Server;
  private readonly tokens: AuthTokens;
  private readonly auth: AuthApi;
  private front!: FrontListener;
  private certFiles: CertificateFiles | undefined;
  private readonly sessions = new Map<Http2Session, SessionState>();
  private readonly limits: ConnectionLimits;
  private readonly idle: IdleSessions;
  private readonly connections = new Map<number, RecordedConnection>();
  private readonly downchannels: DownchannelRegistry;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly sleepers = new Set<() => void>();
  private nextConnectionId = 1;
  private seed = 0;
  private closing: Promise<void> | undefined;
  private replayer: Replay | undefined;

  constructor(options: EmulatorOptions) {
    this.options = options;
    this.limits = connectionLimits(options);
    this.idle = new IdleSessions(this.limits.idleTimeoutMs, (session) => {
      this.log(`conn ${this.sessions.get(session)?.connectionId ?? 0} closed: no open stream for ${this.limits.idleTimeoutMs / 1000} s`);
      session.close();
      // A peer that does not answer GOAWAY must not keep the connection.
      setTimeout(() => session.destroy(), CLOSE_GRACE_MS).unref();
    });
    this.recorder = new Recorder(recordLimits(options.recordLimit, options.recordPartLimit));
    this.faults = new ActiveFaults(parseFaults(options.faults ?? []));
    this.voice = voiceSettings(options);
    this.downchannels = new DownchannelRegistry({
      recorder: this.recorder,
      faults: () => this.faults,
      log: (line) => this.log(line),
      reject: (stream, req, status, description) => this.reject(stream, req, status, description),
      logRequest: (req, status, detail) => this.logRequest(req, status, detail),
      closing: () => this.closing !== undefined,
      pushEverySeconds: options.pushEverySeconds,
      pushed: (client, message) => this.devices.of(client).sent(message),
      greeted: (client) => this.replayer?.greeted(client),
    });
    this.tokens = new AuthTokens(options.tokenLifetimeSeconds, options.now ? () => options.now!().getTime() : Date.now);
    if (options.clientId !== undefined && options.clientId === '') throw new Error('clientId must not be empty');
    if (options.clientSecret !== undefined && options.clientSecret === '') throw new Error('clientSecret must not be empty');
    this.auth = new AuthApi({
      tokens: this.tokens,
      recorder: this.recorder,
      faults: () => this.faults,
      baseUrl: () => this.url,
      log: (line) => this.log(line),
      clientId: options.clientId,
      clientSecret: options.clientSecret,
    });
    this.internalHttp1 = createAuthHttp1Server(
      () => this.auth,
      (req, res) => {
        if (this.closing || !isMediaPath((req.url ?? '').split('?')[0]!)) return false;
        void serveMediaOverHttp1(req, res, this.recorder);
        return true;
      },
    );
    this.internal = http2.createServer();
    this.internal.on('session', (s) => this.onSession(s));
    this.internal.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.internal.on('error', (err) => this.log(`server error: ${err.message}`));
  }

  get record(): EmulatorRecord {
    return this.recorder.record;
  }

  get replay(): ReplayStatus | undefined {
    return this.replayer?.status;
  }

  async start(): Promise<void> {
    const { options } = this;
    if ((options.cert === undefined) !== (options.key === undefined)) {
      throw new Error('TLS certificate and key must be given together');
    }
    if (options.pushEverySeconds !== undefined && !(options.pushEverySeconds > 0 && options.pushEverySeconds * 1000 <= MAX_TIMER_MS)) {
      throw new Error(`pushEverySeconds must be a positive number of at most ${Math.floor(MAX_TIMER_MS / 1000)}`);
    }
    if (options.replay !== undefined) {
      let script;
      try {
        script = await loadReplay(options.replay);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new Error(`cannot replay ${options.replay}: ${e.code ?? e.message}`);
      }
      this.replayer = new Replay(script, {
        log: (line) => this.log(line),
        push: (client, message) => this.downchannels.pushTo(client, message),
      });
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
      const [internalPort, http1Port] = await Promise.all([listenLoopback(this.internal), listenLoopback(this.internalHttp1)]);
      this.front = new FrontListener(
        { h2: { host: '127.0.0.1', port: internalPort }, http1: { host: '127.0.0.1', port: http1Port } },
        {
          opened: () => this.connectionOpened(),
          classified: (id, protocol) => this.connectionClassified(id, protocol),
          closed: (id) => this.connectionClosed(id),
          ping: (id) => this.pingReceived(id),
          handshakeTimedOut: (id) => this.log(`conn ${id} closed: no HTTP/2 preface or request within ${this.limits.handshakeTimeoutMs / 1000} s (handshake timeout)`),
          refused: (max) => this.log(`connection refused: ${max} connections are open (the cap; raise it with --max-connections)`),
        },
        this.limits,
        tlsOptions,
      );
      const host = options.host ?? '127.0.0.1';
      const bound = await this.front.listen(host, options.port ?? 0);
      this.port = bound.port;
      this.address = bound.address;
      this.url = publicUrl(host, this.port, options.tls === true);
    } catch (err) {
      this.internal.close();
      this.internalHttp1.close();
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
    const n = this.downchannels.pushToAll(message);
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
    this.replayer?.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.idle.clear();
    for (const wake of this.sleepers) wake();
    await Promise.race([this.downchannels.endAll(), this.delay(300)]);
    for (const s of this.sessions.keys()) if (!s.closed && !s.destroyed) s.close();
    const frontClosed = this.front.close();
    const internalClosed = new Promise<void>((r) => this.internal.close(() => r()));
    const http1Closed = new Promise<void>((r) => this.internalHttp1.close(() => r()));
    this.internalHttp1.closeAllConnections();
    const allSessionsClosed = Promise.all(
      [...this.sessions.keys()].map((s) => (s.destroyed ? undefined : new Promise<void>((r) => s.once('close', () => r())))),
    );
    await Promise.race([allSessionsClosed, this.delay(CLOSE_GRACE_MS)]);
    for (const s of this.sessions.keys()) if (!s.destroyed) s.destroy();
    this.front.destroyAll();
    await Promise.race([Promise.all([frontClosed, internalClosed, http1Closed]), this.delay(CLOSE_GRACE_MS)]);
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

  private connectionClassified(id: number, protocol: 'h2' | 'http/1.1'): void {
    const c = this.connections.get(id);
    if (!c) return;
    c.protocol = protocol;
    this.recorder.changed();
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
    session.on('close', () => {
      this.idle.busy(session);
      this.sessions.delete(session);
    });
    if (this.closing) {
      session.destroy();
      return;
    }
    const conn = this.front.connectionByUpstreamPort(session.socket?.remotePort);
    this.sessions.set(session, newSessionState(conn?.id ?? 0));
    this.idle.quiet(session);
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
    this.idle.busy(stream.session!);
    stream.on('close', () => {
      state.openStreams--;
      if (state.openStreams === 0) {
        state.onIdle?.();
        if (stream.session) this.idle.quiet(stream.session);
      }
    });
    const method = headers[':method'] ?? '';
    const rawPath = headers[':path'] ?? '';
    const path = rawPath.split('?')[0]!;
    if (isAuthPath(path) && !this.closing) {
      // Recorded in `record.auth` (parameter names only): the query carries codes, tokens, the secret.
      void serveAuthOverH2(this.auth, stream, headers);
      return;
    }
    if (isMediaPath(path) && !this.closing) {
      // Recorded in `record.media`; no token needed, as for a stream URL on a CDN.
      void serveMediaOverH2(stream, headers, this.recorder);
      return;
    }
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
    const refusal = refuseToken(this.tokens, this.options.token, token);
    if (token === undefined || refusal !== undefined) {
      this.reject(stream, req, 401, refusal ?? 'Authentication failed: invalid or missing CLOVA access token');
      return;
    }
    if (this.options.strictUserAgent && !isValidUserAgent(headers['user-agent'])) {
      this.reject(stream, req, 400, 'Invalid or missing User-Agent: expected Manufacturer/Product/x.y.z (OS;HW)');
      return;
    }
    if (method === 'GET' && path === '/v1/directives') this.downchannels.open(stream, req, state, token);
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
      push: (c, m) => this.downchannels.pushTo(c, m),
      nextSeed: () => ++this.seed,
      sleep: (ms) => this.sleep(ms),
      voice: this.voice,
      devices: this.devices,
      baseUrl: () => this.url,
      answerer: this.replayer ? (event) => this.replayer!.handler(event) : undefined,
    }).start();
  }
}

/** Starts a CIC emulator (spec section 7) and resolves once it is listening. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = new CicEmulator(options);
  await emulator.start();
  return emulator;
}

import { AuthError, ConnectionError, ServerError, TimeoutError } from '../protocol/errors.js';
import { ReconnectBackoff, type BackoffOptions, type ReconnectReason } from './backoff.js';
import { CicConnection, type EndpointOptions } from './connection.js';
import type { DirectiveIntake } from './dispatch.js';
import type { TimerHandle, Timers } from './timers.js';

/** What the link needs: where, who, how patient, and where the downchannel's directives go. */
export interface LinkOptions {
  url: URL;
  endpoint: EndpointOptions;
  backoff?: BackoffOptions;
  timers: Timers;
  intake: DirectiveIntake;
  trace(line: string): void;
  notice(line: string): void;
  /** The link's state changed: greeted on a downchannel, or lost it and working on a new one. */
  status?(change: LinkStatus): void;
  /**
   * True when someone shows the status changes (a session): the lines that tell a one-shot command
   * about a lost connection and each reconnect attempt are then left to the trace.
   */
  statusShown?(): boolean;
}

/** A change of the link's state, as a session shows it (`reconnecting…`, `connected`). */
export interface LinkStatus {
  phase: 'connected' | 'reconnecting';
  /** reconnecting: what was lost (GOAWAY, downchannel ended, dead PING, connection closed). */
  reason?: string;
  /** connected: the connection's number in this client (1 for the first). */
  connectionId?: number;
  /** connected: how many times the link was lost and found again so far. */
  reconnects: number;
}

/**
 * The client's hold on CIC: one usable connection at a time, greeted on its downchannel (spec 1.3,
 * 2). It opens the first one, moves to a new one on GOAWAY, a dead PING or a closed connection,
 * reopens an ended downchannel on the same connection, backs off between attempts (spec 2.3) and
 * decides which failures are worth another attempt.
 */
export class CicLink {
  private readonly backoff: ReconnectBackoff;
  private conn: CicConnection | undefined;
  private establishing: Promise<CicConnection> | undefined;
  private reopening: Promise<void> | undefined;
  private everConnected = false;
  /** True once close() was called: nothing new starts. */
  closing = false;
  private readonly connections = new Set<CicConnection>();
  /** Until when first contact may keep retrying (429, 5xx, GOAWAY); undefined: no limit. */
  private connectDeadline: number | undefined;
  private readonly waits = new Map<TimerHandle, () => void>();
  /** What was last told through `status`: a loss is told once, and so is its repair. */
  private shown: 'connected' | 'reconnecting' | undefined;
  private reconnects = 0;
  /** Connections opened so far: each one's number (conn#N, connectionId) counts in this client only. */
  private opened = 0;

  constructor(private readonly opts: LinkOptions) {
    this.backoff = new ReconnectBackoff(opts.timers, opts.backoff);
  }

  /** Opens the connection and the downchannel and waits for Clova.Hello; `timeoutMs` bounds first-contact retries. */
  async connect(options: { timeoutMs?: number } = {}): Promise<void> {
    this.connectDeadline = options.timeoutMs !== undefined ? this.opts.timers.now() + options.timeoutMs : undefined;
    try {
      await this.ready();
    } finally {
      this.connectDeadline = undefined;
    }
  }

  /**
   * A connection whose downchannel is open and greeted and which has not had GOAWAY: events are
   * never posted before Hello (spec 1.3). Waits for a reopening downchannel or a new connection.
   */
  async ready(): Promise<CicConnection> {
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

  /**
   * Opens a new connection and downchannel now, with the endpoint's current token (after a
   * refresh, spec 2.6), and moves to it; the old connection finishes what it carries.
   */
  async renew(): Promise<void> {
    if (this.establishing) await this.establishing.catch(() => undefined);
    this.establishing = this.establish().finally(() => {
      this.establishing = undefined;
    });
    await this.establishing;
  }

  /** ready(), bounded: a voice turn must not wait forever for a connection that never comes back. */
  async readyWithin(ms: number, name: string): Promise<CicConnection> {
    const { timers } = this.opts;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = timers.setTimeout(
        () => reject(new TimeoutError(`could not send ${name}: no usable connection to the server within ${ms} ms; check the server, or raise --timeout`)),
        ms,
      );
    });
    const ready = this.ready();
    try {
      return await Promise.race([ready, timeout]);
    } finally {
      timers.clearTimeout(timer);
      ready.catch(() => undefined);
    }
  }

  /** Closes every connection at once and cuts reconnect pauses short, so a closed client keeps no timer alive. */
  close(): void {
    this.closing = true;
    for (const [handle, resolve] of this.waits) {
      this.opts.timers.clearTimeout(handle);
      resolve();
    }
    this.waits.clear();
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    this.conn = undefined;
  }

  /** A notice about losing and finding the link, unless the status changes are shown instead. */
  private linkNotice(line: string): void {
    if (this.everConnected && this.opts.statusShown?.()) this.opts.trace(line);
    else this.opts.notice(line);
  }

  private lost(reason: string): void {
    if (this.closing || this.shown !== 'connected') return;
    this.shown = 'reconnecting';
    this.opts.status?.({ phase: 'reconnecting', reason, reconnects: this.reconnects });
  }

  private found(conn: CicConnection): void {
    if (this.closing || this.shown === 'connected') return;
    if (this.shown === 'reconnecting') this.reconnects++;
    this.shown = 'connected';
    this.opts.status?.({ phase: 'connected', connectionId: conn.id, reconnects: this.reconnects });
  }

  /** A reconnect pause that close() cuts short. */
  private wait(ms: number): Promise<void> {
    if (ms <= 0 || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = this.opts.timers.setTimeout(() => {
        this.waits.delete(handle);
        resolve();
      }, ms);
      this.waits.set(handle, resolve);
    });
  }

  /** Whether a failed attempt is worth another, and with which backoff; undefined: give up. */
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
    const { trace, timers } = this.opts;
    let reason = first;
    for (let attempt = 0; ; attempt++) {
      if (reason !== undefined || attempt > 0) {
        const delay = this.backoff.nextDelay(reason ?? 'error');
        if (delay > 0) trace(`reconnect: waiting ${delay} ms (${reason ?? 'retry'})`);
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
          const next = timers.now() + this.backoff.peekDelay(r);
          if (next > this.connectDeadline) throw err; // retrying would pass the caller's deadline
        }
        trace(`connection attempt failed (${(err as Error).message}); will retry`);
        this.linkNotice(`${(err as Error).message}; retrying`);
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
      trace(`conn#${conn.id}: ready (Clova.Hello received)`);
      this.found(conn);
      return conn;
    }
  }

  private newConnection(): CicConnection {
    const { url, endpoint, timers, intake, trace } = this.opts;
    const conn = new CicConnection({ id: ++this.opened, url, endpoint, timers, intake, trace });
    this.connections.add(conn);
    conn.on('goaway', () => {
      if (this.conn === conn) {
        this.linkNotice('server sent GOAWAY: moving to a new connection');
        this.lost('GOAWAY');
        this.replace('goaway');
      }
      if (!conn.hasDownchannel) conn.closeGracefully();
    });
    conn.on('dead', (reason: string) => {
      this.linkNotice(`connection lost (${reason}): reconnecting`);
      conn.destroy();
      if (this.conn === conn) {
        this.lost(`connection lost: ${reason}`);
        this.replace('error');
      }
    });
    conn.on('downchannel-ended', () => {
      if (this.closing || this.conn !== conn) {
        if (conn.draining) conn.closeGracefully();
        return;
      }
      if (conn.draining || conn.closed) return;
      trace(`conn#${conn.id}: downchannel ended: reopening`);
      this.lost('downchannel ended');
      this.startReopen(conn);
    });
    conn.on('closed', () => {
      this.connections.delete(conn);
      if (this.conn === conn && !this.closing) {
        this.conn = undefined;
        // After GOAWAY or a dead PING the replacement is already on its way and was announced.
        if (!conn.draining && conn.deadReason === undefined) this.linkNotice('connection closed: reconnecting');
        this.lost('connection closed');
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
      if (!this.closing) this.opts.notice(`reconnect failed: ${err.message}`);
    });
  }

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
        this.found(conn);
        return;
      } catch (err) {
        const r = this.retryable(err);
        if (r === undefined) {
          this.opts.notice(`downchannel could not be reopened: ${(err as Error).message}`);
          throw err;
        }
        if (conn.closed || conn.draining) return; // a new connection takes over
        reason = r;
      }
    }
  }
}

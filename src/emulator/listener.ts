import net from 'node:net';
import tls from 'node:tls';
import { PingFrameFilter } from './frame-filter.js';

/** One accepted client connection and its pipe to the internal HTTP/2 server. */
export interface FrontConnection {
  readonly id: number;
  /** Local port of the pipe's socket to the internal server, i.e. the session's remote port there. */
  upstreamPort?: number;
}

/** Listens on an ephemeral loopback port (an internal server behind the front); resolves with it. */
export function listenLoopback(server: net.Server): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** The HTTP/2 client connection preface: a connection that starts otherwise speaks HTTP/1.1. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Where the listener pipes connections: the internal h2c server, and the HTTP/1.1 one for the Auth API. */
export interface Upstreams {
  h2: { host: string; port: number };
  http1: { host: string; port: number };
}

/** What the listener reports to the emulator. */
export interface ListenerHooks {
  /** A connection was accepted; returns its id. */
  opened(): number;
  /** The connection's first bytes told what it speaks. */
  classified(id: number, protocol: 'h2' | 'http/1.1'): void;
  closed(id: number): void;
  /** A client PING arrived on connection `id`; return true to drop it (no ACK will be sent). */
  ping(id: number): boolean;
  /** Connection `id` sent no complete preface (or first request bytes) in time and was closed. */
  handshakeTimedOut(id: number): void;
  /** A connection was refused because `max` were open (the cap). */
  refused(max: number): void;
}

/** How long a connection may take to say what it speaks, and how many may be open at once. */
export interface ListenerLimits {
  handshakeTimeoutMs: number;
  maxConnections: number;
}

/**
 * The public side of the emulator: a TCP (h2c) or TLS (ALPN h2, http/1.1) listener that pipes every
 * connection to the internal h2c server through a PING frame filter. Node's HTTP/2 stack
 * acknowledges PINGs by itself, so the `no-ping-ack` fault has to drop them before they reach it;
 * piping every connection lets the fault be switched on at run time.
 *
 * The Auth API must also answer HTTP/1.1 clients (Node's `fetch`) on the same port, and Node's
 * cleartext HTTP/2 server cannot take HTTP/1.1: so the first bytes of each connection decide. The
 * HTTP/2 preface goes to the h2c server; anything else to the internal HTTP/1.1 server, through the
 * same kind of pipe (handing a socket whose first bytes were already read to `http.Server` relies
 * on `unshift` surviving its native read path, which a pipe does not need).
 */
export class FrontListener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly byUpstreamPort = new Map<number, FrontConnection>();
  private readonly hooks: ListenerHooks;
  private readonly upstreams: Upstreams;
  private readonly limits: ListenerLimits;

  constructor(
    upstreams: Upstreams,
    hooks: ListenerHooks,
    limits: ListenerLimits,
    tlsOptions?: { key: string; cert: string },
  ) {
    this.upstreams = upstreams;
    this.hooks = hooks;
    this.limits = limits;
    if (tlsOptions) {
      const server = tls.createServer({
        key: tlsOptions.key,
        cert: tlsOptions.cert,
        ALPNProtocols: ['h2', 'http/1.1'],
        handshakeTimeout: limits.handshakeTimeoutMs,
      });
      server.on('secureConnection', (socket) => this.accept(socket));
      // A failed handshake is the client's problem; it must not take the emulator down.
      server.on('tlsClientError', () => undefined);
      this.server = server;
    } else {
      this.server = net.createServer((socket) => this.accept(socket));
    }
    this.server.on('error', () => undefined);
    // Node counts every accepted socket (TLS ones before their handshake too) and drops the rest.
    this.server.maxConnections = limits.maxConnections;
    this.server.on('drop', () => this.hooks.refused(limits.maxConnections));
  }

  /** Starts listening; resolves with the bound address and port. */
  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /** The front connection whose pipe uses this local port towards the internal server. */
  connectionByUpstreamPort(port: number | undefined): FrontConnection | undefined {
    return port === undefined ? undefined : this.byUpstreamPort.get(port);
  }

  /** Stops accepting; resolves once every connection is gone (call `destroyAll` to hurry it). */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Drops every client connection at once. */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    const conn: FrontConnection = { id: this.hooks.opened() };
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.hooks.closed(conn.id);
    });
    let head = Buffer.alloc(0);
    // A socket that never finishes its preface (or never sends a byte) must not hold a descriptor forever.
    const handshake = setTimeout(() => {
      this.hooks.handshakeTimedOut(conn.id);
      socket.destroy();
    }, this.limits.handshakeTimeoutMs);
    handshake.unref();
    socket.on('close', () => clearTimeout(handshake));
    const sniff = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, H2_PREFACE.length);
      const h2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (h2 && n < H2_PREFACE.length) return;
      socket.off('data', sniff);
      clearTimeout(handshake);
      socket.pause();
      const protocol = h2 ? 'h2' : 'http/1.1';
      this.hooks.classified(conn.id, protocol);
      this.pipe(socket, conn, protocol, head);
    };
    socket.on('data', sniff);
  }

  /** Connects the client's socket to the internal server for its protocol, `head` first. */
  private pipe(socket: net.Socket, conn: FrontConnection, protocol: 'h2' | 'http/1.1', head: Buffer): void {
    const filter = protocol === 'h2' ? new PingFrameFilter(() => this.hooks.ping(conn.id)) : undefined;
    const target = protocol === 'h2' ? this.upstreams.h2 : this.upstreams.http1;
    let upstream: net.Socket | undefined;
    const upstreamSocket = net.connect({ host: target.host, port: target.port }, () => {
      // Registered before any client byte is forwarded, so the server can always map its session.
      conn.upstreamPort = upstreamSocket.localPort;
      if (conn.upstreamPort !== undefined) this.byUpstreamPort.set(conn.upstreamPort, conn);
      upstream = upstreamSocket;
      const forward = (chunk: Buffer) => {
        let flowing = true;
        for (const piece of filter ? filter.filter(chunk) : [chunk]) flowing = upstreamSocket.write(piece);
        if (!flowing) {
          socket.pause();
          upstreamSocket.once('drain', () => socket.resume());
        }
      };
      forward(head);
      socket.on('data', forward);
      socket.on('end', () => upstreamSocket.end());
      upstreamSocket.pipe(socket);
      socket.resume();
    });
    upstreamSocket.setNoDelay(true);
    upstreamSocket.on('error', () => socket.destroy());
    upstreamSocket.on('close', () => {
      if (conn.upstreamPort !== undefined) this.byUpstreamPort.delete(conn.upstreamPort);
      // Let the last bytes (GOAWAY, close delimiters) drain to the client before closing it.
      if (!socket.destroyed) socket.end();
    });
    socket.on('close', () => (upstream ?? upstreamSocket).destroy());
  }
}

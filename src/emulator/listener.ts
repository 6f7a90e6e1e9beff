import net from 'node:net';
import tls from 'node:tls';
import { PingFrameFilter } from './frame-filter.js';

/** One accepted client connection and its pipe to the internal HTTP/2 server. */
export interface FrontConnection {
  readonly id: number;
  /** Local port of the pipe's socket to the internal server, i.e. the session's remote port there. */
  upstreamPort?: number;
}

/** What the listener reports to the emulator. */
export interface ListenerHooks {
  /** A connection was accepted; returns its id. */
  opened(): number;
  closed(id: number): void;
  /** A client PING arrived on connection `id`; return true to drop it (no ACK will be sent). */
  ping(id: number): boolean;
}

/**
 * The public side of the emulator: a TCP (h2c) or TLS (ALPN h2) listener that pipes every
 * connection to the internal h2c server through a PING frame filter. Node's HTTP/2 stack
 * acknowledges PINGs by itself, so the `no-ping-ack` fault has to drop them before they reach it;
 * piping every connection lets the fault be switched on at run time.
 */
export class FrontListener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly byUpstreamPort = new Map<number, FrontConnection>();
  private readonly hooks: ListenerHooks;
  private readonly upstream: { host: string; port: number };

  constructor(
    upstream: { host: string; port: number },
    hooks: ListenerHooks,
    tlsOptions?: { key: string; cert: string },
  ) {
    this.upstream = upstream;
    this.hooks = hooks;
    if (tlsOptions) {
      const server = tls.createServer({ key: tlsOptions.key, cert: tlsOptions.cert, ALPNProtocols: ['h2'] });
      server.on('secureConnection', (socket) => this.accept(socket));
      // A failed handshake is the client's problem; it must not take the emulator down.
      server.on('tlsClientError', () => undefined);
      this.server = server;
    } else {
      this.server = net.createServer((socket) => this.accept(socket));
    }
    this.server.on('error', () => undefined);
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
    const filter = new PingFrameFilter(() => this.hooks.ping(conn.id));
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    let upstream: net.Socket | undefined;
    const upstreamSocket = net.connect({ host: this.upstream.host, port: this.upstream.port }, () => {
      // Registered before any client byte is forwarded, so the server can always map its session.
      conn.upstreamPort = upstreamSocket.localPort;
      if (conn.upstreamPort !== undefined) this.byUpstreamPort.set(conn.upstreamPort, conn);
      upstream = upstreamSocket;
      socket.on('data', (chunk: Buffer) => {
        let flowing = true;
        for (const piece of filter.filter(chunk)) flowing = upstreamSocket.write(piece);
        if (!flowing) {
          socket.pause();
          upstreamSocket.once('drain', () => socket.resume());
        }
      });
      socket.on('end', () => upstreamSocket.end());
      upstreamSocket.pipe(socket);
    });
    upstreamSocket.setNoDelay(true);
    upstreamSocket.on('error', () => socket.destroy());
    upstreamSocket.on('close', () => {
      if (conn.upstreamPort !== undefined) this.byUpstreamPort.delete(conn.upstreamPort);
      // Let the last bytes (GOAWAY, close delimiters) drain to the client before closing it.
      if (!socket.destroyed) socket.end();
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      (upstream ?? upstreamSocket).destroy();
      this.hooks.closed(conn.id);
    });
  }
}

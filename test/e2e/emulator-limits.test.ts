import http2 from 'node:http2';
import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startEmulatorCommand } from '../helpers/emulator-command.js';
import { emulator } from '../helpers/emulator.js';

/** Resolves once the socket closes. */
function closed(socket: net.Socket | http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

function rawSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

describe('emulator connection limits', () => {
  it('closes a TCP socket that never sends the HTTP/2 preface', async () => {
    const lines: string[] = [];
    const e = await emulator({ handshakeTimeoutSeconds: 0.1, log: (l) => lines.push(l) });
    const s = await rawSocket(e.port);
    await closed(s);
    expect(lines.some((l) => /handshake/.test(l))).toBe(true);
  });

  it('closes an HTTP/2 session with no open stream, but keeps one that holds a stream open', async () => {
    const e = await emulator({ idleTimeoutSeconds: 0.2 });
    const busy = http2.connect(e.url);
    busy.on('error', () => undefined);
    const down = busy.request({ ':method': 'GET', ':path': '/v1/directives', authorization: 'Bearer t' });
    down.on('error', () => undefined);
    await new Promise<void>((r) => down.once('response', () => r()));
    const idle = http2.connect(e.url);
    idle.on('error', () => undefined);
    // The idle session started its timer after the busy one opened: if the busy one were
    // treated as idle, it would have closed first.
    await closed(idle);
    expect(busy.closed || busy.destroyed).toBe(false);
    busy.destroy();
  });

  it('refuses connections beyond the cap with a log line', async () => {
    const lines: string[] = [];
    const e = await emulator({ maxConnections: 2, log: (l) => lines.push(l) });
    const a = await rawSocket(e.port);
    const b = await rawSocket(e.port);
    await e.waitFor((r) => r.connections.length >= 2);
    const c = await rawSocket(e.port);
    await closed(c);
    expect(lines.some((l) => /refused.*2 connections/.test(l))).toBe(true);
    expect(a.destroyed || b.destroyed).toBe(false);
    a.destroy();
    b.destroy();
  });
});

describe('clova-cli emulator connection flags', () => {
  it('--handshake-timeout and --max-connections reach the emulator', async () => {
    const emu = startEmulatorCommand(['--handshake-timeout', '0.1', '--max-connections', '1']);
    try {
      const { url } = await emu.ready;
      const port = Number(new URL(url).port);
      const first = await rawSocket(port);
      const second = await rawSocket(port);
      await closed(second);
      await closed(first);
      await vi.waitFor(() => expect(emu.log()).toMatch(/handshake timeout/));
      expect(emu.log()).toMatch(/connection refused: 1 connections are open/);
    } finally {
      await emu.stop();
    }
  });

  it('rejects a bad --max-connections with one line and exit 2', async () => {
    const r = await runCli(['emulator', '--port', '0', '--max-connections', '0']);
    expect(r.stderr).toMatch(/--max-connections "0"/);
    expect(r.code).toBe(2);
  });
});

import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { buildDirective } from '../../src/protocol/messages.js';
import { MultipartEncoder } from '../../src/protocol/multipart-encoder.js';

const JSON_PART = [['Content-Type', 'application/json; charset=utf-8']] as const;
const servers = new Set<http2.Http2Server>();

afterEach(async () => {
  await Promise.all([...servers].map((s) => new Promise<void>((r) => s.close(() => r()))));
  servers.clear();
});

/**
 * An HTTP/2 peer that greets the downchannel with Hello, then misbehaves in a way the client's own
 * HTTP/2 stack refuses: `huge-headers` answers every event with 1.6 MB of response headers;
 * `ping-flood` sends PINGs on the session in a tight loop once the downchannel is open.
 */
export async function refusalPeer(kind: 'huge-headers' | 'ping-flood'): Promise<{ url: string }> {
  const server = http2.createServer({ maxSendHeaderBlockLength: 4 * 1024 * 1024, maxOutstandingPings: 1_000_000 } as http2.ServerOptions);
  server.on('session', (s) => s.on('error', () => undefined));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers[':path'] === '/v1/directives') {
      const enc = new MultipartEncoder();
      stream.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
      stream.write(enc.part(JSON_PART, JSON.stringify(buildDirective('Clova', 'Hello', {}))));
      if (kind === 'ping-flood') {
        const session = stream.session!;
        const flood = () => {
          for (let i = 0; i < 2000 && !session.destroyed && !session.closed; i++) {
            try {
              session.ping(() => undefined);
            } catch {
              return;
            }
          }
          if (!session.destroyed && !session.closed) setImmediate(flood);
        };
        flood();
      }
      return;
    }
    if (kind === 'huge-headers') {
      try {
        stream.respond({ ':status': 200, 'x-padding': 'a'.repeat(1_600_000) });
      } catch {
        stream.close();
      }
    }
  });
  servers.add(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

import { performance } from 'node:perf_hooks';
import type { ClovaError } from '../protocol/errors.js';
import { CicConnection, type EndpointOptions } from './connection.js';
import type { DirectiveIntake } from './dispatch.js';
import { ResponseReader } from './response-reader.js';
import { systemTimers } from './timers.js';

/** What a probe of a CIC server found (times in milliseconds, measured with performance.now()). */
export interface ProbeResult {
  /** The step that failed, if one did: the connection (TCP, TLS, ALPN, SETTINGS), Clova.Hello, or the PING. */
  failedAt?: 'connect' | 'hello' | 'ping';
  error?: ClovaError;
  /** TCP, TLS and the server's HTTP/2 SETTINGS. */
  connectMs?: number;
  /** What ALPN agreed ('h2'; 'h2c' for cleartext). */
  alpn?: string;
  /** From opening the downchannel to Clova.Hello (undefined: not tried, or it failed). */
  helloMs?: number;
  /** One PING round trip. */
  pingMs?: number;
}

/**
 * One connection to CIC the way a request command opens it (same TLS, CA and ALPN settings, the
 * same one-line failures), then the downchannel's Clova.Hello (only with `hello`: it needs a
 * token) and one PING round trip; then closes. Every step is bounded by `endpoint.helloTimeoutMs`
 * (the PING by `pingTimeoutMs`). Never throws: a failure is in the result.
 */
export async function probeCic(options: {
  url: URL;
  endpoint: EndpointOptions;
  hello: boolean;
  pingTimeoutMs: number;
  trace(line: string): void;
}): Promise<ProbeResult> {
  const { url, endpoint, trace } = options;
  // The probe only waits for the greeting: every directive of the downchannel is dropped.
  const intake: DirectiveIntake = {
    reader: (boundary, origin) =>
      new ResponseReader(
        boundary,
        {
          directive: (m) => {
            const h = m.directive.header;
            if (origin.hello && h.namespace === 'Clova' && h.name === 'Hello') {
              const greeted = origin.hello;
              origin.hello = undefined;
              greeted();
            }
            return 'discard';
          },
          audio: () => undefined,
          trace,
        },
        undefined,
        true,
      ),
  };
  const conn = new CicConnection({ id: 1, url, endpoint, timers: systemTimers, intake, trace });
  const result: ProbeResult = {};
  let step: NonNullable<ProbeResult['failedAt']> = 'connect';
  try {
    let t = performance.now();
    await conn.connect();
    result.connectMs = performance.now() - t;
    result.alpn = conn.alpnProtocol ?? (url.protocol === 'http:' ? 'h2c' : undefined);
    if (options.hello) {
      step = 'hello';
      t = performance.now();
      await conn.openDownchannel();
      result.helloMs = performance.now() - t;
    }
    step = 'ping';
    result.pingMs = await conn.ping(options.pingTimeoutMs);
  } catch (err) {
    result.failedAt = step;
    result.error = err as ClovaError;
  } finally {
    conn.destroy();
  }
  return result;
}

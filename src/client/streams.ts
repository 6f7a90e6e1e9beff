import type { ClientHttp2Stream } from 'node:http2';
import { addAbortSignal } from 'node:stream';

// How the client ends a request stream it gives up on, whichever room opened it.

/**
 * Cancels a request stream: RST_STREAM CANCEL and nothing else. `Http2Stream.close(CANCEL)` would
 * first end the request body (END_STREAM), so that a cut-off upload looks complete to the server
 * for a moment; destroying it through an abort signal sends the reset alone (measured).
 */
export function cancelStream(stream: ClientHttp2Stream): void {
  if (stream.closed || stream.destroyed) return;
  const abort = new AbortController();
  addAbortSignal(abort.signal, stream);
  abort.abort();
}

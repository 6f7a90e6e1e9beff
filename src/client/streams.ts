import http2, { type ClientHttp2Stream } from 'node:http2';
import { addAbortSignal } from 'node:stream';
import type { ResponseReader } from './response-reader.js';

// Two things every request stream of the client needs, whichever room opened it.

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

/**
 * Pipes a response stream into a reader with backpressure (the stream pauses while the
 * attachment file catches up). Resolves when the body ended cleanly.
 */
export function pipeToReader(stream: ClientHttp2Stream, reader: ResponseReader): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      void reader.abort().finally(() => reject(err));
    };
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        const wait = reader.write(chunk);
        if (wait) {
          stream.pause();
          void wait.then(() => stream.resume());
        }
      } catch (err) {
        fail(err as Error);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
    stream.on('end', () => {
      if (failed) return;
      reader.end().then(resolve, (err: Error) => fail(err));
    });
    stream.on('error', (err) => fail(err));
    stream.on('close', () => {
      if (!stream.readableEnded) fail(new Error(`stream closed before its body ended (code ${stream.rstCode})`));
    });
  });
}

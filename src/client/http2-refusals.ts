/**
 * When the client's own HTTP/2 stack (Node's nghttp2) refuses what a server sent, its errors read
 * as if the server had failed ("Flooding was detected…", "Stream closed with error code
 * NGHTTP2_ENHANCE_YOUR_CALM"). These say what really happened; they stay network/server errors
 * (exit 4): the server misbehaved, the client only protected itself.
 */
import http2 from 'node:http2';

/** The client's default limit on a response's header list (Node's maxHeaderListSize default). */
const HEADER_LIST_LIMIT = 64 * 1024;

/** A plain sentence for a refusal by the client's HTTP/2 stack, or undefined when `err` is not one. */
export function describeClientRefusal(err: { code?: string; message?: string } | undefined, rstCode?: number): string | undefined {
  const message = err?.message ?? '';
  if (/Flooding was detected/i.test(message) || (err?.code === 'ERR_HTTP2_SESSION_ERROR' && /ENHANCE_YOUR_CALM/.test(message))) {
    return 'the client closed the connection: the server sent too many PINGs or other control frames to answer (flood protection)';
  }
  if (rstCode === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM || /NGHTTP2_ENHANCE_YOUR_CALM/.test(message)) {
    return `the server sent response headers larger than the client accepts (${HEADER_LIST_LIMIT / 1024} KiB limit), and the client reset the stream`;
  }
  return undefined;
}

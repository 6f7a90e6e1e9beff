import type { ClientHttp2Stream } from 'node:http2';
import { AuthError, ServerError, type ClovaError } from '../protocol/errors.js';
import { multipartBoundary } from '../protocol/content-type.js';
import { MultipartDecoder } from '../protocol/multipart-decoder.js';
import { JsonPartAccumulator } from '../protocol/json-part.js';
import { asDirectiveMessage } from '../protocol/messages.js';

const MAX_ERROR_BODY = 64 * 1024;

/** Reads a (small) error body and returns the System.Exception description in it, if any. */
export async function readExceptionDescription(
  stream: ClientHttp2Stream,
  contentType: string | undefined,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve) => {
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_ERROR_BODY) chunks.push(c);
      else stream.close();
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  const body = Buffer.concat(chunks);
  const boundary = multipartBoundary(contentType);
  if (boundary) {
    let found: string | undefined;
    let acc: JsonPartAccumulator | undefined;
    const decoder = new MultipartDecoder(boundary, {
      partBegin: (h) => {
        acc = h.isJson ? new JsonPartAccumulator(MAX_ERROR_BODY) : undefined;
      },
      partData: (c) => void acc?.add(c),
      partEnd: () => {
        if (!acc || found !== undefined) return;
        try {
          const m = asDirectiveMessage(acc.parse());
          if (typeof m !== 'string' && m.directive.header.name === 'Exception') {
            const d = m.directive.payload?.description;
            found = typeof d === 'string' ? d : JSON.stringify(m.directive.payload);
          }
        } catch {
          /* not JSON: no description */
        }
      },
    });
    try {
      decoder.write(body);
      decoder.end();
    } catch {
      /* a broken error body still leaves the status */
    }
    if (found !== undefined) return found;
  }
  const text = body.toString('utf8').trim();
  return text.length > 0 && text.length < 300 && !/[\u0000-\u0008]/.test(text) ? text : undefined;
}

/** Maps a non-2xx status (and the server's description) on `what` to the right error class. */
export function statusError(what: string, status: number, description: string | undefined): ClovaError {
  const detail = description ? `: ${description}` : '';
  if (status === 401 || status === 403) {
    return new AuthError(
      `${what} was rejected with ${status}${detail}; check CLOVA_ACCESS_TOKEN (or the emulator's --token)`,
      status,
    );
  }
  if (status === 429) {
    return new ServerError(`${what} was refused with 429 Too Many Requests${detail}`, status, description, 'E_TOO_MANY');
  }
  const hint =
    status >= 500
      ? '; the server failed, try again later'
      : status === 412
        ? '; the downchannel was gone: try again'
        : '; the server refused the request: rerun with --verbose to see the exchange';
  return new ServerError(`${what} failed with status ${status}${detail}${hint}`, status, description);
}

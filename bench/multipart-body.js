// Multipart bodies shaped like CIC responses: small JSON directive parts and large binary parts.
import { randomBytes } from 'node:crypto';
import { MultipartEncoder } from '../dist/protocol/index.js';

export const MiB = 1024 * 1024;
export const KiB = 1024;

const JSON_HEADERS = [
  ['Content-Disposition', 'form-data; name="speakDirective-836d8db7-5e72-4fb2-9834-7c59291e1f8e"'],
  ['Content-Type', 'application/json; charset=utf-8'],
];
const BINARY_HEADERS = [
  ['Content-Disposition', 'form-data; name="attachment-39b2f844-b168-4dc2-bea7-d5c249e446e3"'],
  ['Content-ID', 'd329085c-379e-48aa-b871-7ecebdbe831d'],
  ['Content-Type', 'application/octet-stream'],
];

/** A Speak directive of a few hundred bytes. */
export function directiveJson(i) {
  return JSON.stringify({
    directive: {
      header: {
        namespace: 'SpeechSynthesizer',
        name: 'Speak',
        messageId: `dd4d463e-85a3-4514-927e-${String(i).padStart(12, '0')}`,
        dialogRequestId: '4e4080d6-c440-498a-bb73-ae86c6312806',
      },
      payload: {
        format: 'AUDIO_MPEG',
        token: 'e81f7dec-63fb-453d-8bd8-6944bed9a306',
        ttsLang: 'ko',
        url: 'cid:d329085c-379e-48aa-b871-7ecebdbe831d',
        'x-clova-pause-before': 0,
      },
    },
  });
}

/**
 * The whole body in memory: `count` pairs of (JSON part, `partBytes` random binary part).
 * Returns the body, its boundary, and the number of parts and body bytes a decoder must find.
 */
export function buildBody(count, partBytes) {
  const enc = new MultipartEncoder(randomBytes(30).toString('hex')); // 60 hex characters, as CIC sends
  const pieces = [];
  let payloadBytes = 0;
  for (let i = 0; i < count; i++) {
    const json = Buffer.from(directiveJson(i));
    const bin = randomBytes(partBytes);
    pieces.push(enc.part(JSON_HEADERS, json), enc.part(BINARY_HEADERS, bin));
    payloadBytes += json.length + bin.length;
  }
  pieces.push(enc.end());
  const body = Buffer.concat(pieces);
  const delimiter = Buffer.from(`\r\n--${enc.boundary}`);
  // Random bytes could in theory contain the delimiter: check (2 * count - 1 part delimiters + the close).
  let found = 0;
  for (let i = body.indexOf(delimiter); i >= 0; i = body.indexOf(delimiter, i + delimiter.length)) found++;
  if (found !== 2 * count) throw new Error(`bench body has ${found} delimiters, expected ${2 * count}`);
  return { body, boundary: enc.boundary, parts: 2 * count, payloadBytes };
}

/**
 * Generates a multipart body of about `totalBytes` on the fly, in fresh `chunkSize` buffers (as a
 * socket would deliver them), from a small random pool: nothing but the current chunk is kept.
 */
export function* streamBody(totalBytes, partBytes, chunkSize, boundary) {
  const pool = randomBytes(64 * KiB);
  const enc = new MultipartEncoder(boundary);
  let produced = 0;
  let pending = [];
  let pendingBytes = 0;
  let poolPos = 0;
  const flush = function* (final) {
    while (pendingBytes >= chunkSize || (final && pendingBytes > 0)) {
      const n = Math.min(chunkSize, pendingBytes);
      const out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const head = pending[0];
        const take = Math.min(head.length, n - filled);
        head.copy(out, filled, 0, take);
        filled += take;
        if (take === head.length) pending.shift();
        else pending[0] = head.subarray(take);
      }
      pendingBytes -= n;
      produced += n;
      yield out;
    }
  };
  const push = (b) => {
    pending.push(b);
    pendingBytes += b.length;
  };
  for (let i = 0; produced + pendingBytes < totalBytes; i++) {
    push(enc.part(JSON_HEADERS, directiveJson(i)));
    yield* flush(false);
    push(enc.beginPart(BINARY_HEADERS));
    for (let left = partBytes; left > 0; ) {
      const take = Math.min(left, pool.length - poolPos, chunkSize);
      push(pool.subarray(poolPos, poolPos + take));
      poolPos = (poolPos + take) % pool.length;
      left -= take;
      yield* flush(false);
    }
  }
  push(enc.end());
  yield* flush(true);
}

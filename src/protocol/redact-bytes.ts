/**
 * Secrets out of bytes that go into a shared file (the attachments and audio a `--record` keeps,
 * base64-encoded, where text redaction cannot see them). Each occurrence of a secret's bytes is
 * overwritten with the same number of `*` (0x2A): the attachment keeps its length, so a record's
 * byte counts and offsets stay true, and no marker has to fit in. A chunked stream is redacted
 * across chunk boundaries: bytes that could begin a secret are held back until the next chunk
 * (or the end) shows whether they do. Pure: no I/O.
 */

const FILLER = 0x2a;

/** `bytes` with every occurrence of every secret overwritten by filler, in place. */
export function fillSecrets(bytes: Buffer, secrets: readonly Buffer[]): Buffer {
  for (const s of secrets) {
    if (s.length === 0) continue;
    for (let at = bytes.indexOf(s); at >= 0; at = bytes.indexOf(s, at + s.length)) bytes.fill(FILLER, at, at + s.length);
  }
  return bytes;
}

/** Length of the longest end of `bytes` that is the start of some secret (shorter than it). */
function heldBack(bytes: Buffer, secrets: readonly Buffer[]): number {
  let keep = 0;
  for (const s of secrets) {
    for (let n = Math.min(s.length - 1, bytes.length); n > keep; n--) {
      if (bytes.subarray(bytes.length - n).equals(s.subarray(0, n))) {
        keep = n;
        break;
      }
    }
  }
  return keep;
}

export interface BytesRedactor {
  /** The bytes that are now safe to keep (fewer than pushed when the end might begin a secret). */
  push(chunk: Uint8Array): Buffer;
  /** What was held back, redacted. */
  end(): Buffer;
}

export function redactBytesStream(secrets: readonly Buffer[]): BytesRedactor {
  let pending = Buffer.alloc(0);
  return {
    push(chunk) {
      const all = fillSecrets(Buffer.concat([pending, chunk]), secrets);
      const keep = heldBack(all, secrets);
      pending = Buffer.from(all.subarray(all.length - keep));
      return all.subarray(0, all.length - keep);
    },
    end() {
      const rest = fillSecrets(pending, secrets);
      pending = Buffer.alloc(0);
      return rest;
    },
  };
}

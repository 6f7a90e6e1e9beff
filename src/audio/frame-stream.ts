import { findFrame, frameAt, frameMs, id3Length, type FrameHeader } from './frames.js';

/** Whole frames that came in one piece of the input: `data` is exactly their bytes, back to back. */
export interface FrameBatch {
  data: Buffer;
  frames: FrameHeader[];
}

/** Bytes at the start of a stream in which the first frame must be found (else it is not audio). */
export const MAX_LEADING_JUNK = 256 * 1024;

/** The input is not MPEG audio or AAC (ADTS): no frame in its first MAX_LEADING_JUNK bytes. */
export class NotAudioError extends Error {}

/**
 * True when an MPEG frame's first bytes hold a Xing tag: the stream is VBR, and its first frame's
 * bitrate says nothing of where a time falls (a LAME `Info` tag marks a constant bitrate).
 */
export function isVbrHead(head: Buffer): boolean {
  return head.includes('Xing', 0, 'latin1') || head.includes('VBRI', 0, 'latin1');
}

/**
 * Splits compressed audio (MP3, AAC in ADTS) into whole frames, one batch per piece of input (a
 * live stream is never held back waiting for more): a leading ID3v2 tag and bytes before the first
 * frame are dropped (a stream entered in the middle, after an HTTP Range request, is aligned), a
 * lost sync is found again, a last partial frame is dropped. Throws NotAudioError when no frame
 * comes in the first MAX_LEADING_JUNK bytes (an HTML error page served as audio, say). Holds at
 * most one partial frame between pieces.
 */
export async function* audioFrames(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: { maxJunk?: number; first?: (byteOffset: number, frame: FrameHeader, head: Buffer) => void } = {},
): AsyncGenerator<FrameBatch> {
  const maxJunk = options.maxJunk ?? MAX_LEADING_JUNK;
  let buf: Buffer = Buffer.alloc(0);
  /** Bytes of the input before buf[0]. */
  let consumed = 0;
  let skip = 0; // bytes of an ID3 tag still to drop
  let started = false; // the first frame was found
  let kind: FrameHeader['kind'] | undefined;
  let junk = 0;
  let tagChecked = false;
  for await (const piece of source) {
    let chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (skip > 0) {
      const n = Math.min(skip, chunk.length);
      skip -= n;
      consumed += n;
      chunk = chunk.subarray(n);
    }
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (!tagChecked) {
      if (buf.length < 10) continue;
      tagChecked = true;
      const tag = id3Length(buf);
      if (tag > 0) {
        const n = Math.min(tag, buf.length);
        skip = tag - n;
        consumed += n;
        buf = buf.subarray(n);
      }
    }
    const frames: FrameHeader[] = [];
    let start = -1;
    let pos = 0;
    while (pos + 7 <= buf.length) {
      const f = started ? frameAt(buf, pos) : undefined;
      if (f && f.kind === kind) {
        if (pos + f.bytes > buf.length) break; // the rest of it comes with the next piece
        if (start < 0) start = pos;
        frames.push(f);
        pos += f.bytes;
        continue;
      }
      if (frames.length > 0) break; // batch the frames so far; the next round resyncs
      const at = findFrame(buf, pos, kind);
      if (at === undefined) {
        const dropped = Math.max(0, buf.length - 3); // the last bytes may begin a header
        if (!started) junk += dropped - pos;
        pos = dropped;
        break;
      }
      if (!started) {
        junk += at - pos;
        started = true;
        const f = frameAt(buf, at)!;
        kind = f.kind;
        options.first?.(consumed + at, f, buf.subarray(at, at + Math.min(f.bytes, 64)));
      }
      pos = at;
    }
    if (!started && junk > maxJunk) throw new NotAudioError('no MPEG audio or AAC (ADTS) frame in the first 256 KiB');
    if (frames.length > 0) {
      const end = pos;
      const data = buf.subarray(start, end);
      consumed += end;
      buf = Buffer.from(buf.subarray(end));
      yield { data, frames };
    } else {
      consumed += pos;
      buf = Buffer.from(buf.subarray(pos));
    }
  }
}

/** Milliseconds of audio in a batch. */
export function batchMs(batch: FrameBatch): number {
  let ms = 0;
  for (const f of batch.frames) ms += frameMs(f);
  return ms;
}

/** Passes batches on, telling the milliseconds of audio in each as it goes. */
export async function* timed(batches: AsyncIterable<FrameBatch>, add: (ms: number) => void): AsyncGenerator<FrameBatch> {
  for await (const b of batches) {
    add(batchMs(b));
    yield b;
  }
}

/**
 * The audio from `skipMs` on, as buffers of whole frames: it starts at the first frame that begins
 * at or after that time.
 */
export async function* framesFrom(batches: AsyncIterable<FrameBatch>, skipMs: number): AsyncGenerator<Buffer> {
  let at = 0;
  for await (const batch of batches) {
    if (at >= skipMs) {
      yield batch.data;
      continue;
    }
    let offset = 0;
    let i = 0;
    for (; i < batch.frames.length && at < skipMs - 0.5; i++) {
      at += frameMs(batch.frames[i]!);
      offset += batch.frames[i]!.bytes;
    }
    if (offset < batch.data.length) yield batch.data.subarray(offset);
  }
}

/**
 * The lines of a session record, read with bounds: no line longer than `maxLine` bytes, no file
 * larger than `maxTotal` bytes. A record is ours to read but not ours to trust (`--replay
 * /dev/zero` must end with one clear line, not grow a string until V8 gives up). Independent of
 * any shared file helper on purpose: it streams, line by line.
 */
import { createReadStream } from 'node:fs';

export interface RecordLineBounds {
  maxLine: number;
  maxTotal: number;
}

/** A line holds at most one attachment or audio chunk in base64 (the writer's chunks are far smaller). */
export const REPLAY_BOUNDS: RecordLineBounds = { maxLine: 16 * 1024 * 1024, maxTotal: 512 * 1024 * 1024 };

/** Yields each line (without its LF or CRLF); throws an Error naming the line or the size that is too much. */
export async function* readRecordLines(path: string, bounds: RecordLineBounds = REPLAY_BOUNDS): AsyncGenerator<string> {
  const input = createReadStream(path, { highWaterMark: 64 * 1024 });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;
  let n = 0;
  const take = (last: Buffer): string => {
    n++;
    const line = Buffer.concat([...pending, last]).toString('utf8');
    pending = [];
    pendingBytes = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > bounds.maxTotal) throw new Error(`the file is larger than ${bounds.maxTotal} bytes`);
      let start = 0;
      for (let i = chunk.indexOf(10, start); i !== -1; i = chunk.indexOf(10, start)) {
        if (pendingBytes + i - start > bounds.maxLine) throw new Error(`line ${n + 1} is longer than ${bounds.maxLine} bytes`);
        yield take(chunk.subarray(start, i));
        start = i + 1;
      }
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > bounds.maxLine) throw new Error(`line ${n + 1} is longer than ${bounds.maxLine} bytes`);
      if (rest.length > 0) pending.push(Buffer.from(rest));
    }
    if (pendingBytes > 0) yield take(Buffer.alloc(0));
  } finally {
    input.destroy();
  }
}

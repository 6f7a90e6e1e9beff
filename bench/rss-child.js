// Decodes a streamed multipart body generated on the fly and reports resident memory (run by run.js
// in its own process so the 50 MB throughput body does not count). RSS is sampled every 256 KiB;
// process.resourceUsage().maxRSS is not used because Linux carries the parent's high-water mark
// across fork/exec, so a child spawned by a 200 MB parent starts with maxRSS = 200 MB.
// Usage: node bench/rss-child.js <decode|retain> <megabytes>
import { randomBytes } from 'node:crypto';
import { MultipartDecoder } from '../dist/protocol/index.js';
import { KiB, MiB, streamBody } from './multipart-body.js';

const mode = process.argv[2] ?? 'decode';
const totalBytes = Number(process.argv[3] ?? '200') * 1e6;
const boundary = randomBytes(30).toString('hex');

function decode(total, onData) {
  let parts = 0;
  let bytes = 0;
  let streamed = 0;
  let peak = 0;
  let n = 0;
  const quarters = [0, 0, 0, 0];
  const d = new MultipartDecoder(boundary, {
    partBegin() {
      parts++;
    },
    partData(c) {
      bytes += c.length;
      onData(c);
    },
    partEnd() {},
  });
  for (const chunk of streamBody(total, 5 * MiB, 16 * KiB, boundary)) {
    d.write(chunk);
    streamed += chunk.length;
    if ((++n & 15) === 0) {
      const rss = process.memoryUsage().rss;
      const q = Math.min(3, Math.floor((4 * streamed) / total));
      quarters[q] = Math.max(quarters[q], rss);
      peak = Math.max(peak, rss);
    }
  }
  d.end();
  if (!d.finished) throw new Error('decoder did not finish');
  return { parts, bytes, streamed, sampledPeak: Math.max(peak, process.memoryUsage().rss), quarters };
}

// Warm up (JIT, generator, pool) on 20 MB, then take the baseline.
decode(20e6, () => {});
const before = process.memoryUsage().rss;
const kept = [];
const t0 = process.hrtime.bigint();
const r = decode(totalBytes, mode === 'retain' ? (c) => kept.push(c) : () => {});
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(
  JSON.stringify({ mode, ...r, before, peak: r.sampledPeak, seconds, kept: kept.length }) + '\n',
);

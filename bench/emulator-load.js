// The emulator under many requests: a real `clova-cli emulator` process, and from this process raw
// node:http2 sessions (each with its downchannel open and greeted, as the emulator requires) sending
// `hello` as TextRecognizer.Recognize events, a few in flight per session, each answer read whole.
// The emulator's VmRSS is read from /proc when the first 10 % of the answers are in and again when
// the last is: an emulator that keeps something per request grows between the two.
import { openRawSession } from './client.js';
import { startEmulatorProcess } from './processes.js';
import { vmRss } from './proc.js';
import { fmt } from './stats.js';

/** Rejects after `ms` with `what` in the message. */
function bounded(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Sends `total` requests over `connections` sessions with `inFlight` requests each; bounded by `deadlineMs`. */
export async function emulatorLoad({ total = 120000, connections = 2, inFlight = 8, deadlineMs = 300_000 } = {}) {
  const emulator = await startEmulatorProcess();
  const r = { total, connections, inFlight, done: 0, idleRss: vmRss(emulator.pid) };
  const sessions = [];
  const started = Date.now();
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, vmRss(emulator.pid) ?? 0);
  }, 10);
  try {
    for (let c = 0; c < connections; c++) {
      sessions.push(await bounded(openRawSession(emulator.url, `bench-load-${c}`), 20000, 'downchannel and Hello'));
    }
    r.connectedRss = vmRss(emulator.pid);
    const tenth = Math.ceil(total / 10);
    let issued = 0;
    let stop = false;
    const worker = async (session) => {
      while (!stop && issued < total) {
        issued++;
        const answer = await session.sendText('hello');
        if (answer.status !== 200 || answer.bytes === 0) throw new Error(`answer ${answer.status} with ${answer.bytes} bytes`);
        r.done++;
        if (r.done === tenth) {
          r.tenthRss = vmRss(emulator.pid);
          r.tenthSeconds = (Date.now() - started) / 1000;
        }
      }
    };
    const workers = [];
    for (const s of sessions) for (let i = 0; i < inFlight; i++) workers.push(worker(s));
    const all = Promise.all(workers);
    try {
      await bounded(all, deadlineMs, `${total} requests`);
    } catch (e) {
      stop = true;
      all.catch(() => undefined);
      throw e;
    }
    r.endRss = vmRss(emulator.pid);
    r.seconds = (Date.now() - started) / 1000;
  } catch (e) {
    r.error = `${e.message} (${r.done} of ${total} answered)`;
  } finally {
    clearInterval(sampler);
    r.peakRss = Math.max(peak, r.tenthRss ?? 0, r.endRss ?? 0);
    await Promise.allSettled(sessions.map((s) => bounded(s.close(), 5000, 'session close')));
    const stopped = await emulator.stop();
    if (stopped.killed) r.note = 'the emulator did not exit within 10 s of SIGTERM';
  }
  return r;
}

export function emulatorLoadMarkdown(r) {
  const mb = (b) => (b === undefined ? 'n/a' : fmt(b / 1e6, 1));
  const lines = ['## Emulator under many requests', ''];
  lines.push(
    'Path: a separate `node bin/clova-cli.js emulator --port 0 --quiet` process (no faults), and from the bench ' +
      `process ${r.connections} raw \`node:http2\` sessions (each with its downchannel open and greeted, a token of its ` +
      `own) keeping ${r.inFlight} \`hello\` TextRecognizer.Recognize events in flight each, every answer (directives ` +
      `and MP3) read whole, ${fmt(r.total)} requests in all. The emulator's VmRSS is read from /proc when ` +
      'the first 10 % of the answers are in and when the last is; peak sampled every 10 ms. Target once nothing is ' +
      'kept per request: end / 10 % ≤ 1.1. The run is long enough (120,000 requests) for the 10 % sample to come ' +
      'after V8\'s heap has grown to its working size: over 30,000 requests the same emulator measured 96.9 MB at ' +
      '10 % and 111.1 MB at the end, and over 120,000 113.4 MB at 10 % and 114.3 MB at the end (2026-11-29), so ' +
      'the rise in a short run is warm-up, not a record that grows. MB = 10^6 bytes.',
  );
  lines.push('');
  lines.push('| Requests answered | Wall s | Requests/s | RSS idle (MB) | after 10 % | at end | Peak | **End / 10 %** |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  const ratio = r.tenthRss && r.endRss ? fmt(r.endRss / r.tenthRss, 2) : 'n/a';
  lines.push(
    `| ${fmt(r.done)}${r.error ? ` (n/a: ${r.error})` : ''} | ${r.seconds ? fmt(r.seconds, 1) : 'n/a'} | ` +
      `${r.seconds ? fmt(r.done / r.seconds, 0) : 'n/a'} | ${mb(r.idleRss)} | ${mb(r.tenthRss)} | ${mb(r.endRss)} | ` +
      `${mb(r.peakRss)} | **${ratio}**${r.note ? ` (${r.note})` : ''} |`,
  );
  lines.push('');
  return lines;
}

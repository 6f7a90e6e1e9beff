// Downchannel JSON cost, in its own process (run by json-cost.js): a downchannel body carrying one
// ~4 MB directive JSON part is fed to the client's ResponseReader in the mode the downchannel uses
// (`early` = true: a directive counts as soon as its JSON is complete, spec 2.2), either in 1 KiB
// chunks (as a server writing 1 KiB DATA frames delivers it) or in one piece (the baseline). Prints
// one JSON line: CPU time (best of the runs), peak RSS, and the directives that came out.
// Usage: node --expose-gc bench/json-child.js <first|later> <items|aligned> <chunk bytes|whole> <max runs>
//   first:   the big directive is the downchannel's first part; later: it follows Clova.Hello.
//   items:   a RenderTemplate-like list of ~100-byte items (a chunk ends in `}` now and then);
//   aligned: 1 KiB items laid out so that every 1 KiB chunk ends in `}` (the worst case).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ResponseReader } from '../dist/client/response-reader.js';
import { MultipartEncoder, buildDirective } from '../dist/protocol/index.js';

const [position = 'later', content = 'items', chunkArg = '1024', runsArg = '1'] = process.argv.slice(2);
const BIG = 4_000_000; // under the reader's 4 MiB limit for a JSON part
const WARM_UP = 200_000; // a small body first, so JIT warm-up is not in the figure either way
const JSON_HEADERS = [
  ['Content-Disposition', 'form-data; name="renderTemplateDirective-4f0c2d35-8b5e-4a8e-9d7c-0f4b3e2a1c6d"'],
  ['Content-Type', 'application/json; charset=utf-8'],
];

/** The big directive's JSON text; `firstPad` lengthens the first item (to align the others). */
function bigJson(target, firstPad) {
  const head = JSON.stringify(buildDirective('TemplateRuntime', 'RenderTemplate', { type: 'ListTemplate', items: [] }));
  const open = head.slice(0, head.indexOf('"items":[') + '"items":['.length);
  const close = head.slice(open.length); // ']}}}' and the rest
  const items = [];
  let size = open.length + close.length;
  for (let i = 0; size < target; i++) {
    let item;
    if (content === 'aligned') {
      // Every item after the first is 1023 bytes plus its comma: each `}` lands 1024 bytes after the last.
      const want = i === 0 ? firstPad : 1023;
      const bare = JSON.stringify({ n: i, text: '' });
      item = JSON.stringify({ n: i, text: 'x'.repeat(Math.max(0, want - bare.length)) });
    } else {
      item = JSON.stringify({ title: `Item ${i}`, subtitle: `Subtitle of item ${i}`, imageUrl: `https://example.com/img/${i}.png` });
    }
    items.push(item);
    size += item.length + (i > 0 ? 1 : 0);
  }
  return open + items.join(',') + close;
}

/** The whole downchannel body and where the big JSON begins in it. */
function buildBody(boundary, target, firstPad) {
  const enc = new MultipartEncoder(boundary);
  const pieces = [];
  if (position === 'later') pieces.push(enc.part(JSON_HEADERS, JSON.stringify(buildDirective('Clova', 'Hello', {}))));
  const head = enc.beginPart(JSON_HEADERS);
  const json = Buffer.from(bigJson(target, firstPad));
  const jsonAt = pieces.reduce((n, b) => n + b.length, 0) + head.length;
  pieces.push(head, json, enc.end());
  return { body: Buffer.concat(pieces), jsonAt, jsonBytes: json.length };
}

const boundary = randomBytes(30).toString('hex');
const chunkSize = chunkArg === 'whole' ? Infinity : Number(chunkArg);

/** The body for a JSON of about `target` bytes, cut as the run asks. */
function chunked(target) {
  let built = buildBody(boundary, target, 1023);
  if (content === 'aligned' && Number.isFinite(chunkSize)) {
    // Make the first item end exactly on a chunk boundary; the others follow every 1024 bytes.
    const firstEnd = built.body.indexOf('}', built.body.indexOf('"items":[', built.jsonAt));
    const shift = (chunkSize - ((firstEnd + 1) % chunkSize)) % chunkSize;
    built = buildBody(boundary, target, 1023 + shift);
  }
  const { body } = built;
  const size = Number.isFinite(chunkSize) ? chunkSize : body.length;
  const chunks = [];
  for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
  return { chunks, body, jsonBytes: built.jsonBytes };
}

/** Feeds a whole body once; returns the names of the directives delivered. */
async function feed(chunks) {
  const got = [];
  const reader = new ResponseReader(
    boundary,
    { directive: (m) => (got.push(m.directive.header.name), 'discard'), audio: () => undefined, trace: () => undefined },
    undefined,
    true,
  );
  for (const c of chunks) await reader.write(c);
  await reader.end();
  return got;
}

const vmHwm = () => {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
  return m ? Number(m[1]) * 1024 : undefined;
};
await feed(chunked(WARM_UP).chunks);
const { chunks, body, jsonBytes } = chunked(BIG);
const endingInBrace = chunks.filter((c) => c[c.length - 1] === 0x7d).length;
let got;
globalThis.gc?.();
const before = process.memoryUsage.rss();
let hwmReset = false;
try {
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS (Linux 4.0+)
  hwmReset = true;
} catch {
  // Without it the peak is only what the per-chunk samples saw.
}
let sampled = before;
let best = Infinity;
let spent = 0;
let runs = 0;
// Best of up to `maxRuns` runs, stopping once half a second of CPU is spent (a slow run counts once).
const maxRuns = Number(runsArg);
while (runs < maxRuns && (runs === 0 || spent < 0.5)) {
  const t = process.cpuUsage();
  got = await feed(chunks);
  const d = process.cpuUsage(t);
  const seconds = (d.user + d.system) / 1e6;
  best = Math.min(best, seconds);
  spent += seconds;
  runs++;
  sampled = Math.max(sampled, process.memoryUsage.rss());
}
const peak = hwmReset ? Math.max(vmHwm() ?? 0, sampled) : sampled;
process.stdout.write(
  JSON.stringify({
    position,
    content,
    chunk: chunkArg,
    chunks: chunks.length,
    endingInBrace,
    jsonBytes,
    bodyBytes: body.length,
    cpuSeconds: best,
    runs,
    before,
    peak,
    peakFrom: hwmReset ? 'VmHWM' : 'samples',
    directives: got,
  }) + '\n',
);

// Downchannel JSON cost: the client's ResponseReader (multipart decoder + JSON part accumulator, in
// the downchannel's "deliver as soon as the JSON is complete" mode) fed a ~4 MB directive JSON part
// in 1 KiB chunks versus the same body in one piece (the baseline), each in its own child process
// (bench/json-child.js) so that its peak memory is its own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt } from './stats.js';

const child = fileURLToPath(new URL('./json-child.js', import.meta.url));

function run(position, content, chunk, maxRuns) {
  const r = spawnSync(process.execPath, ['--expose-gc', child, position, content, chunk, String(maxRuns)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.error?.code === 'ETIMEDOUT') return { error: 'no result within 300 s' };
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status ?? r.signal}`).trim().split('\n').at(-1) };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

export function jsonCost() {
  const cases = [
    ['later', 'aligned', 'after Clova.Hello', 'worst case: every 1 KiB chunk ends in `}`'],
    ['first', 'aligned', 'first part', 'worst case: every 1 KiB chunk ends in `}`'],
    ['later', 'items', 'after Clova.Hello', 'list of ~90-byte items (a chunk ends in `}` now and then)'],
  ];
  return cases.map(([position, content, where, what]) => ({
    where,
    what,
    dripped: run(position, content, '1024', 5),
    whole: run(position, content, 'whole', 5),
  }));
}

export function jsonCostMarkdown(rows) {
  const mb = (b) => fmt(b / 1e6, 1);
  const lines = ['## Downchannel JSON part: 1 KiB chunks versus one piece', ''];
  lines.push(
    'Path: the client\'s `ResponseReader` (dist/client/response-reader.js: `MultipartDecoder` + `JsonPartAccumulator`) ' +
      'in the mode the downchannel uses (a directive is handed out as soon as its JSON is complete, before the next ' +
      'delimiter), fed a downchannel body whose big part is a ~4 MB `TemplateRuntime.RenderTemplate` directive ' +
      '(under the 4 MiB JSON part limit), then the close delimiter. "1 KiB chunks": the whole body cut into 1024-byte ' +
      'writes, as a server sending 1 KiB DATA frames delivers it; baseline: the same body in one write. Each run is a ' +
      'fresh process (`node --expose-gc`, GC forced before measuring); CPU = user + system time of the feeding, best ' +
      'of up to 5 runs (stopping after 0.5 s of CPU), after a warm-up on a 200 kB body; peak RSS is VmHWM (reset ' +
      'before the runs), growth = peak − RSS before the runs. Target once the part is parsed once: ratio ≈ 1-3. ' +
      'MB = 10^6 bytes.',
  );
  lines.push('');
  lines.push(
    '| Big part | Content | Chunks (ending in `}`) | CPU s, 1 KiB chunks | CPU s, one piece | **CPU ratio** | Peak RSS, chunks (MB) | growth | Peak RSS, one piece | growth | Directives out |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const d = r.dripped;
    const w = r.whole;
    if (d.error || w.error) {
      lines.push(`| ${r.where} | ${r.what} | n/a: ${d.error ?? w.error} | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${r.where} | ${r.what} | ${fmt(d.chunks)} (${fmt(d.endingInBrace)}) | ${fmt(d.cpuSeconds, 3)} | ${fmt(w.cpuSeconds, 3)} | ` +
        `**${fmt(d.cpuSeconds / w.cpuSeconds, 1)}** | ${mb(d.peak)} | ${mb(d.peak - d.before)} | ${mb(w.peak)} | ` +
        `${mb(w.peak - w.before)} | ${d.directives.join(', ')} |`,
    );
  }
  lines.push('');
  return lines;
}

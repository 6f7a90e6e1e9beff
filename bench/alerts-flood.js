// Peak RSS of the real CLI (`chat`, piped stdin: the session with the alerts device) against a
// hostile HTTP/2 server on 127.0.0.1 that answers one text turn with 10,000 SetAlert directives,
// against the same with 10 SetAlert directives, in one run: the ratio should stay <= 1.3 (issue 17:
// before the report queue it was 417 MB). Runnable alone: `node bench/alerts-flood.js` (needs dist/).
import http2 from 'node:http2';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';

const CLI = fileURLToPath(new URL('../bin/clova-cli.js', import.meta.url));
const MB = 1e6;

function vmHwm(pid) {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function directive(namespace, name, payload) {
  return { directive: { header: { namespace, name, messageId: randomUUID() }, payload } };
}

/** A server answering the first TextRecognizer event with `n` SetAlert directives; every other event 204. */
async function floodServer(n) {
  const boundary = `flood${randomUUID().replace(/-/g, '')}`;
  const part = (obj) => `--${boundary}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(obj)}\r\n`;
  const at = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const server = http2.createServer();
  let reports = 0;
  server.on('session', (s) => s.on('error', () => undefined));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers[':path'] === '/v1/directives') {
      stream.respond({ ':status': 200, 'content-type': `multipart/related; boundary=${boundary}` });
      stream.write(part(directive('Clova', 'Hello', {})));
      return;
    }
    let body = '';
    stream.setEncoding('latin1');
    stream.on('data', (d) => (body += d));
    stream.on('end', () => {
      if (stream.destroyed) return;
      if (!body.includes('"TextRecognizer"')) {
        reports++;
        stream.respond({ ':status': 204 }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': `multipart/related; boundary=${boundary}` });
      const parts = [];
      for (let i = 0; i < n; i++) parts.push(part(directive('Alerts', 'SetAlert', { token: `flood-${i}`, type: 'TIMER', scheduledTime: at })));
      stream.end(`${parts.join('')}--${boundary}--\r\n`);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, server, reports: () => reports };
}

/** Runs `chat` with one line on stdin against a flood of `n`; its peak RSS (VmHWM) and output size. */
async function run(n) {
  const { url, server, reports } = await floodServer(n);
  try {
    const child = spawn(process.execPath, [CLI, 'chat', '--server', url], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CLOVA_ACCESS_TOKEN: 'bench-token', XDG_CONFIG_HOME: '/nonexistent-clova-bench', NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let peak = 0;
    let out = 0;
    let errLines = 0;
    child.stdout.on('data', (d) => (out += d.length));
    child.stderr.on('data', (d) => (errLines += String(d).split('\n').length - 1));
    const poll = setInterval(() => (peak = Math.max(peak, vmHwm(child.pid) ?? 0)), 5);
    child.stdin.end('set timers\n');
    const code = await new Promise((r) => child.on('close', r));
    clearInterval(poll);
    return { n, code, peak, out, errLines, reports: reports() };
  } finally {
    server.close();
  }
}

export async function alertsFlood({ big = 10_000, small = 10 } = {}) {
  const base = await run(small);
  const flood = await run(big);
  return { base, flood, ratio: flood.peak / base.peak };
}

export function alertsFloodMarkdown(r) {
  const row = (x) => `| ${x.n.toLocaleString('en-US')} SetAlert | ${(x.peak / MB).toFixed(1)} | ${x.reports} | ${x.errLines} | ${x.code} |`;
  return [
    '## Alerts flood (chat against a hostile server)',
    '',
    '| answer | peak RSS (MB) | report events received | stderr lines | exit |',
    '|---|---:|---:|---:|---:|',
    row(r.base),
    row(r.flood),
    '',
    `Peak RSS ratio, ${r.flood.n.toLocaleString('en-US')} vs ${r.base.n} SetAlert: **${r.ratio.toFixed(2)}** (want <= 1.3).`,
    '',
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await alertsFlood();
  process.stdout.write(`${alertsFloodMarkdown(r).join('\n')}\n`);
}

// Soak: one `clova-cli chat` session kept open for SOAK_SECONDS (default 600) on the whole path a user
// runs: a `clova-cli emulator --port 0 --push-every 1 --fault drop-downchannel-after=20` process (a
// Notifier.Notify on every downchannel after Hello and then every second; every downchannel ended
// 20 s after its Hello, so the client reconnects about every 21 s), and
// `clova-cli chat --server <url> --json --no-play` with CLOVA_ACCESS_TOKEN set and standard input a
// pipe the bench keeps open, typing "what time is it" about once a minute.
// Counted: the pushes the emulator logged ("conn N stream M push Notifier.Notify" on its stderr) and
// the `directive` lines with Notifier.Notify from source "downchannel" chat printed (must be equal);
// chat's `session` lines `reconnecting`; turns typed, `request` lines and `response` lines with 200
// for one of those requests. Chat's VmRSS is read from /proc once warmed up (at 30 s, after the first
// turn) and at the end.
// The end is made so that nothing is in flight: once the last turn is answered, the emulator is
// stopped (SIGTERM: it ends every downchannel with its close delimiter, so every push it logged is
// on the wire before the end, and stops pushing); chat reads to that end (a `reconnecting` line),
// then its standard input is closed and it must exit 0.
// Run alone with `node bench/soak.js` (after `npm run build`), or call soak()/soakMarkdown().
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CLI, ROOT, cleanEnv, waitExit } from './processes.js';
import { vmRss } from './proc.js';
import { fmt } from './stats.js';

const PUSH_EVERY_SECONDS = 1;
const DROP_AFTER_SECONDS = 20;
const EARLY_SECONDS = 30;
const FIRST_TURN_SECONDS = 15;
const TURN_EVERY_SECONDS = 60;
const TURN_TEXT = 'what time is it';
const TICK_MS = 250;

/** The soak's length: SOAK_SECONDS (at least 10), default 600. */
export function soakSeconds(env = process.env) {
  const raw = env.SOAK_SECONDS;
  if (raw === undefined || raw === '') return 600;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 10) throw new Error(`SOAK_SECONDS must be a number of seconds, 10 or more (got "${raw}")`);
  return n;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `condition()` is true (polled), or with false after `ms`. */
async function until(condition, ms) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Calls `onLine` for each line of `stream`, keeping the last `keep` lines for error messages. */
function readLines(stream, onLine, keep = 8) {
  const tail = [];
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    onLine(line);
    tail.push(line);
    if (tail.length > keep) tail.shift();
  });
  return () => tail.join(' | ').slice(-600);
}

/** Starts the emulator process (not --quiet: its request log is what counts the pushes). */
async function startSoakEmulator() {
  const child = spawn(
    CLI,
    ['emulator', '--port', '0', '--push-every', String(PUSH_EVERY_SECONDS), '--fault', `drop-downchannel-after=${DROP_AFTER_SECONDS}`],
    { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = { pushes: 0, downchannels: 0, drops: 0, recognizes: 0 };
  const stderrTail = readLines(child.stderr, (line) => {
    if (/^conn \d+ stream \d+ push Notifier\.Notify$/.test(line)) log.pushes++;
    else if (/ GET \/v1\/directives -> 200 downchannel open$/.test(line)) log.downchannels++;
    else if (/ fault drop-downchannel-after: downchannel ended$/.test(line)) log.drops++;
    else if (/ POST \/v1\/events TextRecognizer\.Recognize -> 200/.test(line)) log.recognizes++;
  });
  let url;
  readLines(child.stdout, (line) => {
    url ??= /listening on (http:\/\/\S+)/.exec(line)?.[1];
  });
  child.on('error', () => undefined);
  if (!(await until(() => url !== undefined || child.exitCode !== null, 20000)) || url === undefined) {
    child.kill('SIGKILL');
    throw new Error(`clova-cli emulator did not listen within 20 s: ${stderrTail()}`);
  }
  return { child, url, log, stderrTail };
}

/** Runs the soak; resolves with its counts and memory figures. `step` reports progress. */
export async function soak({ seconds = soakSeconds(), step = () => undefined } = {}) {
  const emulator = await startSoakEmulator();
  const r = {
    seconds,
    shown: 0,
    reconnects: 0,
    shutdownReconnects: 0,
    typed: 0,
    requests: 0,
    answered: 0,
    errors: 0,
    otherStdout: 0,
    stopping: false,
  };
  const requestIds = new Set();
  let ready = false;
  let chat;
  try {
    chat = spawn(CLI, ['chat', '--server', emulator.url, '--json', '--no-play'], {
      cwd: ROOT,
      env: cleanEnv({ CLOVA_ACCESS_TOKEN: 'bench-soak-token' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    chat.on('error', () => undefined);
    chat.stdin.on('error', () => undefined);
    const chatStderr = readLines(chat.stderr, () => undefined);
    readLines(chat.stdout, (line) => {
      let m;
      try {
        m = JSON.parse(line);
      } catch {
        r.otherStdout++;
        return;
      }
      const h = m.directive?.header;
      if (m.type === 'directive' && m.source === 'downchannel' && h?.namespace === 'Notifier' && h?.name === 'Notify') r.shown++;
      else if (m.type === 'session' && m.event === 'ready') ready = true;
      else if (m.type === 'session' && m.event === 'reconnecting') {
        if (r.stopping) r.shutdownReconnects++;
        else r.reconnects++;
      } else if (m.type === 'request') {
        r.requests++;
        requestIds.add(m.dialogRequestId);
      } else if (m.type === 'response' && m.status === 200 && requestIds.delete(m.dialogRequestId)) r.answered++;
      else if (m.type === 'error') {
        r.errors++;
        r.lastError ??= m.message ?? JSON.stringify(m);
      }
    });
    const chatGone = () => chat.exitCode !== null || chat.signalCode !== null;
    const failIfGone = (when) => {
      if (chatGone()) throw new Error(`chat exited (${chat.exitCode ?? chat.signalCode}) ${when}: ${chatStderr()}`);
    };
    if (!(await until(() => ready || chatGone(), 30000))) throw new Error(`chat printed no session ready line within 30 s: ${chatStderr()}`);
    failIfGone('before its session was ready');

    step(`chat session soak for ${fmt(seconds)} s (SOAK_SECONDS)`);
    const t0 = Date.now();
    const elapsed = () => (Date.now() - t0) / 1000;
    const earlyAt = Math.min(EARLY_SECONDS, seconds / 2);
    let nextTurn = Math.min(FIRST_TURN_SECONDS, seconds / 4);
    let nextReport = 60;
    r.peakRss = 0;
    while (elapsed() < seconds) {
      failIfGone(`after ${fmt(elapsed(), 1)} s of the soak`);
      const rss = vmRss(chat.pid);
      if (rss !== undefined) r.peakRss = Math.max(r.peakRss, rss);
      if (r.earlyRss === undefined && elapsed() >= earlyAt) {
        r.earlyAt = elapsed();
        r.earlyRss = rss;
        r.emulatorEarlyRss = vmRss(emulator.child.pid);
      }
      if (elapsed() >= nextTurn) {
        chat.stdin.write(`${TURN_TEXT}\n`);
        r.typed++;
        nextTurn += TURN_EVERY_SECONDS;
      }
      if (elapsed() >= nextReport) {
        step(`soak: ${fmt(elapsed())} s, ${emulator.log.pushes} pushed, ${r.shown} shown, ${r.reconnects} reconnects, ${r.answered}/${r.typed} answered`);
        nextReport += 60;
      }
      await sleep(TICK_MS);
    }
    // The last turn may still be in flight: its answer comes before the end is measured.
    await until(() => r.answered >= r.typed || chatGone(), 60000);
    r.wall = elapsed();
    r.endRss = vmRss(chat.pid);
    r.emulatorEndRss = vmRss(emulator.child.pid);
    if (r.endRss !== undefined) r.peakRss = Math.max(r.peakRss, r.endRss);
    failIfGone('at the end of the soak');

    r.stopping = true;
    emulator.child.kill('SIGTERM');
    const emulatorExit = await waitExit(emulator.child, 15000);
    r.emulatorExit = emulatorExit.killed ? 'killed after 15 s' : String(emulatorExit.code ?? emulatorExit.signal);
    r.sawEnd = await until(() => r.shutdownReconnects > 0 || chatGone(), 15000);
    chat.stdin.end();
    const exit = await waitExit(chat, 30000);
    r.exit = exit.killed ? 'killed after 30 s' : String(exit.code ?? exit.signal);
    if (exit.killed || exit.code !== 0) r.chatStderr = chatStderr();
  } finally {
    if (chat && chat.exitCode === null && chat.signalCode === null) chat.kill('SIGKILL');
    if (emulator.child.exitCode === null && emulator.child.signalCode === null) emulator.child.kill('SIGKILL');
  }
  Object.assign(r, {
    pushed: emulator.log.pushes,
    downchannels: emulator.log.downchannels,
    drops: emulator.log.drops,
    recognizes: emulator.log.recognizes,
  });
  r.pushesMatch = r.pushed > 0 && r.pushed === r.shown;
  r.turnsMatch = r.typed > 0 && r.typed === r.requests && r.requests === r.answered;
  r.ok = r.pushesMatch && r.turnsMatch && r.exit === '0';
  return r;
}

const mb = (b) => (b === undefined ? 'n/a' : fmt(b / 1e6, 1));
const ratio = (a, b) => (a && b ? fmt(a / b, 2) : 'n/a');
const fail = (ok, text) => (ok ? text : `**FAIL**: ${text}`);

/** How long, for a title: "10 min", or seconds when not whole minutes. */
export function soakLength(r) {
  return r.seconds % 60 === 0 ? `${fmt(r.seconds / 60)} min` : `${fmt(r.seconds)} s`;
}

/** The soak's rows of the headline table (`r` may be undefined when the soak failed). */
export function soakHeadline(r) {
  const path = '`chat --json` → `emulator --push-every 1`, downchannel dropped every 20 s';
  const label = `Chat soak, ${r ? soakLength(r) : 'n/a'}`;
  if (!r) return [`| ${label} | ${path} | Notifier.Notify pushed = shown; client RSS at end / at 30 s | n/a | equal; ≤ 1.1 |`];
  return [
    `| ${label} | ${path} | Notifier.Notify pushed = shown (reconnects) | ` +
      `${fail(r.pushesMatch, `${fmt(r.pushed)} ${r.pushed === r.shown ? '=' : '≠'} ${fmt(r.shown)}`)} (${fmt(r.reconnects)}) | equal |`,
    `| ${label} | ${path} | turns typed = answered | ${fail(r.turnsMatch, `${r.typed} ${r.typed === r.answered ? '=' : '≠'} ${r.answered}`)} | equal |`,
    `| ${label} | ${path} | client RSS at end / at ${fmt(r.earlyAt ?? EARLY_SECONDS)} s | ${ratio(r.endRss, r.earlyRss)} | ≤ 1.1 |`,
  ];
}

export function soakMarkdown(r) {
  const lines = ['## Chat session soak', ''];
  lines.push(
    `Path: a separate \`node bin/clova-cli.js emulator --port 0 --push-every ${PUSH_EVERY_SECONDS} --fault ` +
      `drop-downchannel-after=${DROP_AFTER_SECONDS}\` process (a Notifier.Notify on every downchannel right after Hello ` +
      `and then every ${PUSH_EVERY_SECONDS} s; every downchannel ended ${DROP_AFTER_SECONDS} s after its Hello), and ` +
      '`node bin/clova-cli.js chat --server <url> --json --no-play` with `CLOVA_ACCESS_TOKEN` set and standard input a ' +
      `pipe kept open for ${fmt(r.seconds)} s (SOAK_SECONDS; default 600), "${TURN_TEXT}" typed at ` +
      `${FIRST_TURN_SECONDS} s and then every ${TURN_EVERY_SECONDS} s. Pushed = the emulator's \`push Notifier.Notify\` ` +
      'log lines; shown = chat\'s `directive` lines with Notifier.Notify from source `downchannel`; they must be equal. ' +
      'Reconnects = chat\'s `session` lines `reconnecting` during the soak; answered = `response` lines with status 200 ' +
      'for one of its `request` lines. At the end, once the last turn is answered, the emulator is stopped (SIGTERM: it ' +
      'ends every downchannel with its close delimiter and stops pushing), chat reads to that end, then its standard ' +
      'input is closed and it must exit 0. Chat\'s VmRSS is read from /proc at ' +
      `${fmt(r.earlyAt ?? EARLY_SECONDS)} s (after the first turn) and at the end (before the emulator is stopped); peak ` +
      'sampled every 250 ms. Target: end / early ≤ 1.1. MB = 10^6 bytes.',
  );
  lines.push('');
  lines.push('| Soak (s) | Pushed | Shown | Pushed = shown | Downchannels opened (ended by the fault) | Reconnects | Turns typed / requests / answered | Exit |');
  lines.push('|---:|---:|---:|---|---:|---:|---:|---|');
  lines.push(
    `| ${fmt(r.wall ?? r.seconds)} | ${fmt(r.pushed)} | ${fmt(r.shown)} | ${r.pushesMatch ? 'yes' : '**FAIL**: no'} | ` +
      `${fmt(r.downchannels)} (${fmt(r.drops)}) | ${fmt(r.reconnects)} | ` +
      `${r.typed} / ${r.requests} / ${r.answered}${r.turnsMatch ? '' : ' **FAIL**'} | ${r.exit === '0' ? '0' : `**FAIL**: ${r.exit}`} |`,
  );
  lines.push('');
  lines.push('| Process | RSS early (MB) | RSS at end (MB) | Peak (MB) | **End / early** |');
  lines.push('|---|---:|---:|---:|---:|');
  lines.push(`| chat | ${mb(r.earlyRss)} | ${mb(r.endRss)} | ${mb(r.peakRss)} | **${ratio(r.endRss, r.earlyRss)}** |`);
  lines.push(`| emulator (informative) | ${mb(r.emulatorEarlyRss)} | ${mb(r.emulatorEndRss)} | | ${ratio(r.emulatorEndRss, r.emulatorEarlyRss)} |`);
  lines.push('');
  const notes = [];
  if (!r.sawEnd) notes.push('chat printed no `reconnecting` line within 15 s of the emulator\'s stop');
  if (r.errors > 0) notes.push(`chat printed ${r.errors} \`error\` line(s), the first: ${r.lastError}`);
  if (r.otherStdout > 0) notes.push(`chat printed ${r.otherStdout} line(s) on stdout that are not JSON`);
  if (r.chatStderr) notes.push(`chat's last stderr lines: ${r.chatStderr}`);
  if (r.emulatorExit !== '0') notes.push(`the emulator exited ${r.emulatorExit} on SIGTERM`);
  if (notes.length > 0) lines.push(`Notes: ${notes.join('; ')}.`, '');
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await soak({ step: (s) => process.stderr.write(`bench: ${s}\n`) });
  console.log([...soakHeadline(r), '', ...soakMarkdown(r)].join('\n'));
  process.exitCode = r.ok ? 0 : 1;
}

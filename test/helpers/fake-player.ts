/**
 * A `--player` for the device tests: a script named `mpg123` (so the client gives it mpg123's gain,
 * `-f <scale>`) that records its argv, takes MP3 from stdin at the pace a real player would (it
 * sleeps for every frame's duration, from the frame headers) and keeps what it was given.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = `#!/usr/bin/env node
import { appendFileSync } from 'node:fs';
const log = process.env.FAKE_PLAYER_LOG;
const out = log + '.' + process.pid + '.mp3';
const note = (o) => appendFileSync(log, JSON.stringify({ pid: process.pid, at: Date.now(), ...o }) + '\\n');
note({ event: 'start', argv: process.argv.slice(2) });
const KBPS = { 1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], 2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160] };
const RATES = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };
let carry = Buffer.alloc(0);
let ms = 0;
let bytes = 0;
const start = Date.now();
function frames(buf) {
  let i = 0;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff || (buf[i + 1] & 0xe0) !== 0xe0) { i++; continue; }
    const v = (buf[i + 1] >> 3) & 3, kbps = KBPS[v === 3 ? 1 : 2][buf[i + 2] >> 4], rate = RATES[v]?.[(buf[i + 2] >> 2) & 3];
    if (!kbps || !rate || ((buf[i + 1] >> 1) & 3) !== 1) { i++; continue; }
    const samples = v === 3 ? 1152 : 576;
    const len = Math.floor(((samples / 8) * 1000 * kbps) / rate) + ((buf[i + 2] >> 1) & 1);
    if (i + len > buf.length) break;
    ms += (samples * 1000) / rate;
    i += len;
  }
  return buf.subarray(i);
}
process.stdin.on('data', (chunk) => {
  bytes += chunk.length;
  appendFileSync(out, chunk);
  carry = frames(Buffer.concat([carry, chunk]));
  const wait = start + ms - Date.now();
  if (wait > 0) {
    process.stdin.pause();
    setTimeout(() => process.stdin.resume(), wait);
  }
});
process.stdin.on('end', () => {
  setTimeout(() => {
    note({ event: 'end', bytes, ms: Math.round(ms) });
    process.exit(0);
  }, Math.max(0, start + ms - Date.now()));
});
`;

export interface PlayerRun {
  pid: number;
  argv: string[];
  startedAt: number;
  /** Set when it played to the end (a killed player has none). */
  end?: { at: number; bytes: number; ms: number };
  /** What it was given on stdin. */
  input(): Buffer;
  /** The gain it was given (mpg123's -f scale / 32768), or undefined for none. */
  gain?: number;
}

export interface FakePlayer {
  /** The --player value. */
  command: string;
  /** Environment the client must pass on (where the log goes). */
  env: Record<string, string>;
  /** Every run so far, in order of start. */
  runs(): PlayerRun[];
}

export function fakePlayer(): FakePlayer {
  const dir = mkdtempSync(join(tmpdir(), 'clova-fake-player-'));
  const command = join(dir, 'mpg123');
  writeFileSync(command, SCRIPT);
  chmodSync(command, 0o755);
  const log = join(dir, 'runs.ndjson');
  return {
    command,
    env: { FAKE_PLAYER_LOG: log },
    runs() {
      if (!existsSync(log)) return [];
      const entries = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { pid: number; at: number; event: string; argv?: string[]; bytes?: number; ms?: number });
      const runs: PlayerRun[] = [];
      for (const e of entries) {
        if (e.event === 'start') {
          const f = e.argv!.indexOf('-f');
          runs.push({
            pid: e.pid,
            argv: e.argv!,
            startedAt: e.at,
            ...(f >= 0 ? { gain: Number(e.argv![f + 1]) / 32768 } : {}),
            input: () => (existsSync(`${log}.${e.pid}.mp3`) ? readFileSync(`${log}.${e.pid}.mp3`) : Buffer.alloc(0)),
          });
        } else {
          const run = runs.find((r) => r.pid === e.pid);
          if (run) run.end = { at: e.at, bytes: e.bytes!, ms: e.ms! };
        }
      }
      return runs;
    },
  };
}

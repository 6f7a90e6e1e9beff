// Small helpers shared by the network and start-up benches.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { buildUserAgent } from '../dist/protocol/index.js';

/** Milliseconds since `t0` (a process.hrtime.bigint() value). */
export function msSince(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

export const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** The User-Agent the CLI would send, so the raw baselines send the same header bytes. */
export function benchUserAgent() {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return buildUserAgent(pkg.version, {
    os: os.type(),
    osRelease: os.release(),
    arch: process.arch,
    nodeVersion: process.versions.node,
  });
}

// Reads another process's resident memory and write counter from /proc (Linux only), so the benches
// that run the real CLI as separate processes can watch them without instrumenting them.
import { readFileSync } from 'node:fs';

/** VmRSS of `pid` in bytes, or undefined once the process is gone (or on a system without /proc). */
export function vmRss(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes `pid` has passed to write()/writev() so far (`wchar` in /proc/<pid>/io): for a client that
 * writes only its socket and a few lines of stdout, how much it has sent.
 */
export function writtenBytes(pid) {
  try {
    const m = /^wchar:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'latin1'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** True when this machine has the /proc files the process benches read. */
export function procAvailable() {
  return vmRss(process.pid) !== undefined && writtenBytes(process.pid) !== undefined;
}

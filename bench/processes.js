// The real CLI as separate processes (an emulator, a client), for the benches that measure the path a
// user runs. Children get no CLOVA_* variables from this machine: only what the bench gives them.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = fileURLToPath(new URL('../bin/clova-cli.js', import.meta.url));

/** This process's environment without CLOVA_* (tokens, URLs) and colour switches, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(CLOVA_|NO_COLOR$|FORCE_COLOR$|NODE_OPTIONS$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Resolves once `child` has exited and its pipes are closed, or after `ms` (then it is killed). */
export function waitExit(child, ms) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode, killed: false });
      return;
    }
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, ms);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, killed });
    });
  });
}

/**
 * Starts `clova-cli emulator --port 0 --quiet ...args` and resolves with its pid and URL once it
 * listens; rejects (after killing it) when it has not said so within `timeoutMs`.
 */
export function startEmulatorProcess(args = [], { timeoutMs = 20000 } = {}) {
  // Run as a user runs it: the executable itself (its shebang).
  const child = spawn(CLI, ['emulator', '--port', '0', '--quiet', ...args], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    if (err.length < 64 * 1024) err += d;
  });
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`clova-cli emulator ${why}${err.trim() ? `: ${err.trim().split('\n').at(-1)}` : ''}`));
    };
    const timer = setTimeout(() => fail(`did not listen within ${timeoutMs} ms`), timeoutMs);
    child.on('error', (e) => fail(`could not start (${e.message})`));
    child.on('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({
        pid: child.pid,
        url: m[1],
        child,
        stderr: () => err,
        /** SIGTERM, then SIGKILL if it has not exited within `ms`. */
        stop: async (ms = 10000) => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return waitExit(child, ms);
        },
      });
    });
  });
}

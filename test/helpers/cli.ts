import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the real CLI entry point. */
export const CLI = fileURLToPath(new URL('../../bin/clova-cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string | Buffer;
  timeoutMs?: number;
}

/** An empty config folder: no test reads the stored login of whoever runs the tests. */
const emptyConfig = mkdtempSync(join(tmpdir(), 'clova-config-'));


/** A clean environment: no CLOVA_* or proxy variables from the machine, no colours, no stored login. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // A fresh state folder per run: no run reads or writes the chat history or the saved volume of
  // whoever runs the tests, nor what another run left (a test that wants that passes its own).
  const env: NodeJS.ProcessEnv = { XDG_CONFIG_HOME: emptyConfig, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'clova-state-')) };
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(CLOVA_|NODE_EXTRA_CA_CERTS$|NO_COLOR$|FORCE_COLOR$|HTTPS?_PROXY$|https?_proxy$)/.test(k)) continue;
    if (k !== 'XDG_CONFIG_HOME' && k !== 'XDG_STATE_HOME') env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `node bin/clova-cli.js ...args` and collects its output and exit code. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: baseEnv(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (options.input !== undefined) child.stdin!.end(options.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Parses NDJSON stdout; fails on any line that is not JSON. */
export function ndjson(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, any>);
}

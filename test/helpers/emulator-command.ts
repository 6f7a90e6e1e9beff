import { spawn } from 'node:child_process';
import { baseEnv, CLI } from './cli.js';

/**
 * Starts `clova-cli emulator --port 0 …` as a user would (a separate process); `ready` resolves with
 * the URL it tells clients to use (CIC and the Auth API share it) and, with --tls, its certificate.
 */
export function startEmulatorCommand(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', ...args], { env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ready = new Promise<{ url: string; cert?: string }>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const url = /CLOVA_CIC_URL=(\S+)/.exec(stdout)?.[1];
      const cert = /certificate: (\S+)/.exec(stdout)?.[1];
      // The Auth API line is the last of the start-up lines: the whole banner is out by then.
      const banner = /CLOVA_AUTH_URL=\S+\n/.test(stdout);
      if (url && banner && (!args.includes('--tls') || cert)) resolve({ url, ...(cert ? { cert } : {}) });
    });
    child.on('close', (code) => reject(new Error(`emulator exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  /** SIGINT, as Ctrl-C; resolves with the exit code. */
  const stop = async () => {
    child.kill('SIGINT');
    return exited;
  };
  return { child, ready, exited, stop, log: () => stderr, stdout: () => stdout };
}

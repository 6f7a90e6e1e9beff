import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, CLI } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';

const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
const NAVER = 'naver-tty-9c2e4a7b1d';
const SECRET = 'secret-tty-4f8a2c6e0b';

/**
 * Runs `login` on a pseudo-terminal and answers its prompts: each [waitFor, reply] pair types
 * `reply` once the output contains `waitFor` (typing earlier would echo before the input is hidden).
 */
function loginOnTerminal(env: Record<string, string>, steps: Array<[string, string]>): Promise<{ out: string; code: number | null }> {
  const cmd = [process.execPath, CLI, 'login'].map((a) => JSON.stringify(a)).join(' ');
  return new Promise((resolve) => {
    const child = spawn(script!, ['-qec', cmd, '/dev/null'], { env: baseEnv({ TERM: 'xterm', ...env }), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const pending = [...steps];
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      while (pending.length > 0 && out.includes(pending[0]![0])) child.stdin.write(pending.shift()![1]);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ out, code });
    });
  });
}

describe('clova-cli login on a terminal', () => {
  it.skipIf(!script)('asks for the NAVER token without echoing it; on 451 shows the terms URL, waits for Enter, then stores the login', async () => {
    const e = await emulator({ faults: ['authorize-status=451'] });
    const dir = mkdtempSync(join(tmpdir(), 'clova-login-tty-'));
    const env = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      CLOVA_AUTH_URL: e.url,
      CLOVA_CLIENT_ID: 'cid-tty',
      CLOVA_CLIENT_SECRET: SECRET,
      CLOVA_MODEL_ID: 'mid-tty',
    };
    const r = await loginOnTerminal(env, [
      ['NAVER access token (input hidden): ', `${NAVER}\r`],
      ['Press Enter once you have agreed', '\r'],
    ]);
    expect(r.out).toContain(`${e.url}/terms?code=`);
    expect(r.out).toMatch(/Logged in \(device [0-9a-f]{4}…\)/);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain(NAVER);
    expect(r.out).not.toContain(SECRET);
    const creds = JSON.parse(readFileSync(join(dir, 'config', 'clova-cli', 'credentials.json'), 'utf8')) as { accessToken: string };
    expect(r.out).not.toContain(creds.accessToken);
    expect(e.record.auth.map((a) => [a.path, a.status])).toEqual([
      ['/authorize', 451],
      ['/token', 200],
    ]);
  });
});

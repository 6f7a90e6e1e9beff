import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, CLI } from '../helpers/cli.js';
import { directive, hostileCic, type ScriptedPart } from '../helpers/hostile-cic.js';

/** Runs the CLI with at most `fds` open files (prlimit), collecting its exit code and stderr. */
function runLimited(args: string[], fds: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('prlimit', [`--nofile=${fds}`, process.execPath, CLI, ...args], {
      env: baseEnv({ CLOVA_ACCESS_TOKEN: 'tok-uncited-1' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('--save-audio against uncited attachments (issue 17, e2e)', () => {
  it('500 uncited attachments with 128 fds: the turn succeeds, only the cited file is left', async () => {
    const parts: ScriptedPart[] = [];
    for (let i = 0; i < 500; i++) parts.push({ contentId: `junk-${i}`, bytes: Buffer.alloc(2000, i & 0xff) });
    parts.push(directive('SpeechSynthesizer', 'Speak', { format: 'AUDIO_MPEG', token: 't', url: 'cid:real' }));
    parts.push({ contentId: 'real', bytes: Buffer.alloc(3000, 9) });
    const server = await hostileCic({ answer: () => ({ status: 200, parts }) });
    const dir = mkdtempSync(join(tmpdir(), 'clova-uncited-'));
    const r = await runLimited(['text', 'hello', '--server', server.url, '--no-play', '--save-audio', dir], 128);
    expect(r.stderr).not.toMatch(/EMFILE/);
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['speech-real.mp3']);
  });
});

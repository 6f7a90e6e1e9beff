// examples/library.mjs runs as written (README "Using it as a library" shows this file): spawned with
// node against the built dist/, from a fresh directory, with and without a server of its own.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isValidUserAgent } from '../../src/protocol/user-agent.js';
import { baseEnv } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { buildWav, sine } from '../helpers/wav.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/library.mjs', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh working directory with no out/ in it. */
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'clova-example-'));
  dirs.push(d);
  return d;
}

function runExample(cwd: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE, ...args], { cwd, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('examples/library.mjs', () => {
  it('with nothing set: starts the emulator, creates out/, does a text turn and a voice turn from a WAV it writes', async () => {
    const cwd = freshDir();
    const r = await runExample(cwd, [], {});
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^event directive Clova\.RenderText: Hello/m);
    expect(r.stdout).toMatch(/^text turn: HTTP 200, [1-9]\d* directives$/m);
    expect(r.stdout).toContain('voice input: out/question.wav (WAV 16000 Hz mono 16-bit PCM');
    expect(r.stdout).toMatch(/^voice turn: HTTP 200, [1-9]\d* directives, 32000 bytes of audio sent/m);
    const mp3 = readdirSync(join(cwd, 'out')).filter((f) => /^speech-.+\.mp3$/.test(f));
    expect(mp3).toHaveLength(2); // one answer per turn
    for (const f of mp3) {
      expect(r.stdout).toContain(`speech saved: out/${f}`);
      expect(statSync(join(cwd, 'out', f)).size).toBeGreaterThan(0);
    }
  });

  it('with CLOVA_CIC_URL and CLOVA_ACCESS_TOKEN: uses that server, that token and the WAV it is given', async () => {
    const emu = await emulator({ token: TOKEN });
    const cwd = freshDir();
    const wav = join(cwd, 'given.wav');
    writeFileSync(wav, buildWav({ sampleRate: 44100, channels: 2, bitsPerSample: 16 }, [sine(440, 0.5, 44100), sine(660, 0.5, 44100)]));
    const r = await runExample(cwd, [wav], { CLOVA_CIC_URL: emu.url, CLOVA_ACCESS_TOKEN: TOKEN });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`voice input: ${wav} (WAV 44100 Hz stereo 16-bit PCM`);
    expect(r.stdout).not.toContain(TOKEN);
    expect(existsSync(join(cwd, 'out'))).toBe(true);
    const names = emu.record.events.map((e) => `${e.message.event.header.namespace}.${e.message.event.header.name}`);
    expect(names).toContain('TextRecognizer.Recognize');
    expect(names).toContain('SpeechRecognizer.Recognize');
    const voice = emu.record.events.find((e) => e.message.event.header.namespace === 'SpeechRecognizer')!;
    expect(voice.message.event.payload.lang).toBe('en');
    expect(voice.audio?.bytes).toBe(16000); // 0.5 s converted to L16 16 kHz mono
    for (const q of emu.record.requests) {
      expect(q.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(isValidUserAgent(String(q.headers['user-agent']))).toBe(true);
    }
    expect(emu.record.connections).toHaveLength(1);
  });
});

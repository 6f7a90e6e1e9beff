// What start-up loads (deterministic; the timings are in `npm run bench`): `--version` and `--help`
// load neither commander nor any client, audio or emulator code, a command's --help loads only
// what declares its options, and the prebuilt help is exactly commander's.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { captureTopHelp } from '../../src/cli/write-top-help.js';
import { baseEnv, CLI, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRACE = pathToFileURL(join(ROOT, 'bench/module-trace.js')).href;
const dir = mkdtempSync(join(tmpdir(), 'clova-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the CLI with the module tracer (asynchronously: the emulator of a test runs in this process);
 * returns its output and the files it loaded, relative to the repository or node_modules.
 */
async function loaded(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; files: string[] }> {
  const file = join(dir, `${args.join('_').replace(/\W/g, '_')}.txt`);
  const child = spawn(process.execPath, ['--import', TRACE, CLI, ...args], {
    cwd: ROOT,
    env: baseEnv({ ...env, MODULE_TRACE_FILE: file }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve)).finally(() => clearTimeout(timer));
  const files = [...new Set(readFileSync(file, 'utf8').split('\n'))]
    .filter((u) => u !== '' && !u.includes('/bench/module-trace'))
    .map((u) => fileURLToPath(u))
    .map((p) => (p.includes('/node_modules/') ? `node_modules/${p.split('/node_modules/').pop()}` : p.slice(ROOT.length)))
    .flatMap(bundledSources);
  return { code, stdout, stderr, files: [...new Set(files)].sort() };
}

/**
 * The CLI runs from an esbuild bundle (dist/cli-bundle, docs/decisions.md): a loaded chunk stands for
 * the compiled modules it holds, read from the build's metafile, so these tests still say which
 * modules a command evaluates.
 */
function bundledSources(file: string): string[] {
  if (!file.startsWith('dist/cli-bundle/')) return [file];
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist/cli-bundle/meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return Object.keys(meta.outputs[file]?.inputs ?? {});
}

const heavy = /^(node_modules\/(commander|chalk|ora|uuid|mic|node-record-lpcm16|selfsigned)\/|dist\/(client|audio|emulator)\/)/;

describe('start-up loads only what the command needs', () => {
  it('--version and -V: four files, no commander, and the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await loaded([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
      expect(r.files, flag).toEqual(['bin/clova-cli.js', 'dist/cli/main.js', 'dist/cli/quick-answer.js', 'dist/cli/version.js']);
    }
  });

  it('--help and -h: the prebuilt help, byte for byte what commander prints, without commander', async () => {
    const expected = captureTopHelp();
    expect(expected).toMatch(/^Usage: clova-cli \[options\] \[command\]/);
    for (const cmd of ['text', 'recognize', 'listen', 'devices', 'emulator']) expect(expected).toContain(`  ${cmd} `);
    for (const flag of ['--help', '-h']) {
      const r = await loaded([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout, flag).toBe(expected);
      expect(r.files, flag).toEqual(['bin/clova-cli.js', 'dist/cli/main.js', 'dist/cli/quick-answer.js', 'dist/cli/top-help.js']);
    }
    // The same text when commander itself answers (`help` with no command goes through it).
    const viaCommander = await runCli(['help']);
    expect(viaCommander.stdout).toBe(expected);
  });

  it("a command's --help lists all its options and loads no client, emulator or colour code", async () => {
    const text = await loaded(['text', '--help']);
    expect(text.code).toBe(0);
    for (const opt of ['--server', '--json', '--save-audio', '--timeout', '--verbose', '--emulator', '--no-play', '--player']) expect(text.stdout).toContain(opt);
    expect(text.stdout).toMatch(/--player <command> +command that plays MP3 from stdin \(default "mpg123/);
    expect(text.files.filter((f) => heavy.test(f) && !f.startsWith('node_modules/commander/') && !/^dist\/audio\/(player|programs)\.js$/.test(f))).toEqual([]);
    expect(text.files).not.toContain('dist/cli/actions/text.js');
    const emu = await loaded(['emulator', '--help']);
    expect(emu.code).toBe(0);
    expect(emu.stdout).toMatch(/--record-limit <n>\s+requests,\s+events\s+and\s+connections\s+kept\s+in\s+memory\s+for\s+inspection;\s+older\s+ones\s+are\s+dropped\s+\(default\s+\d+\)/);
    expect(emu.stdout).toContain('slow-frames');
    expect(emu.files.filter((f) => /^dist\/(client|audio)\/|^node_modules\/(chalk|uuid|selfsigned)\//.test(f))).toEqual([]);
    expect(emu.files).not.toContain('dist/emulator/server.js');
  });

  it('a typed request loads no recorder, audio pipeline, emulator server, uuid or (without colour) chalk', async () => {
    const emu = await emulator();
    const r = await loaded(['text', 'hello', '--no-play'], { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url, NO_COLOR: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CLOVA: /);
    expect(r.files, r.stderr).toContain('dist/client/client.js');
    // dist/audio/player.js names the default player in --help, which is prepared for any dispatch of the command.
    expect(r.files.filter((f) => /^node_modules\/(chalk|ora|uuid|mic|node-record-lpcm16|selfsigned)\/|^dist\/emulator\/(?!faults)|^dist\/audio\/(?!player|programs)/.test(f))).toEqual([]);
  });
});

describe('--lang is an option of the voice commands only', () => {
  it('text refuses --lang (typed requests carry no language, spec 5.2) and sends nothing', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--lang', 'en'], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clova-cli: unknown option '--lang'/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(emu.record.connections).toEqual([]);
    const help = await runCli(['text', '--help']);
    expect(help.stdout).not.toContain('--lang');
  });

  it('recognize and listen list it, with its choices', async () => {
    for (const cmd of ['recognize', 'listen']) {
      const help = await runCli([cmd, '--help']);
      expect(help.code, cmd).toBe(0);
      const flat = help.stdout.replace(/\s+/g, ' ');
      expect(flat, cmd).toMatch(/--lang <lang> language of the speech .*\(choices: "ko", "en", "ja", default: "ko"\)/);
    }
  });
});

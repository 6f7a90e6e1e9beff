import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, CLI, runCli } from '../helpers/cli.js';

// Issue 17: a path the user gives can be a FIFO that never writes, /dev/zero, or a directory a
// primitive loops on. Each is refused or bounded: one line, the documented exit code, no hang.

const work = mkdtempSync(join(tmpdir(), 'clova-special-'));

function fifo(name: string): string {
  const path = join(work, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/** stderr's lines, without empty ones. */
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

const TOKEN_ENV = { CLOVA_ACCESS_TOKEN: 'tok-special-files' };

describe('files read whole are capped and special files refused (issue 17)', () => {
  for (const [what, make] of [
    ['/dev/zero', () => '/dev/zero'],
    ['a FIFO that never writes', () => fifo('ca.fifo')],
  ] as const) {
    it(`--ca-file ${what}: exit 2, one line`, async () => {
      const r = await runCli(['text', 'hi', '--server', 'https://127.0.0.1:9', '--ca-file', make()], { env: TOKEN_ENV });
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/--ca-file .*: it is a (character device|FIFO)/);
    });
  }

  it('--ca-file larger than the cap: exit 2', async () => {
    const big = join(work, 'big.pem');
    writeFileSync(big, Buffer.alloc(5 * 1024 * 1024, 0x41));
    const r = await runCli(['text', 'hi', '--server', 'https://127.0.0.1:9', '--ca-file', big], { env: TOKEN_ENV });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('is larger than 4 MiB');
  });

  for (const [what, make] of [
    ['a symlink to /dev/zero', (dir: string) => symlinkSync('/dev/zero', join(dir, '.env'))],
    ['a FIFO', (dir: string) => execFileSync('mkfifo', [join(dir, '.env')])],
  ] as const) {
    it(`.env as ${what}: exit 2, one line`, async () => {
      const dir = mkdtempSync(join(work, 'env-'));
      make(dir);
      const r = await runCli(['text', 'hi', '--emulator', '--no-play'], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(/^clova-cli: error: cannot read \.env: it is a (character device|FIFO)/)]);
    });
  }

  for (const [what, make] of [
    ['a symlink to /dev/zero', (p: string) => symlinkSync('/dev/zero', p)],
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p])],
  ] as const) {
    it(`credentials.json as ${what}: exit 3, one line`, async () => {
      const config = mkdtempSync(join(work, 'config-'));
      mkdirSync(join(config, 'clova-cli'), { mode: 0o700 });
      make(join(config, 'clova-cli', 'credentials.json'));
      const r = await runCli(['text', 'hi', '--server', 'http://127.0.0.1:9'], { env: { XDG_CONFIG_HOME: config } });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/credentials .* is a (character device|FIFO)/);
    });
  }
});

describe('--save-audio directories a user could mistype (issue 17)', () => {
  const file = join(work, 'a-file');
  writeFileSync(file, 'x');
  for (const dir of ['/proc/nope', '/proc/self/nope/deeper', '/dev/null/x', join(file, 'sub')]) {
    it(`--save-audio ${dir}: exit 2 at once, no spin`, async () => {
      const r = await runCli(['text', 'hi', '--emulator', '--no-play', '--save-audio', dir], { timeoutMs: 10000 });
      expect(r.signal).toBeNull();
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toEqual([expect.stringContaining(`--save-audio ${dir} is not a writable directory`)]);
    });
  }

  it('a new nested directory is still made', async () => {
    const dir = join(work, 'new', 'nested', 'speech');
    const r = await runCli(['text', 'hi', '--emulator', '--no-play', '--save-audio', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).some((f) => f.endsWith('.mp3'))).toBe(true);
  });
});

describe('--record refuses what it would destroy (issue 17)', () => {
  it('an existing file is refused before any connection; --force overwrites it', async () => {
    const record = join(work, 'existing.jsonl');
    writeFileSync(record, 'precious\n');
    const refused = await runCli(['text', 'hi', '--emulator', '--no-play', '--record', record]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(lines(refused.stderr)).toEqual([`clova-cli: error: --record ${record} already exists: add --force to overwrite it or --record-append to add to it`]);
    expect(execFileSync('cat', [record], { encoding: 'utf8' })).toBe('precious\n');
    const forced = await runCli(['text', 'hi', '--emulator', '--no-play', '--record', record, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(execFileSync('head', ['-c', '40', record], { encoding: 'utf8' })).toContain('"type":"clova-cli-record"');
  });

  it('a FIFO or a device is refused, even with --force', async () => {
    for (const target of [fifo('record.fifo'), '/dev/zero']) {
      const r = await runCli(['text', 'hi', '--emulator', '--no-play', '--record', target, '--force']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr, target).toMatch(/--record .* is a (FIFO \(named pipe\)|character device): give a file name/);
    }
  });

  it('--force without --record is a usage error', async () => {
    const r = await runCli(['text', 'hi', '--emulator', '--no-play', '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--force needs --record <file>');
  });
});

describe('emulator --replay validates its file (issue 17)', () => {
  const header = JSON.stringify({ type: 'header', version: 1, startedAt: '2026-12-07T00:00:00Z', tool: 'test', audio: 'digest', attachments: 'inline' });
  const cases: Array<[string, string | (() => string)]> = [
    ['/dev/zero', () => '/dev/zero'],
    ['a FIFO', () => fifo('replay.fifo')],
    ['a directive whose message is not an object', [header, JSON.stringify({ type: 'directive', t: 0, conn: 1, stream: 1, message: 'hello' })].join('\n')],
    ['a status of 999', [header, JSON.stringify({ type: 'response', t: 0, conn: 1, stream: 3, status: 999 })].join('\n')],
  ];
  for (const [what, content] of cases) {
    it(`${what}: exit 2 with one line, no stack`, async () => {
      let path: string;
      if (typeof content === 'function') path = content();
      else {
        path = join(work, `replay-${Math.random().toString(36).slice(2)}.jsonl`);
        writeFileSync(path, content + '\n');
      }
      const r = await runCli(['emulator', '--replay', path, '--port', '0'], { timeoutMs: 10000 });
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/^clova-cli: error: --replay: cannot replay /);
      expect(r.stderr).not.toContain('    at ');
    });
  }
});

describe('recognize from a special file (issue 17)', () => {
  it('/proc/self/mem: the read error is exit 2 with one line', async () => {
    const r = await runCli(['recognize', '/proc/self/mem', '--emulator', '--no-play']);
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^clova-cli: error: cannot read \/proc\/self\/mem \(EIO\)/)]);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`a FIFO whose writer never writes: ${signal} ends recognize (${code})`, async () => {
      const path = fifo(`held-${signal}.fifo`);
      // A writer that holds the FIFO open and writes nothing.
      const writer = spawn('sh', ['-c', `exec 3>"${path}"; echo open; exec sleep 60`], { stdio: ['ignore', 'pipe', 'ignore'] });
      const child = spawn(process.execPath, [CLI, 'recognize', path, '--emulator', '--no-play', '--verbose'], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        let stderr = '';
        // Once the CLI has the FIFO open, the writer's open returns and it prints "open".
        await new Promise<void>((resolve) => writer.stdout!.once('data', () => resolve()));
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
        child.kill(signal);
        const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
        const got = await exited;
        clearTimeout(killer);
        expect(got, stderr).toBe(code);
      } finally {
        writer.kill('SIGKILL');
        child.kill('SIGKILL');
      }
    });
  }
});

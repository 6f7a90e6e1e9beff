import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { baseEnv, CLI, runCli, type CliResult } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

const env = (url: string) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url });

/** Exit 2, exactly one `clova-cli: error:` line on stderr, nothing on stdout. */
function refused(r: CliResult, what: string): string {
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toMatch(/^clova-cli: error: /);
  expect(r.stdout, what).toBe('');
  return lines[0]!;
}

describe('duration options are refused outside the timer range (exit 2, nothing sent)', () => {
  // Node clamps a delay above 2^31-1 ms to 1 ms: these values used to fail at once, flood PINGs,
  // or reconnect after every PING.
  const cases: Array<[string, string[]]> = [
    ['--timeout', ['text', 'hello']],
    ['--hello-timeout', ['text', 'hello']],
    ['--ping-interval', ['text', 'hello']],
    ['--ping-timeout', ['text', 'hello']],
    ['--timeout', ['recognize', '-']],
    ['--ping-interval', ['listen']],
  ];
  for (const [option, args] of cases) {
    it(`${args[0]} ${option} 3000000000`, async () => {
      const emu = await emulator();
      const r = await runCli([...args, option, '3000000000'], { env: env(emu.url) });
      const line = refused(r, option);
      expect(line).toContain(option);
      expect(line).toContain('2147483647');
      expect(emu.record.connections).toEqual([]);
    });
  }

  it('the largest allowed value is accepted', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--timeout', '2147483647', '--ping-interval', '2147483647', '--json'], { env: env(emu.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(emu.record.events).toHaveLength(1);
  });

  it('listen --max-seconds outside 0..600 is refused before the recorder starts', async () => {
    const emu = await emulator();
    for (const value of ['0', '601', '1e9', 'soon', '-1']) {
      const r = await runCli(['listen', '--max-seconds', value], { env: env(emu.url) });
      const line = refused(r, value);
      expect(line).toContain('--max-seconds');
    }
    expect(emu.record.connections).toEqual([]);
  });
});

describe('server URLs are checked before connecting', () => {
  it('http:// without a port is refused (it would go to port 80), from --server and from CLOVA_CIC_URL', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello', '--server', 'http://127.0.0.1'], { env: env(emu.url) });
    const line = refused(r, 'no port');
    expect(line).toMatch(/--server http:\/\/127\.0\.0\.1 has no port/);
    const viaEnv = await runCli(['text', 'hello'], { env: env('http://127.0.0.1/') });
    expect(refused(viaEnv, 'env no port')).toMatch(/CLOVA_CIC_URL .* has no port/);
    const emptyPort = await runCli(['text', 'hello', '--server', 'http://127.0.0.1:'], { env: env(emu.url) });
    refused(emptyPort, 'empty port');
    expect(emu.record.connections).toEqual([]);
  });

  it('a user or password in the URL is refused without repeating it', async () => {
    const emu = await emulator();
    const port = new URL(emu.url).port;
    for (const url of [`http://user:s3cret-pw@127.0.0.1:${port}`, `http://user@127.0.0.1:${port}`, `http://:s3cret-pw@127.0.0.1:${port}`]) {
      const r = await runCli(['text', 'hello', '--server', url], { env: env(emu.url) });
      const line = refused(r, url);
      expect(line).toMatch(/--server must not contain a user name or password/);
      expect(line).not.toContain('s3cret-pw');
      const viaEnv = await runCli(['text', 'hello'], { env: env(url) });
      expect(refused(viaEnv, url)).toMatch(/CLOVA_CIC_URL must not contain/);
      expect(viaEnv.stderr).not.toContain('s3cret-pw');
    }
    expect(emu.record.connections).toEqual([]);
  });
});

describe('cleartext to a host that is not this machine', () => {
  // Belt and braces: the child cannot resolve or connect anywhere but this machine (exit 99 if it tries).
  const LOOPBACK_ONLY = { NODE_OPTIONS: `--require ${fileURLToPath(new URL('../helpers/loopback-only.cjs', import.meta.url))}` };
  // 192.0.2.0/24 is TEST-NET-1: never contacted here, the refusal comes before any connection.
  it('is refused when CLOVA_CIC_URL in .env names one (exit 2, before connecting)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'clova-cleartext-'));
    writeFileSync(join(cwd, '.env'), `CLOVA_ACCESS_TOKEN=${TOKEN}\nCLOVA_CIC_URL=http://192.0.2.10:8080\n`);
    const r = await runCli(['text', 'hello'], { cwd, env: LOOPBACK_ONLY });
    const line = refused(r, '.env');
    expect(line).toMatch(/CLOVA_CIC_URL http:\/\/192\.0\.2\.10:8080 .*cleartext.*--insecure/);
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('is refused with --server and a host name too', async () => {
    const r = await runCli(['text', 'hello', '--server', 'http://cic.example.com:8080'], { env: { CLOVA_ACCESS_TOKEN: TOKEN, ...LOOPBACK_ONLY } });
    expect(refused(r, 'name')).toMatch(/--server http:\/\/cic\.example\.com:8080 .*cleartext/);
  });

  it('loopback addresses need no --insecure and get no warning', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      // One emulator each: the emulator allows one downchannel per token per second.
      const emu = await emulator();
      const url = `http://${host}:${new URL(emu.url).port}`;
      const r = await runCli(['text', 'hello', '--json'], { env: env(url) });
      expect(r.stderr, url).toBe('');
      expect(r.code, url).toBe(0);
    }
  });

  it('with --insecure the warning is printed before anything is connected', async () => {
    // Standard input holds no utterance, so the command ends (exit 0: nothing to send) before it
    // would connect: the warning is seen without contacting the remote host (the loopback-only
    // guard would make any attempt exit 99).
    for (const [args, extraEnv] of [
      [['--insecure'], {}],
      [[], { CLOVA_ALLOW_INSECURE: '1' }],
    ] as const) {
      const r = await runCli(['text', '-', '--server', 'http://192.0.2.10:8080', ...args], {
        env: { CLOVA_ACCESS_TOKEN: TOKEN, ...extraEnv, ...LOOPBACK_ONLY },
        input: '',
      });
      expect(r.code).toBe(0);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^clova-cli: warning: .*cleartext.*192\.0\.2\.10/);
      expect(r.stdout).toBe('');
    }
  });
});

/** Runs the CLI with `stdin` as its standard input (a file descriptor or a pipe's stream). */
function runWithStdin(args: string[], stdin: number | NodeJS.ReadableStream, extraEnv: Record<string, string>): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: baseEnv(extraEnv), stdio: [stdin as number, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Runs `sh -c script` where the script runs the CLI as "$CLI": argv may then hold raw bytes. */
function runShell(script: string, extraEnv: Record<string, string>): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', script], { env: baseEnv({ ...extraEnv, NODE: process.execPath, CLI }), timeout: 30000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ code: code as number, signal: null, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const sentTexts = (emu: Emulator) => emu.record.events.map((e) => e.message.event.payload.text);

describe('text: utterance length is enforced while reading standard input', () => {
  it('`text - < /dev/zero` is refused at once with one line (no RangeError, no connection)', async () => {
    const emu = await emulator();
    const fd = openSync('/dev/zero', 'r');
    try {
      const r = await runWithStdin(['text', '-'], fd, env(emu.url));
      expect(refused(r, '/dev/zero')).toMatch(/line 1 of standard input is longer than 10000 bytes/);
    } finally {
      closeSync(fd);
    }
    expect(emu.record.connections).toEqual([]);
  });

  it('a 300 MB line from a pipe, with no newline, is refused without reading it all', { timeout: 90000 }, async () => {
    const emu = await emulator();
    // The writer stops by itself after 300 MB, or when the CLI closes the pipe; it notes how far it got.
    const count = join(mkdtempSync(join(tmpdir(), 'clova-pipe-')), 'written');
    const writer = `const b = Buffer.alloc(1 << 20, 97); let n = 0;
      process.on('exit', () => require('fs').writeFileSync(process.env.COUNT, String(n)));
      process.stdout.on('error', () => process.exit(0));
      (function w() { while (n < 300) { n++; if (!process.stdout.write(b)) return process.stdout.once('drain', w); } process.stdout.end(); })();`;
    const r = await runShell(`"$NODE" -e "$WRITER" | "$NODE" "$CLI" text -`, { ...env(emu.url), WRITER: writer, COUNT: count });
    expect(refused(r, 'pipe')).toMatch(/line 1 of standard input is longer than 10000 bytes/);
    expect(Number(readFileSync(count, 'utf8'))).toBeLessThan(300); // the CLI stopped reading long before the end
    expect(emu.record.connections).toEqual([]);
  });

  it('a long line after good ones is refused naming its line; the lines before it were sent, nothing after', async () => {
    const emu = await emulator();
    const input = `hello\n\nwhat time is it\n${'a'.repeat(20000)}\nbye\n`;
    const r = await runCli(['text', '-', '--json'], { env: env(emu.url), input });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toEqual(['clova-cli: error: line 4 of standard input is longer than 10000 bytes; send a shorter utterance']);
    expect(sentTexts(emu)).toEqual(['hello', 'what time is it']);
  });

  it('10000 bytes with spaces around are sent; 10001 are not, from stdin or from an argument', async () => {
    const emu = await emulator();
    const ok = '가'.repeat(3333) + 'a'; // 3 bytes per syllable: 10000 bytes
    const r = await runCli(['text', '-', '--json'], { env: env(emu.url), input: `  ${ok}\t \r\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sentTexts(emu)).toEqual([ok]);
    const long = await runCli(['text', '-'], { env: env(emu.url), input: `${ok}b\n` });
    expect(refused(long, 'stdin 10001')).toMatch(/line 1 of standard input is longer than 10000 bytes/);
    const arg = await runCli(['text', `${ok}b`], { env: env(emu.url) });
    expect(refused(arg, 'argument 10001')).toMatch(/the utterance is longer than 10000 bytes/);
    expect(emu.record.connections).toHaveLength(1);
  });

  it('the limit applies to the words joined by spaces: 10000 bytes are sent, 10001 are not', async () => {
    const emu = await emulator();
    const words = ['a'.repeat(4999), 'b'.repeat(5000)]; // 4999 + 1 space + 5000
    const over = await runCli(['text', ...words, 'c'], { env: env(emu.url) });
    expect(refused(over, 'joined 10002')).toBe('clova-cli: error: the utterance is longer than 10000 bytes; send a shorter utterance');
    expect(emu.record.connections).toEqual([]);
    const r = await runCli(['text', ...words, '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(sentTexts(emu)).toEqual([words.join(' ')]);
  });
});

describe('text: invalid UTF-8 and control characters are refused (exit 2), not sent', () => {
  it('an argument that is not valid UTF-8 (Node turned it into U+FFFD)', async () => {
    const emu = await emulator();
    const r = await runShell(`exec "$NODE" "$CLI" text hello "$(printf 'caf\\351')"`, env(emu.url));
    expect(refused(r, 'latin-1 argv')).toMatch(/the utterance is not valid UTF-8/);
    const literal = await runCli(['text', 'bad \uFFFD here'], { env: env(emu.url) });
    expect(refused(literal, 'U+FFFD')).toMatch(/the utterance is not valid UTF-8/);
    expect(emu.record.connections).toEqual([]);
  });

  it('control characters in an argument, tab allowed', async () => {
    const emu = await emulator();
    for (const [text, code] of [['ring\u0007', 'U+0007'], ['two\nlines', 'U+000A'], ['esc\u001b[31m', 'U+001B'], ['c1\u0085', 'U+0085'], ['del\u007f', 'U+007F']]) {
      const r = await runCli(['text', text!], { env: env(emu.url) });
      expect(refused(r, code!)).toBe(`clova-cli: error: the utterance contains a control character (${code}); only tab is allowed`);
    }
    expect(emu.record.connections).toEqual([]);
    const tab = await runCli(['text', 'a\tb', '--json'], { env: env(emu.url) });
    expect(tab.code).toBe(0);
    expect(sentTexts(emu)).toEqual(['a\tb']);
  });

  it('a line of standard input that is not valid UTF-8, first or later', async () => {
    const emu = await emulator();
    const first = await runCli(['text', '-'], { env: env(emu.url), input: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]) });
    expect(refused(first, 'first')).toMatch(/line 1 of standard input is not valid UTF-8/);
    expect(emu.record.connections).toEqual([]);
    const later = await runCli(['text', '-', '--json'], {
      env: env(emu.url),
      input: Buffer.concat([Buffer.from('hello\n'), Buffer.from([0xff, 0xfe, 0x41, 0x0a]), Buffer.from('bye\n')]),
    });
    expect(later.code).toBe(2);
    expect(later.stderr.split('\n').filter(Boolean)).toEqual(['clova-cli: error: line 2 of standard input is not valid UTF-8; give the text in UTF-8']);
    expect(sentTexts(emu)).toEqual(['hello']);
  });

  it('NUL and other control characters on standard input; CRLF line ends are fine', async () => {
    const emu = await emulator();
    const nul = await runCli(['text', '-'], { env: env(emu.url), input: 'a\u0000b\n' });
    expect(refused(nul, 'NUL')).toBe('clova-cli: error: line 1 of standard input contains a control character (U+0000); only tab is allowed');
    const cr = await runCli(['text', '-'], { env: env(emu.url), input: 'a\rb\n' });
    expect(refused(cr, 'CR')).toMatch(/U\+000D/);
    expect(emu.record.connections).toEqual([]);
    const crlf = await runCli(['text', '-', '--json'], { env: env(emu.url), input: 'hello\r\n\r\nwhat time is it\r\n' });
    expect(crlf.code).toBe(0);
    expect(sentTexts(emu)).toEqual(['hello', 'what time is it']);
  });
});

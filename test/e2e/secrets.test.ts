import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { directive, hostileCic, type HostileScript } from '../helpers/hostile-cic.js';

// A server that echoes the Authorization header back in every string it sends must not get the
// token printed: not on stdout (human or --json), not on stderr, not in the --verbose trace.

/** Distinctive, and with a quote and a backslash so that its JSON-escaped form differs from it. */
const TOKEN = 'tok-Secr3t-"q"\\w-77f1c0de';
const FORMS = [TOKEN, JSON.stringify(TOKEN).slice(1, -1), encodeURIComponent(TOKEN)];
const dir = mkdtempSync(join(tmpdir(), 'clova-secrets-'));

function expectNoToken(r: CliResult, what: string): void {
  for (const form of FORMS) {
    expect(r.stdout.includes(form), `${what}: stdout has ${form}\n${r.stdout}`).toBe(false);
    expect(r.stderr.includes(form), `${what}: stderr has ${form}\n${r.stderr}`).toBe(false);
  }
}

/** Everything the server sends names the token, plainly and inside the whole header. */
const echoEverywhere: HostileScript = {
  pushes: (auth) => [
    directive('Clova', 'RenderText', { text: `pushed: ${auth}` }),
    directive('Notifier', 'Notify', { assets: [{ assetId: TOKEN, url: `clova://notifier/${auth}` }] }),
    directive('Custom', `Echo${TOKEN}`, { token: TOKEN }),
  ],
  answer: (auth, index) => index > 0 ? undefined : ({
    status: 200,
    parts: [
      directive('Clova', 'RenderText', { text: `answer: ${auth}` }),
      directive('Clova', 'RenderTemplate', { type: 'Weather', title: { type: 'string', value: TOKEN } }),
      directive('SpeechSynthesizer', 'Speak', { url: `cid:${TOKEN}`, format: 'AUDIO_MPEG', token: TOKEN }),
      { contentId: TOKEN, bytes: Buffer.from('not really mp3') },
      directive('System', 'Exception', { code: '500', description: `exception for ${auth}` }),
    ],
  }),
};

describe('the access token never reaches the output (e2e, a server that echoes it)', () => {
  for (const flags of [[], ['--json'], ['--verbose'], ['--json', '--verbose']]) {
    it(`in every field of a 200 answer and of downchannel pushes ${flags.join(' ') || '(human)'}`, async () => {
      const server = await hostileCic(echoEverywhere);
      const r = await runCli(['text', 'hello', '--server', server.url, '--no-play', ...flags], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
      expect(server.authorizations).toContain(`Bearer ${TOKEN}`);
      expect(r.code, r.stderr).toBe(4); // the System.Exception in the 200 answer
      expectNoToken(r, flags.join(' '));
      // The echoes did reach the output, redacted.
      const out = r.stdout + r.stderr;
      expect(out).toContain('answer: Bearer [REDACTED]');
      expect(out).toContain('exception for Bearer [REDACTED]');
      if (!flags.includes('--json')) expect(r.stdout).toContain('pushed: Bearer [REDACTED]');
      if (flags.includes('--json')) {
        const error = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).at(-1)!;
        expect(error).toMatchObject({ type: 'error', exitCode: 4 });
        expect(error.message).toContain('[REDACTED]');
      }
    });
  }

  it('in the names of saved speech files (--save-audio, a Content-ID that echoes it)', async () => {
    const server = await hostileCic(echoEverywhere);
    const dir = mkdtempSync(join(tmpdir(), 'clova-save-secret-'));
    const r = await runCli(['text', 'hello', '--server', server.url, '--no-play', '--save-audio', dir], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(4);
    expectNoToken(r, '--save-audio');
    const names = readdirSync(dir);
    expect(names.length).toBe(1);
    expect(names[0]).toMatch(/^speech-.*REDACTED.*\.mp3$/);
    for (const name of names) expect(name).not.toContain(TOKEN.replace(/[^A-Za-z0-9._-]/g, '_'));
  });

  const failures: Array<[string, HostileScript, number]> = [
    [
      'a 500 System.Exception description',
      { answer: (auth) => ({ status: 500, parts: [directive('System', 'Exception', { code: 500, description: `denied: ${auth}` })] }) },
      4,
    ],
    ['a plain-text 400 body', { answer: () => ({ status: 400, body: `bad request from ${TOKEN}`, contentType: 'text/plain' }) }, 4],
    [
      'a 401 on the event',
      { answer: (auth) => ({ status: 401, parts: [directive('System', 'Exception', { code: 401, description: `who is ${auth}?` })] }) },
      3,
    ],
    [
      'a 403 on the downchannel',
      { downchannel: (auth) => ({ status: 403, parts: [directive('System', 'Exception', { code: 403, description: `no: ${auth}` })] }) },
      3,
    ],
  ];
  for (const [what, script, code] of failures) {
    it(`in ${what} (the final error line, human and --json)`, async () => {
      for (const flags of [[], ['--json']]) {
        const server = await hostileCic(script);
        const r = await runCli(['text', 'hello', '--server', server.url, '--no-play', ...flags], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
        expect(r.code, r.stderr).toBe(code);
        expectNoToken(r, `${what} ${flags.join(' ')}`);
        expect(r.stderr).toMatch(/^clova-cli: error: .*\[REDACTED\]/m);
      }
    });
  }
});

describe('child processes do not inherit the token (e2e)', () => {
  /** A program that writes its environment to $DUMP_DIR/<name>.<pid>, then behaves as `body` says. */
  function envDumper(name: string, body: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\nenv > "$DUMP_DIR/${name}.$$"\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  function dumps(dumpDir: string): string[] {
    return readdirSync(dumpDir).map((f) => readFileSync(join(dumpDir, f), 'utf8'));
  }

  function expectClean(envText: string): void {
    expect(envText).toContain('PATH=');
    const leaks = envText.split('\n').filter((l) => l.includes(TOKEN) || /^CLOVA_\w*(TOKEN|SECRET)=/.test(l));
    expect(leaks).toEqual([]);
  }

  it('the --player', async () => {
    const dumpDir = mkdtempSync(join(dir, 'player-'));
    const player = envDumper('player', 'cat > /dev/null');
    const r = await runCli(['text', 'hello', '--emulator', '--player', player], {
      env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CLIENT_SECRET: 'client-secret-9a8b7c', DUMP_DIR: dumpDir },
    });
    expect(r.code, r.stderr).toBe(0);
    const seen = dumps(dumpDir);
    expect(seen.length).toBeGreaterThan(0);
    for (const e of seen) {
      expectClean(e);
      expect(e.includes('client-secret-9a8b7c')).toBe(false);
    }
  });

  it('the recorder (both recorder packages) and the device lister', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const fake = envDumper('arecord', 'case "$1" in -L) printf "default\\n    Fake capture device\\n" ;; *) head -c 32000 /dev/zero ;; esac');
    writeFileSync(join(bin, 'arecord'), readFileSync(fake));
    chmodSync(join(bin, 'arecord'), 0o755);
    for (const args of [['listen', '--emulator', '--no-play', '--json'], ['listen', '--emulator', '--no-play', '--json', '--recorder', 'mic'], ['devices']]) {
      const dumpDir = mkdtempSync(join(dir, 'rec-'));
      const r = await runCli(args, { env: { CLOVA_ACCESS_TOKEN: TOKEN, DUMP_DIR: dumpDir, PATH: `${bin}:${process.env.PATH}` }, timeoutMs: 30000 });
      const seen = dumps(dumpDir);
      expect(seen.length, `${args.join(' ')}: ${r.stderr}`).toBeGreaterThan(0);
      for (const e of seen) expectClean(e);
      expectNoToken(r, args.join(' '));
    }
  });
});

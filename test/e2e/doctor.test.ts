import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProgram } from '../../src/audio/programs.js';
import { alsaCaptureEnv, ALSA_SYSTEM_CONFIG } from '../helpers/alsa.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { encodeSamples, sine, tempDir } from '../helpers/wav.js';

// `clova-cli doctor` against the real emulator over real HTTP/2 on 127.0.0.1, the real arecord
// (through ALSA's file plugin) and the real mpg123 (to its dummy output).

const hasArecord = findProgram('arecord') !== undefined;
const hasMpg123 = findProgram('mpg123') !== undefined;
const tmp = tempDir('clova-doctor-');

/** An ALSA configuration whose default device does not exist: a machine without a sound card, wherever the tests run. */
function noSoundCardEnv(): { ALSA_CONFIG_PATH: string } {
  const conf = join(tmp.dir, 'no-card.conf');
  writeFileSync(conf, 'pcm.!default { type hw card 99 }\n');
  return { ALSA_CONFIG_PATH: `${ALSA_SYSTEM_CONFIG}:${conf}` };
}

/** The default capture device reads 2 s of a 440 Hz sine at a quarter of full scale (RMS -15.05 dBFS). */
function toneMicrophoneEnv(): { ALSA_CONFIG_PATH: string } {
  const raw = join(tmp.dir, 'tone.raw');
  writeFileSync(raw, encodeSamples([sine(440, 2, 16000, 0.25)], 16));
  return alsaCaptureEnv(raw);
}

/** A port on 127.0.0.1 that nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The human line of one check. */
function line(stdout: string, name: string): string {
  const found = stdout.split('\n').find((l) => new RegExp(`^[✓!✗] ${name} `).test(l));
  expect(found, `${name} in:\n${stdout}`).toBeDefined();
  return found!;
}

describe('clova-cli doctor (e2e)', () => {
  it('--emulator on a machine without a sound card: CIC answers with a PING round trip, the recorder fails with its fix, exit 2', async () => {
    const r = await runCli(['doctor', '--emulator'], { env: noSoundCardEnv(), timeoutMs: 60000 });
    expect(line(r.stdout, 'node')).toMatch(/^✓ node +Node\.js \d+\.\d+\.\d+/);
    // No login on the test machine: the emulator needs none, so it is only a warning.
    expect(line(r.stdout, 'token')).toMatch(/^! token +none/);
    expect(line(r.stdout, 'cic')).toMatch(/^✓ cic +http:\/\/127\.0\.0\.1:\d+: h2c in [\d.]+ ms, Hello in [\d.]+ ms, PING round trip [\d.]+ ms$/);
    expect(line(r.stdout, 'auth')).toMatch(/^✓ auth +http:\/\/127\.0\.0\.1:\d+ \(the emulator\) answered HTTP \d{3}/);
    if (hasArecord) expect(line(r.stdout, 'recorder')).toMatch(/^✗ recorder +arecord -D default .*cannot open the default capture device.* → fix: connect a microphone, or pass one with --device/);
    if (hasMpg123) expect(line(r.stdout, 'player')).toMatch(/^✓ player +mpg123 -q -o alsa -: played .* to a null output \(mpg123 -o dummy -q -\)/);
    expect(line(r.stdout, 'pocketsphinx')).toMatch(/^[✓!] pocketsphinx /);
    expect(r.stdout).not.toContain('ready:');
    expect(r.stderr).toMatch(/^clova-cli: error: not ready for listen: the checks? recorder.* failed/m);
    expect(r.code).toBe(2);
  });

  it.skipIf(!hasArecord || !hasMpg123)(
    '--server with a token, a microphone (ALSA file plugin) and mpg123: every check passes with its measurements, exit 0',
    async () => {
      const e = await emulator();
      const env = { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_AUTH_URL: e.url, ...toneMicrophoneEnv() };
      const r = await runCli(['doctor', '--server', e.url], { env, timeoutMs: 60000 });
      expect(line(r.stdout, 'token')).toMatch(/^✓ token +CLOVA_ACCESS_TOKEN from the environment/);
      expect(line(r.stdout, 'cic')).toMatch(new RegExp(`^✓ cic +${e.url.replace(/\/$/, '')}: h2c in [\\d.]+ ms, Hello in [\\d.]+ ms, PING round trip [\\d.]+ ms$`));
      expect(line(r.stdout, 'auth')).toMatch(/^✓ auth +http:\/\/127\.0\.0\.1:\d+ \(CLOVA_AUTH_URL\) answered HTTP \d{3}/);
      expect(line(r.stdout, 'recorder')).toMatch(/^✓ recorder +arecord -D default \(node-record-lpcm16\): 1 s captured, level -15\.\d dBFS \(peak 25 %\)$/);
      expect(line(r.stdout, 'player')).toMatch(/^✓ player /);
      expect(r.stdout).toMatch(/^ready: listen has everything it needs/m);
      expect(r.stdout + r.stderr).not.toContain(TOKEN);
      // The emulator saw the downchannel (Hello) with the token.
      expect(e.record.downchannels.length).toBeGreaterThan(0);
      expect(r.code).toBe(0);

      // The same as NDJSON: the level and the round trip as numbers. Another emulator: CIC refuses a
      // second downchannel of one token within 1 s (429).
      const e2 = await emulator();
      const j = await runCli(['doctor', '--server', e2.url, '--json'], { env: { ...env, CLOVA_AUTH_URL: e2.url }, timeoutMs: 60000 });
      const checks = ndjson(j.stdout);
      const recorder = checks.find((c) => c.name === 'recorder')!;
      expect(recorder).toMatchObject({ type: 'check', status: 'ok', required: true, seconds: 1, clipped: false });
      expect(recorder.dbfs).toBeCloseTo(-15.05, 0);
      const cic = checks.find((c) => c.name === 'cic')!;
      expect(cic, cic.detail).toMatchObject({ status: 'ok', alpn: 'h2c' });
      expect(cic.pingMs).toBeGreaterThan(0);
      expect(checks.at(-1)).toEqual({ type: 'summary', ready: true, exitCode: 0, failed: [], warnings: [] });
      expect(j.code).toBe(0);
    },
  );

  it('an unreachable CIC (a closed port on 127.0.0.1): ✗ cic with the fix, exit 4', async () => {
    const port = await closedPort();
    const env = { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_AUTH_URL: `http://127.0.0.1:${port}`, ...noSoundCardEnv() };
    const r = await runCli(['doctor', '--server', `http://127.0.0.1:${port}`], { env, timeoutMs: 60000 });
    expect(line(r.stdout, 'token')).toMatch(/^✓ token /);
    expect(line(r.stdout, 'cic')).toMatch(
      new RegExp(`^✗ cic +http://127\\.0\\.0\\.1:${port}: cannot connect to .*connection refused.* → fix: check --server or CLOVA_CIC_URL`),
    );
    // The auth URL is not needed with CLOVA_ACCESS_TOKEN: a warning.
    expect(line(r.stdout, 'auth')).toMatch(new RegExp(`^! auth +http://127\\.0\\.0\\.1:${port} \\(CLOVA_AUTH_URL\\) is not reachable: ECONNREFUSED → fix: check CLOVA_AUTH_URL`));
    // Every check ran although CIC failed.
    for (const name of ['recorder', 'player', 'pocketsphinx']) line(r.stdout, name);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(r.code).toBe(4);
  });

  it('a stored login due for a refresh is refreshed (its new expiry shown), the auth URL is then needed; no secret printed', async () => {
    const e = await emulator({ clientId: 'doctor-client', clientSecret: 'doctor-secret-4e1f9a' });
    const dir = mkdtempSync(join(tmpdir(), 'clova-doctor-login-'));
    const file = join(dir, 'config', 'clova-cli', 'credentials.json');
    const env = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      CLOVA_AUTH_URL: e.url,
      CLOVA_CIC_URL: e.url,
      CLOVA_CLIENT_ID: 'doctor-client',
      CLOVA_CLIENT_SECRET: 'doctor-secret-4e1f9a',
      CLOVA_MODEL_ID: 'doctor-model',
      ...noSoundCardEnv(),
    };
    const login = await runCli(['login', '--with-naver-token'], { env, input: 'naver-doctor-8c2d\n', cwd: dir });
    expect(login.code).toBe(0);
    const before = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
    // Due within the refresh margin (60 s): doctor refreshes it as a request command would.
    writeFileSync(file, JSON.stringify({ ...before, expiresAt: Date.now() + 30_000 }), { mode: 0o600 });
    const r = await runCli(['doctor', '--json'], { env, cwd: dir, timeoutMs: 60000 });
    const checks = ndjson(r.stdout);
    const token = checks.find((c) => c.name === 'token')!;
    expect(token).toMatchObject({ status: 'ok', source: 'stored credentials', refreshed: true });
    expect(Date.parse(token.expiresAt)).toBeGreaterThan(Date.now() + 600_000);
    expect(checks.find((c) => c.name === 'cic')).toMatchObject({ status: 'ok' });
    expect(checks.find((c) => c.name === 'auth')).toMatchObject({ status: 'ok', required: true });
    const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
    expect(after.accessToken).not.toBe(before.accessToken);
    for (const secret of [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken, 'doctor-secret-4e1f9a']) {
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    // Without the client secret an expired stored token cannot be used: ✗ token, exit 3.
    writeFileSync(file, JSON.stringify({ ...after, expiresAt: Date.now() - 1000 }), { mode: 0o600 });
    const r2 = await runCli(['doctor'], { env: { ...env, CLOVA_CLIENT_SECRET: undefined }, cwd: dir, timeoutMs: 60000 });
    expect(line(r2.stdout, 'token')).toMatch(/^✗ token +the stored login cannot be used: CLOVA_CLIENT_SECRET is not set.* → fix: set CLOVA_CLIENT_SECRET/);
    expect(r2.code).toBe(3);
  });

  it('TLS: ✓ with ALPN h2 when --ca-file trusts the certificate, ✗ with the --ca-file fix when nothing does (exit 4)', async () => {
    const e = await emulator({ tls: true });
    const env = { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_AUTH_URL: e.url, ...noSoundCardEnv() };
    const trusted = await runCli(['doctor', '--server', e.url, '--ca-file', e.certPath!, '--json'], { env, timeoutMs: 60000 });
    const cic = ndjson(trusted.stdout).find((c) => c.name === 'cic')!;
    expect(cic, cic.detail).toMatchObject({ status: 'ok', alpn: 'h2', detail: expect.stringMatching(/: TLS, ALPN h2 in [\d.]+ ms, Hello in [\d.]+ ms, PING round trip [\d.]+ ms$/) });
    const untrusted = await runCli(['doctor', '--server', e.url], { env, timeoutMs: 60000 });
    expect(line(untrusted.stdout, 'cic')).toMatch(/^✗ cic +https:\/\/localhost:\d+: TLS handshake .* failed .* → fix: trust the server's CA with --ca-file <pem>/);
    expect(untrusted.code).toBe(4);
  });

  it('CIC refuses the token (401): ✗ cic saying to log in again, exit 3', async () => {
    const e = await emulator({ token: 'the-only-good-token' });
    const r = await runCli(['doctor', '--server', e.url], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_AUTH_URL: e.url, ...noSoundCardEnv() }, timeoutMs: 60000 });
    expect(line(r.stdout, 'cic')).toMatch(/^✗ cic .*rejected with 401.* → fix: CIC refused the token: run clova-cli login again/);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(r.code).toBe(3);
  });

  it('--json without a token: one line per check, then a summary, then the error line; ✗ token, CIC reached without Hello, exit 3', async () => {
    const e = await emulator();
    const r = await runCli(['doctor', '--server', e.url, '--json'], { env: { CLOVA_AUTH_URL: e.url, ...noSoundCardEnv() }, timeoutMs: 60000 });
    const lines = ndjson(r.stdout);
    const checks = lines.filter((l) => l.type === 'check');
    expect(checks.map((c) => c.name)).toEqual(['node', 'token', 'cic', 'auth', 'recorder', 'player', 'pocketsphinx']);
    for (const c of checks) {
      expect(c).toEqual(expect.objectContaining({ type: 'check', status: expect.stringMatching(/^(ok|warn|fail)$/), required: expect.any(Boolean), detail: expect.any(String) }));
      if (c.status === 'ok') expect(c.fix).toBeNull();
      else expect(c.fix).toEqual(expect.any(String));
    }
    expect(checks[1]).toMatchObject({ name: 'token', status: 'fail', required: true, source: 'none', fix: expect.stringContaining('clova-cli login') });
    expect(checks[2]).toMatchObject({ name: 'cic', status: 'warn', alpn: 'h2c', helloMs: null, detail: expect.stringContaining('Hello not tried: no token') });
    expect(checks[2]!.pingMs).toBeGreaterThan(0);
    // No downchannel without a token: only the connection and the PING.
    expect(e.record.downchannels).toHaveLength(0);
    const summary = lines[checks.length]!;
    expect(summary).toMatchObject({ type: 'summary', ready: false, exitCode: 3 });
    expect(summary.failed[0]).toBe('token');
    expect(lines[checks.length + 1]).toMatchObject({ type: 'error', code: 'E_NO_TOKEN', exitCode: 3 });
    expect(lines).toHaveLength(checks.length + 2);
    expect(r.code).toBe(3);
  });
});

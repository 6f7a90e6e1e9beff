import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RecorderBackend } from '../../audio/microphone.js';
import { DEFAULT_AUTH_URL } from '../../auth/auth-api.js';
import { credentialsPath, readCredentials } from '../../auth/credentials-store.js';
import { freshCredentials } from '../../auth/refresh.js';
import { AuthError, ClovaError, ConnectionError, TimeoutError, UsageError } from '../../protocol/errors.js';
import { safeJson, terminalLine } from '../../protocol/sanitize.js';
import { parseAuthUrl } from '../auth-settings.js';
import { resolveRequestSettings, type RequestSettings } from '../config.js';
import { fromDotEnv } from '../dotenv.js';
import { exitCodeFor } from '../exit.js';
import { formatExpiry } from '../expiry.js';
import { colorLevel } from '../output/color.js';
import { configurationEnv, secrets } from '../secrets.js';

/** The options of `doctor`, as commander parses them. */
export interface DoctorOptions {
  server?: string;
  emulator?: boolean;
  caFile?: string;
  insecure?: boolean;
  recorder: RecorderBackend;
  device?: string;
  player?: string;
  json?: boolean;
  color?: boolean;
}

/** The oldest Node.js the CLI supports (package.json "engines"). */
const MIN_NODE: readonly [number, number] = [20, 19];
/** The bounds of the checks (ms). Hello gets what a request command gets by default. */
const HELLO_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;
const AUTH_TIMEOUT_MS = 5_000;
const REFRESH_TIMEOUT_MS = 10_000;
/** The capture: 1 s of audio, and at most this long to get it. */
const CAPTURE_BYTES = 32_000;
const CAPTURE_TIMEOUT_MS = 5_000;
const PLAYER_TIMEOUT_MS = 10_000;
/** A last bound on any check, whatever it waits for (each has tighter bounds of its own). */
const CHECK_TIMEOUT_MS = 30_000;

type Status = 'ok' | 'warn' | 'fail';

/** One check's outcome: one line for people, one JSON object for scripts. */
export interface CheckResult {
  name: 'node' | 'token' | 'cic' | 'auth' | 'recorder' | 'player' | 'pocketsphinx';
  status: Status;
  /** Needed for `listen`: a failure makes the exit status non-zero. */
  required: boolean;
  detail: string;
  fix?: string;
  /** The failure, for the exit status (its code decides it, cli/exit.ts). */
  error?: ClovaError;
  /** Measurements and facts for --json (never a secret). */
  data?: Record<string, unknown>;
}

const ok = (name: CheckResult['name'], required: boolean, detail: string, data?: Record<string, unknown>): CheckResult => ({
  name,
  status: 'ok',
  required,
  detail,
  ...(data ? { data } : {}),
});

const failed = (
  name: CheckResult['name'],
  required: boolean,
  detail: string,
  fix: string,
  error: ClovaError,
  data?: Record<string, unknown>,
): CheckResult => ({ name, status: required ? 'fail' : 'warn', required, detail, fix, error, ...(data ? { data } : {}) });

function asClovaError(err: unknown, fallback: (message: string) => ClovaError): ClovaError {
  return err instanceof ClovaError ? err : fallback(err instanceof Error ? err.message : String(err));
}

const ms = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);

/** Node.js: the version the CLI supports. */
export function checkNode(version = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const good = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  const need = `${MIN_NODE[0]}.${MIN_NODE[1]} or newer`;
  if (good) return ok('node', true, `Node.js ${version} (${need} needed)`, { version });
  return failed('node', true, `Node.js ${version} is too old (${need} needed)`, `install Node.js ${need} (https://nodejs.org, or nvm install 20)`, new UsageError(`Node.js ${version} is too old`), { version });
}

/** Where the token comes from and when it expires; a stored one due for a refresh is refreshed, as a request command would. */
async function checkToken(env: NodeJS.ProcessEnv, emulator: boolean): Promise<{ result: CheckResult; token?: string }> {
  // With --emulator nothing needs a token: what is found is still told, as a warning at worst.
  const required = !emulator;
  const envToken = env.CLOVA_ACCESS_TOKEN?.trim();
  if (envToken) {
    const where = fromDotEnv.has('CLOVA_ACCESS_TOKEN') ? '.env' : 'the environment';
    return {
      result: ok('token', required, `CLOVA_ACCESS_TOKEN from ${where}; its expiry is not known (such a token is never refreshed)`, { source: where === '.env' ? '.env' : 'environment', expiresAt: null }),
      token: envToken,
    };
  }
  const path = credentialsPath(env);
  const none = (): { result: CheckResult } => ({
    result: failed(
      'token',
      required,
      emulator ? 'none (the emulator needs none; CLOVA does)' : 'none: not logged in',
      `run clova-cli login, or set CLOVA_ACCESS_TOKEN${emulator ? '' : ' (or try --emulator to work offline)'}`,
      new AuthError('not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN', undefined, 'E_NO_TOKEN'),
      { source: 'none', expiresAt: null },
    ),
  });
  try {
    const stored = readCredentials(path);
    if (!stored) return none();
    secrets.add(stored.accessToken);
    secrets.add(stored.refreshToken);
    const creds = await freshCredentials({ path, clientSecret: env.CLOVA_CLIENT_SECRET?.trim() || undefined, timeoutMs: REFRESH_TIMEOUT_MS });
    secrets.add(creds.accessToken);
    secrets.add(creds.refreshToken);
    const refreshed = creds.accessToken !== stored.accessToken ? ' (refreshed now)' : '';
    return {
      result: ok('token', required, `the stored login${refreshed}, device ${creds.deviceId}; it expires ${formatExpiry(creds.expiresAt)}`, {
        source: 'stored credentials',
        expiresAt: new Date(creds.expiresAt).toISOString(),
        refreshed: refreshed !== '',
      }),
      token: creds.accessToken,
    };
  } catch (err) {
    // Whatever keeps the stored token from being used is a token failure (exit 3), as for `auth status`.
    const message = err instanceof Error ? err.message : String(err);
    const error = err instanceof AuthError ? err : new AuthError(message, undefined, 'E_NO_TOKEN');
    const fix = /CLOVA_CLIENT_SECRET/.test(message) ? 'set CLOVA_CLIENT_SECRET (environment or .env) so that it can be refreshed, or run clova-cli login again' : 'run clova-cli login again';
    return { result: failed('token', required, `the stored login cannot be used: ${message}`, fix, error, { source: 'stored credentials' }) };
  }
}

/** CIC: a connection as the request commands open it, Clova.Hello with the token, one PING. */
async function checkCic(settings: RequestSettings, url: URL, token: string | undefined): Promise<CheckResult> {
  const required = true;
  const { probeCic } = await import('../../client/probe.js');
  const probe = await probeCic({
    url,
    endpoint: {
      token: token ?? '',
      userAgent: settings.userAgent,
      extraCa: settings.extraCa,
      insecure: settings.insecure,
      helloTimeoutMs: HELLO_TIMEOUT_MS,
    },
    hello: token !== undefined,
    pingTimeoutMs: PING_TIMEOUT_MS,
    trace: () => undefined,
  });
  const data = {
    url: url.origin,
    alpn: probe.alpn ?? null,
    connectMs: ms(probe.connectMs) ?? null,
    helloMs: ms(probe.helloMs) ?? null,
    pingMs: ms(probe.pingMs) ?? null,
  };
  const transport = url.protocol === 'https:' ? `TLS, ALPN ${probe.alpn ?? '?'}` : 'h2c';
  const steps = [
    probe.connectMs !== undefined ? `${transport} in ${ms(probe.connectMs)} ms` : undefined,
    probe.helloMs !== undefined ? `Hello in ${ms(probe.helloMs)} ms` : undefined,
    probe.pingMs !== undefined ? `PING round trip ${ms(probe.pingMs)} ms` : undefined,
  ].filter((s) => s !== undefined);
  if (probe.error === undefined) {
    const detail = `${url.origin}: ${steps.join(', ')}`;
    if (token !== undefined) return ok('cic', required, detail, data);
    return {
      name: 'cic',
      status: 'warn',
      required,
      detail: `${detail}; Hello not tried: no token`,
      fix: 'run clova-cli login, or set CLOVA_ACCESS_TOKEN, then run clova-cli doctor again',
      data,
    };
  }
  const error = asClovaError(probe.error, (m) => new ConnectionError(m, 'E_CONNECT'));
  const soFar = steps.length > 0 ? ` (${steps.join(', ')})` : '';
  const detail = `${url.origin}${soFar}: ${error.message}`;
  let fix: string;
  if (error instanceof AuthError) fix = 'CIC refused the token: run clova-cli login again, or check CLOVA_ACCESS_TOKEN';
  else if (probe.failedAt === 'connect')
    fix = /TLS|certificate/i.test(error.message)
      ? "trust the server's CA with --ca-file <pem> or NODE_EXTRA_CA_CERTS"
      : 'check --server or CLOVA_CIC_URL, the network and any firewall (CIC needs outgoing HTTPS)';
  else if (probe.failedAt === 'hello') fix = 'the server did not greet the downchannel: check --server or CLOVA_CIC_URL, try again later';
  else fix = 'the connection does not answer PINGs: check the network (a proxy or firewall dropping HTTP/2?)';
  return failed('cic', required, detail, fix, error, data);
}

/** The Auth API: any HTTP answer to a GET of its base URL counts as reachable. */
async function checkAuth(env: NodeJS.ProcessEnv, emulatorUrl: URL | undefined, required: boolean): Promise<CheckResult> {
  const source = emulatorUrl ? 'the emulator' : env.CLOVA_AUTH_URL?.trim() ? 'CLOVA_AUTH_URL' : 'the default';
  let url: URL;
  try {
    // Only a GET without any credential goes there, so cleartext to another host is no risk here.
    url = emulatorUrl ?? parseAuthUrl(env.CLOVA_AUTH_URL?.trim() || DEFAULT_AUTH_URL, true).url;
  } catch (err) {
    const error = asClovaError(err, (m) => new UsageError(m));
    return failed('auth', required, error.message, 'set CLOVA_AUTH_URL to https://auth.clova.ai (or unset it)', error);
  }
  const started = performance.now();
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(AUTH_TIMEOUT_MS) });
    await res.body?.cancel().catch(() => undefined);
    const took = ms(performance.now() - started);
    return ok('auth', required, `${url.origin} (${source}) answered HTTP ${res.status} in ${took} ms`, { url: url.origin, httpStatus: res.status, ms: took });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError' ? `no answer within ${AUTH_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message ?? 'failed');
    return failed(
      'auth',
      required,
      `${url.origin} (${source}) is not reachable: ${why}`,
      `check CLOVA_AUTH_URL and the network: login${required ? ' and the refresh of the stored token' : ' and token refresh'} need it`,
      new ConnectionError(`the auth URL ${url.origin} is not reachable: ${why}`, 'E_CONNECT'),
      { url: url.origin, httpStatus: null },
    );
  }
}

/** The recorder: 1 s of audio from the capture device, and its level. */
async function checkRecorder(backend: RecorderBackend, device: string | undefined): Promise<CheckResult> {
  const [{ openMicrophone }, { measureLevel, DBFS_FLOOR }, { installHint }] = await Promise.all([
    import('../../audio/microphone.js'),
    import('../../audio/level.js'),
    import('../../audio/programs.js'),
  ]);
  const chosen = device ?? 'default';
  let mic;
  try {
    mic = await openMicrophone({ backend, device: chosen });
  } catch (err) {
    const error = asClovaError(err, (m) => new UsageError(m));
    const program = /^(\S+) not found/.exec(error.message)?.[1];
    return failed('recorder', true, error.message, program ? installHint(program) : 'check --recorder and --device', error);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    mic.stop();
  }, CAPTURE_TIMEOUT_MS);
  try {
    for await (const chunk of mic.pcm) {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= CAPTURE_BYTES) break;
    }
  } catch (err) {
    const error = asClovaError(err, (m) => new UsageError(m));
    const fix =
      error.code === 'E_CAPTURE_DEVICE'
        ? 'connect a microphone, or pass one with --device (see clova-cli devices)'
        : 'try the recorder by hand (arecord -d 1 /tmp/test.wav), or choose another with --recorder or --device';
    // recorderFailure's message ends with the same advice as the fix: said once.
    const said = error.message.replace(/: (connect a microphone|list devices) .*$/, '');
    return failed('recorder', true, `${mic.description}: ${said}`, fix, error);
  } finally {
    clearTimeout(timer);
    mic.stop();
    await mic.exited;
  }
  if (bytes < CAPTURE_BYTES) {
    const got = (bytes / 32000).toFixed(2);
    const why = timedOut ? `only ${got} s of audio within ${CAPTURE_TIMEOUT_MS / 1000} s` : `the recorder ended after ${got} s of audio`;
    return failed('recorder', true, `${mic.description}: ${why}`, 'check the capture device (--device, see clova-cli devices)', new UsageError(`${mic.description}: ${why}`, 'E_CAPTURE_DEVICE'));
  }
  const level = measureLevel(Buffer.concat(chunks).subarray(0, CAPTURE_BYTES));
  const dbfs = Math.round(level.dbfs * 10) / 10;
  const data = { recorder: mic.description, seconds: 1, dbfs, peak: Math.round(level.peak * 1000) / 1000, clipped: level.clipped };
  const detail = `${mic.description}: 1 s captured, level ${dbfs.toFixed(1)} dBFS (peak ${(level.peak * 100).toFixed(0)} %)`;
  if (level.dbfs <= DBFS_FLOOR) {
    return { name: 'recorder', status: 'warn', required: true, detail: `${detail}: digital silence`, fix: 'the device is muted or not a microphone: unmute it (alsamixer) or choose another with --device', data };
  }
  if (level.clipped) {
    return { name: 'recorder', status: 'warn', required: true, detail: `${detail}: clipping`, fix: 'the input is too loud: lower the capture gain (alsamixer)', data };
  }
  return ok('recorder', true, detail, data);
}

/** Quotes one argument for a command line that parseCommand splits back. */
function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The player's command line sent to a null output (undefined: this player is not known to have one):
 * mpg123's dummy output module, sox instead of play with the null file, mpv's null output, ffplay's SDL dummy driver.
 */
export function silentPlayer(argv: readonly string[]): { argv: string[]; env?: NodeJS.ProcessEnv } | undefined {
  const [program = '', ...args] = argv;
  switch (basename(program)) {
    case 'mpg123': {
      const kept: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === '-o' || a === '--output' || a === '-a' || a === '--audiodevice') i++;
        else if (!/^(-o.+|--output=.*|-a.+|--audiodevice=.*)$/.test(a)) kept.push(a);
      }
      return { argv: [program, '-o', 'dummy', ...kept] };
    }
    case 'play':
      return { argv: [program.replace(/play$/, 'sox'), ...args, '-n'] };
    case 'mpv':
      return { argv: [program, '--ao=null', ...args] };
    case 'ffplay':
      return { argv: [...argv], env: { SDL_AUDIODRIVER: 'dummy' } };
    default:
      return undefined;
  }
}

/** The player: found, and able to play a short generated sound to a null output. */
async function checkPlayer(command: string | undefined): Promise<CheckResult> {
  const [{ defaultPlayer, parseCommand, playMp3 }, { findProgram, installHint }, { notificationChime }] = await Promise.all([
    import('../../audio/player.js'),
    import('../../audio/programs.js'),
    import('../../audio/chime.js'),
  ]);
  const line = command ?? defaultPlayer(process.platform);
  let argv: string[];
  try {
    argv = parseCommand(line);
  } catch (err) {
    const error = asClovaError(err, (m) => new UsageError(m));
    return failed('player', true, error.message, 'fix the quoting of --player', error);
  }
  const program = argv[0] ?? '';
  const path = findProgram(program);
  if (path === undefined) {
    const message = `${program || '(empty)'} not found`;
    return failed('player', true, message, `${installHint(basename(program))}, or choose another with --player`, new UsageError(message, 'E_PROGRAM_MISSING'), { command: line });
  }
  const silent = silentPlayer(argv);
  if (!silent) {
    return {
      name: 'player',
      status: 'warn',
      required: true,
      detail: `${line}: found (${path}); not tried: doctor plays to a null output only with mpg123, play, mpv and ffplay`,
      fix: `try it by hand: clova-cli text hello --emulator --player ${JSON.stringify(line)}`,
      data: { command: line, path },
    };
  }
  const silentLine = silent.argv.map(quoteArg).join(' ');
  const chime = notificationChime(); // encoded first: the time below is the player's
  const started = performance.now();
  try {
    await playMp3(chime, { command: silentLine, env: { ...process.env, ...silent.env }, timeoutMs: PLAYER_TIMEOUT_MS });
  } catch (err) {
    const error = asClovaError(err, (m) => new UsageError(m));
    const message = `${silentLine}: ${error.message}`;
    return failed('player', true, message, 'check that the player decodes MP3 from standard input, or choose another with --player', new UsageError(message), { command: line, tried: silentLine });
  }
  const took = ms(performance.now() - started);
  return ok('player', true, `${line}: played a 0.6 s generated chime to a null output (${silentLine}) in ${took} ms`, { command: line, tried: silentLine, ms: took });
}

/** pocketsphinx, which the emulator uses to hear English speech: found, with its model, and running. */
async function checkPocketsphinx(): Promise<CheckResult> {
  const { sharedSpeechToText } = await import('../../emulator/voice-settings.js');
  const stt = sharedSpeechToText();
  const fix = 'apt-get install pocketsphinx pocketsphinx-en-us (only the emulator needs it, to recognise English speech)';
  const missing = await stt.unavailable();
  if (missing) return failed('pocketsphinx', false, `${missing}: the emulator cannot recognise speech`, fix, new UsageError(missing, 'E_PROGRAM_MISSING'));
  const started = performance.now();
  try {
    // A quarter second of silence (with the recogniser's own noise floor): it must start and answer.
    await stt.decode(Buffer.alloc(8000));
  } catch (err) {
    const error = asClovaError(err, (m) => new UsageError(m));
    return failed('pocketsphinx', false, `pocketsphinx_continuous failed: ${error.message}`, fix, error);
  }
  const took = ms(performance.now() - started);
  return ok('pocketsphinx', false, `pocketsphinx_continuous with the en-us model decodes (${took} ms); the emulator hears English`, { ms: took });
}

/** `work`, or a failed check when it takes longer than CHECK_TIMEOUT_MS or throws. */
async function bounded(name: CheckResult['name'], required: boolean, work: () => Promise<CheckResult>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      const message = `did not finish within ${CHECK_TIMEOUT_MS / 1000} s`;
      resolve(failed(name, required, message, 'run the check again; rerun the command it stands for with --verbose', new TimeoutError(message)));
    }, CHECK_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([
      work().catch((err: unknown) => {
        const error = asClovaError(err, (m) => new UsageError(m));
        return failed(name, required, error.message, 'see the message', error);
      }),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const SIGNS: Record<Status, string> = { ok: '✓', warn: '!', fail: '✗' };
const COLOURS: Record<Status, string> = { ok: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m' };

/** One line for a person: sign, name, what was found, and the fix. Server and device text is sanitised. */
function humanLine(r: CheckResult, colour: boolean): string {
  const sign = colour ? `${COLOURS[r.status]}${SIGNS[r.status]}\x1b[0m` : SIGNS[r.status];
  const fix = r.fix && r.status !== 'ok' ? ` → fix: ${r.fix}` : '';
  return `${sign} ${r.name.padEnd(12)} ${terminalLine(r.detail)}${terminalLine(fix)}`;
}

function jsonLine(r: CheckResult): string {
  return safeJson({ type: 'check', name: r.name, status: r.status, required: r.required, detail: r.detail, fix: r.fix ?? null, ...r.data });
}

/** Runs `clova-cli doctor` (commands/doctor.ts defines its options). */
export async function runDoctor(opts: DoctorOptions): Promise<void> {
  const env = configurationEnv();
  const emulator = opts.emulator === true;
  // The CIC settings are checked exactly as the request commands check them (exit 2 for a bad
  // option); the token is the token check's business, so a stand-in keeps the settings from asking.
  const settings = resolveRequestSettings(
    { server: opts.server, caFile: opts.caFile, insecure: opts.insecure, emulator, timeout: '30000', helloTimeout: String(HELLO_TIMEOUT_MS), pingInterval: '60000', pingTimeout: String(PING_TIMEOUT_MS) },
    { ...env, CLOVA_ACCESS_TOKEN: 'doctor-stand-in' },
  );
  const colour = !opts.json && colorLevel({ flag: opts.color, env: process.env, stdoutIsTTY: process.stdout.isTTY === true, detected: 1 }) > 0;
  const print = (r: CheckResult) => process.stdout.write((opts.json ? jsonLine(r) : humanLine(r, colour)) + '\n');
  for (const w of settings.warnings) process.stderr.write(`clova-cli: ${w}\n`);

  let stopEmulator: (() => Promise<void>) | undefined;
  try {
    let cicUrl = settings.url;
    if (emulator) {
      const { startEmulator } = await import('../../emulator/index.js');
      const e = await startEmulator({ host: '127.0.0.1', port: 0 });
      stopEmulator = () => e.close();
      cicUrl = new URL(e.url);
    }
    const tokenCheck = checkToken(env, emulator);
    // The network checks go first and alone, so that no local work (a recorder, the chime's MP3
    // encoding, pocketsphinx) delays the event loop while the round trips are measured; then the
    // local checks run together. Each runs whatever the others found; the lines come out in this
    // order as soon as they are known.
    const network = (async () => {
      const { token, result } = await tokenCheck;
      const cic = await bounded('cic', true, () => checkCic(settings, cicUrl!, emulator ? 'emulator-token' : token));
      // A stored login is refreshed through the Auth API during a session: then listen needs it.
      const needed = !emulator && result.data?.source === 'stored credentials' && result.status === 'ok';
      const auth = await bounded('auth', needed, () => checkAuth(env, emulator ? cicUrl : undefined, needed));
      return { cic, auth };
    })();
    const local = network.then(() => ({
      recorder: bounded('recorder', true, () => checkRecorder(opts.recorder, opts.device)),
      player: bounded('player', true, () => checkPlayer(opts.player)),
      pocketsphinx: bounded('pocketsphinx', false, () => checkPocketsphinx()),
    }));
    const checks: Array<Promise<CheckResult>> = [
      Promise.resolve(checkNode()),
      tokenCheck.then((t) => t.result),
      network.then((n) => n.cic),
      network.then((n) => n.auth),
      local.then((l) => l.recorder),
      local.then((l) => l.player),
      local.then((l) => l.pocketsphinx),
    ];
    const results: CheckResult[] = [];
    for (const check of checks) {
      const r = await check;
      results.push(r);
      print(r);
    }
    const failures = results.filter((r) => r.status === 'fail');
    const warnings = results.filter((r) => r.status === 'warn').map((r) => r.name);
    const first = failures[0]?.error;
    const exitCode = first ? exitCodeFor(first) : 0;
    const ready = failures.length === 0;
    if (opts.json) {
      process.stdout.write(safeJson({ type: 'summary', ready, exitCode, failed: failures.map((r) => r.name), warnings }) + '\n');
    } else if (ready) {
      process.stdout.write(`ready: listen has everything it needs${warnings.length > 0 ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings.join(', ')})` : ''}\n`);
    }
    if (first) throw summaryError(first, failures.map((r) => r.name));
  } finally {
    await stopEmulator?.().catch(() => undefined);
  }
}

/** The failure that ends the command: the first failed check's error (its code gives the exit status), told as a summary. */
function summaryError(first: ClovaError, names: string[]): ClovaError {
  const err = Object.create(Object.getPrototypeOf(first) as object) as ClovaError;
  Object.assign(err, first);
  Object.defineProperty(err, 'message', {
    value: `not ready for listen: ${names.length === 1 ? 'the check' : 'the checks'} ${names.join(', ')} failed; the first: ${first.message}`,
  });
  return err;
}

import { accessSync, constants, statSync } from 'node:fs';
import { FileProblem, makeDirectories, MIB, readCappedFile } from '../fs/bounded-files.js';
import { isIPv4, isIPv6 } from 'node:net';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseFaults } from '../emulator/faults.js';
import { AuthError, UsageError } from '../protocol/errors.js';
import { MAX_TIMER_MS } from '../protocol/timer-range.js';
import { buildUserAgent, isValidUserAgent } from '../protocol/user-agent.js';
import { credentialsPath, readCredentials } from '../auth/credentials-store.js';
import { tokenProblem, userAgentProblem } from '../auth/header-values.js';
import { configurationEnv, secrets } from './secrets.js';
import { packageVersion } from './version.js';
import { recordModeOf, type RecordMode } from './record-mode.js';

/** The real service (spec 1.1). */
export const DEFAULT_CIC_URL = 'https://prod-ni-cic.clova.ai';
/** A CA bundle is a few certificates: the system's whole bundle is about 200 KiB. */
const CA_FILE_CAP = 4 * MIB;

/** Options shared by the request commands, as commander parses them. */
export interface RequestOptions {
  server?: string;
  json?: boolean;
  saveAudio?: string;
  record?: string;
  recordAudio?: boolean;
  force?: boolean;
  recordAppend?: boolean;
  /** Voice commands only (recognize, listen): typed requests carry no language. */
  lang?: string;
  timeout: string;
  helloTimeout: string;
  pingInterval: string;
  pingTimeout: string;
  verbose?: boolean;
  caFile?: string;
  insecure?: boolean;
  emulator?: boolean;
  emulatorFault?: string[];
  color?: boolean;
  /** Print where each turn's time went. */
  timings?: boolean;
}

/** Validated settings for one request command. */
export interface RequestSettings {
  url?: URL; // undefined with --emulator (the emulator's own URL is used)
  token?: string;
  userAgent: string;
  json: boolean;
  saveAudioDir?: string;
  /** --record: the file the conversation is written to (JSON Lines, README "Record format"). */
  recordPath?: string;
  /** --record-audio: the audio sent goes into the record too, not only its count and sha256. */
  recordAudio?: boolean;
  /** `new`: refuse an existing file (default); `overwrite`: --force; `append`: --record-append. */
  recordMode?: RecordMode;
  lang: 'ko' | 'en' | 'ja';
  timeoutMs: number;
  helloTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  verbose: boolean;
  extraCa?: string;
  insecure: boolean;
  emulator: boolean;
  emulatorFaults: string[];
  /** --timings: where each turn's time went, after it. */
  timings: boolean;
  /** `warning: …` lines to print on every run before connecting (cleartext, unverified TLS). */
  warnings: string[];
  /** Set when the token comes from the stored credentials: it is refreshed when due and on a 401. */
  stored?: { path: string; clientSecret: string | undefined };
}

export { MAX_TIMER_MS };

/**
 * Parses a duration option in whole milliseconds, 1 to MAX_TIMER_MS (the one rule for every
 * `<ms>` option); throws UsageError naming the option and the range.
 */
export function durationMs(value: string, option: string): number {
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(ms >= 1 && ms <= MAX_TIMER_MS)) {
    throw new UsageError(`${option} must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS} (got "${value}")`);
  }
  return ms;
}

/**
 * Parses a duration option in seconds (decimals allowed), above 0 and at most `maxSeconds`, which
 * itself never exceeds the timer range; throws UsageError naming the option and the range.
 */
export function durationSeconds(value: string, option: string, maxSeconds: number): number {
  const max = Math.min(maxSeconds, Math.floor(MAX_TIMER_MS / 1000));
  const text = value.trim();
  const seconds = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds > 0 && seconds <= max)) {
    throw new UsageError(`${option} must be a number of seconds above 0 and at most ${max} (got "${value}")`);
  }
  return seconds;
}

/** The port as written in a URL string ('' for "host:"), or undefined when none is written. */
function writtenPort(raw: string): string | undefined {
  const afterScheme = raw.trim().replace(/^[a-z][a-z0-9+.-]*:\/*/i, '');
  const authority = afterScheme.split(/[/?#\\]/)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  return /:(\d*)$/.exec(hostPort)?.[1];
}

/** Parses and checks a CIC base URI. */
export function parseServerUrl(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source} is not a URL: "${value}" (expected https://host or http://host:port)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${source} must start with https:// (TLS) or http:// (h2c), got "${url.protocol}"`);
  }
  // Checked before anything that repeats the value: the password must not be printed.
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(
      `${source} must not contain a user name or password (the access token is the only credential); remove the "user:password@" part`,
    );
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new UsageError(`${source} must be a base URI without a path (got "${value}")`);
  }
  // WHATWG URL drops a default port, so only the raw string tells "http://h" (port 80 by accident,
  // as h2c servers rarely listen there) from "http://h:80" (asked for).
  const port = writtenPort(value);
  if (url.protocol === 'http:' && (port === undefined || port === '')) {
    throw new UsageError(`${source} ${url.origin} has no port: give the h2c server's port, e.g. ${url.origin}:8443 (write :80 to mean port 80)`);
  }
  if (url.port === '0') throw new UsageError(`${source} ${url.origin} names port 0, which no server listens on`);
  return url;
}

/** The eight 16-bit groups of an IPv6 address (net.isIPv6 already said it is one), an IPv4 tail included. */
function ipv6Groups(host: string): number[] {
  let text = host.replace(/%.*$/, ''); // a zone index ("fe80::1%eth0") names an interface, not an address
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * True for a host that is this machine: 127.0.0.0/8, ::1 (IPv4-mapped forms included) or localhost.
 * Plain arithmetic rather than net.BlockList, whose first check cost about 4 ms of every request's start-up.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIPv6(host)) {
    const g = ipv6Groups(host);
    const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
    if (zeros(7) && g[7] === 1) return true; // ::1
    return zeros(5) && g[5] === 0xffff && (g[6]! >> 8) === 127; // ::ffff:127.x.y.z
  }
  return isIPv4(host) && host.startsWith('127.');
}

/**
 * Decides whether the token may travel to `url` in cleartext: returns the warning to print on
 * every run when cleartext to another host is allowed (`allowedBy` names --insecure or the
 * variable), nothing for TLS or loopback, and throws UsageError when it is not allowed.
 */
export function cleartextWarning(url: URL, source: string, allowedBy: string | undefined): string | undefined {
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return undefined;
  if (allowedBy === undefined) {
    throw new UsageError(
      `${source} ${url.origin} is cleartext (http://) to a host that is not this machine: the access token would cross the network unencrypted; ` +
        'use https://, or allow it with --insecure (or CLOVA_ALLOW_INSECURE=1)',
    );
  }
  return `warning: ${allowedBy}: cleartext (http://) to ${url.host}, which is not this machine: the access token crosses the network unencrypted`;
}

/** The default User-Agent for this machine (spec 1.5). */
export function defaultUserAgent(): string {
  return buildUserAgent(packageVersion, {
    os: os.type(),
    osRelease: os.release(),
    arch: os.arch(),
    nodeVersion: process.versions.node,
  });
}

/**
 * Checks every option and environment variable before any connection is made; throws
 * UsageError (exit 2) or AuthError (exit 3, no token).
 */
export function resolveRequestSettings(opts: RequestOptions, env: NodeJS.ProcessEnv = configurationEnv()): RequestSettings {
  const lang = opts.lang ?? 'ko';
  if (lang !== 'ko' && lang !== 'en' && lang !== 'ja') throw new UsageError(`--lang must be ko, en or ja (got "${lang}")`);
  const timeoutMs = durationMs(opts.timeout, '--timeout');
  const helloTimeoutMs = durationMs(opts.helloTimeout, '--hello-timeout');
  const pingIntervalMs = durationMs(opts.pingInterval, '--ping-interval');
  const pingTimeoutMs = durationMs(opts.pingTimeout, '--ping-timeout');

  const ua = env.CLOVA_USER_AGENT?.trim() ? env.CLOVA_USER_AGENT.trim() : defaultUserAgent();
  const uaWhy = userAgentProblem(ua);
  if (uaWhy) throw new UsageError(`CLOVA_USER_AGENT ${uaWhy}`);
  if (!isValidUserAgent(ua)) {
    throw new UsageError(
      `CLOVA_USER_AGENT "${ua}" does not follow the CIC grammar Maker/Product/1.2.3 (OS;HW[;key=value])`,
    );
  }

  let extraCa: string | undefined;
  if (opts.caFile !== undefined) {
    try {
      extraCa = readCappedFile(opts.caFile, CA_FILE_CAP);
    } catch (err) {
      throw new UsageError(`--ca-file ${opts.caFile}: ${err instanceof FileProblem && err.message !== err.code ? `it ${err.message}` : ((err as NodeJS.ErrnoException).code ?? (err as Error).message)}`);
    }
    if (!extraCa.includes('-----BEGIN CERTIFICATE-----')) {
      throw new UsageError(`--ca-file ${opts.caFile} holds no PEM certificate`);
    }
  }

  let saveAudioDir: string | undefined;
  if (opts.saveAudio !== undefined) {
    saveAudioDir = resolve(opts.saveAudio);
    try {
      makeDirectories(saveAudioDir);
      if (!statSync(saveAudioDir).isDirectory()) throw new Error('not a directory');
      accessSync(saveAudioDir, constants.W_OK);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new UsageError(`--save-audio ${opts.saveAudio} is not a writable directory (${why})`);
    }
  }

  if (opts.recordAudio === true && opts.record === undefined) throw new UsageError('--record-audio needs --record <file>');
  const recordPath = opts.record !== undefined ? resolve(opts.record) : undefined;
  const recordMode = recordModeOf(opts, recordPath);

  const allowInsecure = env.CLOVA_ALLOW_INSECURE?.trim() ?? '';
  if (allowInsecure !== '' && allowInsecure !== '0' && allowInsecure !== '1') {
    throw new UsageError(`CLOVA_ALLOW_INSECURE must be 1 (allow) or 0 (got "${allowInsecure}")`);
  }
  const insecureBy = opts.insecure === true ? '--insecure' : allowInsecure === '1' ? 'CLOVA_ALLOW_INSECURE=1' : undefined;
  const warnings: string[] = [];
  const emulator = opts.emulator === true;
  let url: URL | undefined;
  if (!emulator) {
    const source = opts.server !== undefined ? '--server' : 'CLOVA_CIC_URL';
    url = parseServerUrl(opts.server ?? (env.CLOVA_CIC_URL?.trim() || DEFAULT_CIC_URL), source);
    const cleartext = cleartextWarning(url, source, insecureBy);
    if (cleartext) warnings.push(cleartext);
    if (insecureBy && url.protocol === 'https:') warnings.push(`warning: ${insecureBy}: the server's certificate is not verified`);
  } else if (opts.server !== undefined) {
    throw new UsageError('--server and --emulator exclude each other');
  }
  if (!emulator && (opts.emulatorFault?.length ?? 0) > 0) {
    throw new UsageError('--emulator-fault needs --emulator');
  }
  try {
    parseFaults(opts.emulatorFault ?? []);
  } catch (err) {
    throw new UsageError(`--emulator-fault: ${(err as Error).message}`);
  }

  let token = env.CLOVA_ACCESS_TOKEN?.trim() || undefined;
  const problem = token === undefined ? undefined : tokenProblem(token);
  if (problem !== undefined) throw new UsageError(`CLOVA_ACCESS_TOKEN ${problem}`);
  let stored: RequestSettings['stored'];
  if (!emulator && token === undefined) {
    // CLOVA_ACCESS_TOKEN wins (and is never refreshed); otherwise the login of `clova-cli login`.
    const path = credentialsPath(env);
    const creds = readCredentials(path);
    if (!creds) {
      throw new AuthError('not logged in: run clova-cli login, or set CLOVA_ACCESS_TOKEN (try --emulator to run offline)', undefined, 'E_NO_TOKEN');
    }
    secrets.add(creds.accessToken);
    secrets.add(creds.refreshToken);
    // The same cleartext rule as CLOVA_AUTH_URL: a refresh sends the client secret and refresh token there.
    const authUrl = new URL(creds.authUrl);
    if (authUrl.protocol === 'http:' && !isLoopbackHost(authUrl.hostname)) {
      throw new AuthError(
        `the stored credentials ${path} name a cleartext (http://) Auth API on another host (${authUrl.host}): the client secret and tokens would cross the network unencrypted; run clova-cli login with an https:// CLOVA_AUTH_URL`,
      );
    }
    token = creds.accessToken;
    stored = { path, clientSecret: env.CLOVA_CLIENT_SECRET?.trim() || undefined };
  }
  if (emulator) token ??= 'emulator-token';

  const settings: RequestSettings = {
    token,
    userAgent: ua,
    json: opts.json === true,
    lang,
    timeoutMs,
    helloTimeoutMs,
    pingIntervalMs,
    pingTimeoutMs,
    verbose: opts.verbose === true,
    insecure: insecureBy !== undefined,
    emulator,
    emulatorFaults: opts.emulatorFault ?? [],
    timings: opts.timings === true,
    warnings,
  };
  if (url) settings.url = url;
  if (stored) settings.stored = stored;
  if (saveAudioDir) settings.saveAudioDir = saveAudioDir;
  if (recordPath) {
    settings.recordPath = recordPath;
    settings.recordAudio = opts.recordAudio === true;
    settings.recordMode = recordMode;
  }
  if (extraCa) settings.extraCa = extraCa;
  return settings;
}

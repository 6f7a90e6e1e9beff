import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseFaults } from '../emulator/faults.js';
import { AuthError, UsageError } from '../protocol/errors.js';
import { buildUserAgent, isValidUserAgent } from '../protocol/user-agent.js';
import { configurationEnv } from './secrets.js';
import { packageVersion } from './version.js';

/** The real service (spec 1.1). */
export const DEFAULT_CIC_URL = 'https://prod-ni-cic.clova.ai';

/** Options shared by the request commands, as commander parses them. */
export interface RequestOptions {
  server?: string;
  json?: boolean;
  saveAudio?: string;
  lang: string;
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
}

/** Validated settings for one request command. */
export interface RequestSettings {
  url?: URL; // undefined with --emulator (the emulator's own URL is used)
  token?: string;
  userAgent: string;
  json: boolean;
  saveAudioDir?: string;
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
}

/** Loads `.env` from the working directory; real environment variables win (process.loadEnvFile). */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR') {
      throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
    }
  }
}

function positiveInt(value: string, option: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) <= 0) {
    throw new UsageError(`${option} must be a positive number of milliseconds (got "${value}")`);
  }
  return Number(value);
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
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new UsageError(`${source} must be a base URI without a path (got "${value}")`);
  }
  return url;
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
  const lang = opts.lang;
  if (lang !== 'ko' && lang !== 'en' && lang !== 'ja') throw new UsageError(`--lang must be ko, en or ja (got "${lang}")`);
  const timeoutMs = positiveInt(opts.timeout, '--timeout');
  const helloTimeoutMs = positiveInt(opts.helloTimeout, '--hello-timeout');
  const pingIntervalMs = positiveInt(opts.pingInterval, '--ping-interval');
  const pingTimeoutMs = positiveInt(opts.pingTimeout, '--ping-timeout');

  const ua = env.CLOVA_USER_AGENT?.trim() ? env.CLOVA_USER_AGENT.trim() : defaultUserAgent();
  if (!isValidUserAgent(ua)) {
    throw new UsageError(
      `CLOVA_USER_AGENT "${ua}" does not follow the CIC grammar Maker/Product/1.2.3 (OS;HW[;key=value])`,
    );
  }

  let extraCa: string | undefined;
  if (opts.caFile !== undefined) {
    try {
      extraCa = readFileSync(opts.caFile, 'utf8');
    } catch (err) {
      throw new UsageError(`--ca-file ${opts.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!extraCa.includes('-----BEGIN CERTIFICATE-----')) {
      throw new UsageError(`--ca-file ${opts.caFile} holds no PEM certificate`);
    }
  }

  let saveAudioDir: string | undefined;
  if (opts.saveAudio !== undefined) {
    saveAudioDir = resolve(opts.saveAudio);
    try {
      mkdirSync(saveAudioDir, { recursive: true });
      if (!statSync(saveAudioDir).isDirectory()) throw new Error('not a directory');
      accessSync(saveAudioDir, constants.W_OK);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new UsageError(`--save-audio ${opts.saveAudio} is not a writable directory (${why})`);
    }
  }

  const emulator = opts.emulator === true;
  let url: URL | undefined;
  if (!emulator) {
    url =
      opts.server !== undefined
        ? parseServerUrl(opts.server, '--server')
        : parseServerUrl(env.CLOVA_CIC_URL?.trim() || DEFAULT_CIC_URL, 'CLOVA_CIC_URL');
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
  if (token !== undefined && /[\s\u0000-\u001f]/.test(token)) {
    throw new UsageError('CLOVA_ACCESS_TOKEN contains whitespace or control characters');
  }
  if (!emulator && token === undefined) {
    throw new AuthError('CLOVA_ACCESS_TOKEN is not set: export it or put it in .env; try --emulator to run offline', undefined, 'E_NO_TOKEN');
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
    insecure: opts.insecure === true,
    emulator,
    emulatorFaults: opts.emulatorFault ?? [],
  };
  if (url) settings.url = url;
  if (saveAudioDir) settings.saveAudioDir = saveAudioDir;
  if (extraCa) settings.extraCa = extraCa;
  return settings;
}

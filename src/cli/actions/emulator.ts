import { readFile } from 'node:fs/promises';
import { UsageError } from '../../protocol/errors.js';
import { MAX_TIMER_SECONDS } from '../../protocol/timer-range.js';
import { durationSeconds, isLoopbackHost } from '../config.js';
import type { Emulator, EmulatorOptions } from '../../emulator/index.js';
import { parseFaults } from '../../emulator/faults.js';
import { configurationEnv, secrets } from '../secrets.js';

/** The options of `emulator`, as commander parses them. */
export interface EmulatorCommandOptions {
  host: string;
  port: string;
  tls?: boolean;
  cert?: string;
  key?: string;
  token?: string;
  tokenLifetime?: string;
  clientId?: string;
  clientSecret?: string;
  fault?: string[];
  pushEvery?: string;
  replay?: string;
  strictUa?: boolean;
  recognizer?: string;
  recognizedText?: boolean;
  showRecognizedText?: boolean;
  recordLimit?: string;
  handshakeTimeout?: string;
  idleTimeout?: string;
  maxConnections?: string;
  quiet?: boolean;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`--port "${text}" is not a port number (0-65535)`);
  return Number(text);
}

async function readPem(flag: string, file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!text.includes('-----BEGIN')) throw new UsageError(`${flag} ${file} holds no PEM data`);
  return text;
}

/**
 * A secret the emulator checks, from its option or, so that it does not show in `ps`, from the
 * environment (the option wins); registered for redaction. Undefined when neither is given.
 */
function secretOption(value: string | undefined, option: string, variable: string): string | undefined {
  const fromEnv = configurationEnv()[variable];
  const secret = value ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined);
  if (secret === undefined) return undefined;
  const from = value !== undefined ? option : variable;
  if (!/^\S+$/.test(secret)) throw new UsageError(`${from} must be non-empty and without whitespace`);
  secrets.add(secret);
  return secret;
}

/** Turns the command's flags into emulator options; throws UsageError on bad input. */
async function toOptions(opts: EmulatorCommandOptions): Promise<EmulatorOptions> {
  const options: EmulatorOptions = { host: opts.host, port: parsePort(opts.port) };
  const faults = opts.fault ?? [];
  try {
    parseFaults(faults);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  options.faults = faults;
  if ((opts.cert === undefined) !== (opts.key === undefined)) throw new UsageError('--cert and --key must be given together');
  if (opts.cert !== undefined && opts.key !== undefined) {
    options.cert = await readPem('--cert', opts.cert);
    options.key = await readPem('--key', opts.key);
  }
  options.tls = opts.tls === true || opts.cert !== undefined;
  const token = secretOption(opts.token, '--token', 'CLOVA_EMULATOR_TOKEN');
  if (token !== undefined) options.token = token;
  if (opts.tokenLifetime !== undefined) {
    const text = opts.tokenLifetime.trim();
    if (!/^\d{1,10}$/.test(text) || Number(text) < 1 || Number(text) > 2_147_483_647) {
      throw new UsageError(`--token-lifetime must be a whole number of seconds from 1 to 2147483647 (got "${opts.tokenLifetime}")`);
    }
    options.tokenLifetimeSeconds = Number(text);
  }
  if (opts.clientId !== undefined) {
    if (!/^\S+$/.test(opts.clientId)) throw new UsageError('--client-id must be non-empty and without whitespace');
    options.clientId = opts.clientId;
  }
  const clientSecret = secretOption(opts.clientSecret, '--client-secret', 'CLOVA_EMULATOR_CLIENT_SECRET');
  if (clientSecret !== undefined) options.clientSecret = clientSecret;
  if (opts.pushEvery !== undefined) {
    options.pushEverySeconds = durationSeconds(opts.pushEvery, '--push-every', MAX_TIMER_SECONDS);
  }
  if (opts.recordLimit !== undefined) {
    if (!/^\d+$/.test(opts.recordLimit) || Number(opts.recordLimit) < 1) {
      throw new UsageError(`--record-limit "${opts.recordLimit}" is not a whole number of 1 or more`);
    }
    options.recordLimit = Number(opts.recordLimit);
  }
  if (opts.handshakeTimeout !== undefined) options.handshakeTimeoutSeconds = durationSeconds(opts.handshakeTimeout, '--handshake-timeout', MAX_TIMER_SECONDS);
  if (opts.idleTimeout !== undefined) options.idleTimeoutSeconds = durationSeconds(opts.idleTimeout, '--idle-timeout', MAX_TIMER_SECONDS);
  if (opts.maxConnections !== undefined) {
    if (!/^\d+$/.test(opts.maxConnections) || Number(opts.maxConnections) < 1) {
      throw new UsageError(`--max-connections "${opts.maxConnections}" is not a whole number of 1 or more`);
    }
    options.maxConnections = Number(opts.maxConnections);
  }
  if (opts.replay !== undefined) options.replay = opts.replay;
  if (opts.strictUa) options.strictUserAgent = true;
  if (opts.recognizer !== undefined) {
    if (opts.recognizer !== 'auto' && opts.recognizer !== 'off') throw new UsageError(`--recognizer must be auto or off (got "${opts.recognizer}")`);
    options.recognizer = opts.recognizer;
  }
  if (opts.recognizedText) options.recognizedText = true;
  if (opts.showRecognizedText === false) options.showRecognizedText = false;
  if (!opts.quiet) {
    // The server's own "listening on" line would repeat the one the command prints on stdout.
    options.log = (line) => {
      if (!line.startsWith('listening on ')) process.stderr.write(`${line}\n`);
    };
  }
  return options;
}

/** Where it listens, as a person needs to know it: "http://127.0.0.1:8443", or "all interfaces (0.0.0.0), port 8443; …". */
function describeListening(emulator: Emulator): string {
  if (emulator.address === '0.0.0.0' || emulator.address === '::') {
    return `all interfaces (${emulator.address}), port ${emulator.port}; from this machine: ${emulator.url}`;
  }
  return emulator.url;
}

/** Runs `clova-cli emulator` until SIGINT/SIGTERM (commands/emulator.ts defines its options). */
export async function runEmulator(opts: EmulatorCommandOptions): Promise<void> {
  const options = await toOptions(opts);
  let emulator;
  try {
    // The server code loads only for this command, keeping other commands' start-up short.
    const { startEmulator } = await import('../../emulator/index.js');
    emulator = await startEmulator(options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new UsageError(`port ${options.port} on ${options.host} is in use: pick another with --port`);
    if (e.code === 'EACCES') throw new UsageError(`not allowed to listen on port ${options.port}: pick another with --port`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new UsageError(`cannot listen on --host ${options.host}`);
    if (options.replay !== undefined && e.message.startsWith('cannot replay')) throw new UsageError(`--replay: ${e.message}`);
    throw err;
  }
  // Before the lines that announce it: a script may send SIGINT as soon as it has read the URL.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const faults = options.faults ?? [];
  process.stdout.write(`CIC emulator listening on ${describeListening(emulator)}${faults.length > 0 ? ` with faults ${faults.join(' ')}` : ''}\n`);
  if (options.replay !== undefined) process.stdout.write(`replaying ${options.replay}\n`);
  if (options.token === undefined && !isLoopbackHost(emulator.address)) {
    process.stderr.write(
      `clova-cli: warning: the emulator listens beyond this machine (${emulator.address}) and accepts any token: ` +
        `anyone who can reach port ${emulator.port} can use it; set --token or CLOVA_EMULATOR_TOKEN, or use --host 127.0.0.1\n`,
    );
  }
  if (emulator.certPath) process.stdout.write(`certificate: ${emulator.certPath}\n`);
  process.stdout.write(
    `point the client at it: export CLOVA_CIC_URL=${emulator.url}` +
      (emulator.certPath ? ` and pass --ca-file ${emulator.certPath}` : '') +
      (options.token === undefined ? ' (any CLOVA_ACCESS_TOKEN works)' : '') +
      '\n',
  );
  process.stdout.write(`log in against it: export CLOVA_AUTH_URL=${emulator.url}\n`);
  await stopped;
  await emulator.close();
}

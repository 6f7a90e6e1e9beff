import chalk, { Chalk } from 'chalk';
import type { Ora } from 'ora';
import { CicClient, type EventResult } from '../client/client.js';
import type { SpeechPlayer } from '../client/speech-queue.js';
import type { EmulatorOptions } from '../emulator/index.js';
import { DirectoryAttachmentSink } from '../client/attachments.js';
import { InterruptedError, ServerError } from '../protocol/errors.js';
import { redact } from '../protocol/redact.js';
import { terminalLine } from '../protocol/sanitize.js';
import type { RequestSettings } from './config.js';
import { HumanRenderer } from './output/human.js';
import { JsonRenderer } from './output/json.js';
import type { Renderer } from './output/renderer.js';

/** What a request command works with. */
export interface RequestSession {
  client: CicClient;
  renderer: Renderer;
  settings: RequestSettings;
  /** Aborted on Ctrl-C: stop recorders and players at once. */
  signal: AbortSignal;
}

/** What a command adds to a session. */
export interface SessionExtras {
  /** Plays speech (undefined: not played). */
  speech?: SpeechPlayer;
  /** Extra options for the in-process emulator of --emulator. */
  emulator?: Partial<EmulatorOptions>;
}

/**
 * Ends one turn: waits for the report events it caused and for its speech to be played, prints the
 * response line, and turns a System.Exception inside a 200 into an error (exit 4).
 */
export async function finishTurn(session: RequestSession, result: EventResult): Promise<void> {
  await session.client.settled(); // reports the answer asked for (e.g. DeviceControl.ActionExecuted)
  await session.client.speechIdle();
  await session.client.settled(); // SpeechFinished
  session.renderer.response(result);
  if (result.exception) {
    const code = Number(result.exception.code) || result.status;
    throw new ServerError(
      `the server sent System.Exception ${code}: ${result.exception.description ?? 'no description'}`,
      code,
      result.exception.description,
    );
  }
}

const write = (stream: NodeJS.WriteStream) => (s: string) => {
  stream.write(s);
};

/** Chooses the renderer: NDJSON with --json; colour only on a TTY without NO_COLOR/--no-color. */
export async function makeRenderer(settings: RequestSettings, colorOption: boolean | undefined): Promise<Renderer> {
  if (settings.json) return new JsonRenderer(write(process.stdout), write(process.stderr));
  const colorAllowed = colorOption !== false && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
  const level = colorAllowed && process.stdout.isTTY ? (chalk.level || 1) : 0;
  let spinner: ((text: string) => Ora) | undefined;
  // A terminal that reports no width (some pseudo-terminals) makes ora's line clearing loop: no spinner there.
  if (process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && !settings.verbose) {
    const { default: ora } = await import('ora'); // only for terminals: it costs ~45 ms of start-up
    const color = level > 0 ? 'cyan' : false;
    spinner = (text) => ora({ text, stream: process.stderr, color: color as 'cyan', isEnabled: true, discardStdin: false });
  }
  return new HumanRenderer(write(process.stdout), write(process.stderr), new Chalk({ level }), spinner, {
    out: process.stdout.isTTY === true,
    err: process.stderr.isTTY === true,
  });
}

/**
 * Runs `work` with a connected client: starts the in-process emulator for --emulator, wires
 * output and the --verbose trace, turns SIGINT into exit 130, and always closes everything.
 */
export async function runRequestSession(
  settings: RequestSettings,
  renderer: Renderer,
  work: (session: RequestSession) => Promise<void>,
  extras: SessionExtras = {},
): Promise<void> {
  let stopEmulator: (() => Promise<void>) | undefined;
  let url = settings.url;
  const started = Date.now();
  const trace = (line: string) => {
    if (settings.verbose) process.stderr.write(`[trace +${Date.now() - started}ms] ${terminalLine(redact(line, settings.token))}\n`);
  };
  if (settings.emulator) {
    const { startEmulator } = await import('../emulator/index.js');
    const emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      ...extras.emulator,
      faults: settings.emulatorFaults,
      log: settings.verbose ? (l: string) => trace(`emulator: ${l}`) : undefined,
    });
    stopEmulator = () => emulator.close();
    url = new URL(emulator.url);
    trace(`emulator listening on ${emulator.url}`);
  }
  const client = new CicClient({
    url: url!,
    token: settings.token!,
    userAgent: settings.userAgent,
    extraCa: settings.extraCa,
    insecure: settings.insecure,
    attachments: settings.saveAudioDir ? new DirectoryAttachmentSink(settings.saveAudioDir) : undefined,
    helloTimeoutMs: settings.helloTimeoutMs,
    keepAlive: { intervalMs: settings.pingIntervalMs, ackTimeoutMs: settings.pingTimeoutMs },
    speech: extras.speech,
  });
  client.on('trace', trace);
  if (settings.insecure && url!.protocol === 'https:') {
    renderer.notice("warning: --insecure: the server's certificate is not verified");
  }
  client.on('directive', (d) => renderer.directive(d));
  client.on('audio', (a) => renderer.audio(a));
  client.on('notice', (m) => renderer.notice(m));
  client.on('speech', (p) => renderer.speech(p));
  const abort = new AbortController();

  let interrupted: (() => void) | undefined;
  const onSigint = new Promise<never>((_, reject) => {
    interrupted = () => {
      client.cancelUploads(); // first, before anything can finish an interrupted utterance
      abort.abort();
      client.stopSpeech('interrupted');
      reject(new InterruptedError('interrupted by the user (Ctrl-C); nothing more was sent'));
    };
  });
  const sigint = () => interrupted?.();
  process.once('SIGINT', sigint);
  process.once('SIGTERM', sigint);
  try {
    await Promise.race([
      (async () => {
        trace(`connecting to ${url!.origin} as "${settings.userAgent}"`);
        await client.connect({ timeoutMs: settings.timeoutMs });
        await work({ client, renderer, settings, signal: abort.signal });
      })(),
      onSigint,
    ]);
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigint);
    renderer.close();
    await client.close();
    await stopEmulator?.().catch(() => undefined);
  }
}


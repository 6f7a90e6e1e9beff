import type { Ora } from 'ora';
import { CicClient, SystemExceptionError, type DeviceOptions, type EventResult } from '../client/client.js';
import type { SpeechPlayer } from '../client/speech-queue.js';
import type { EmulatorOptions } from '../emulator/index.js';
import { DirectoryAttachmentSink } from '../client/attachments.js';
import { secrets } from './secrets.js';
import { AuthError, InterruptedError, TerminatedError, type ClovaError } from '../protocol/errors.js';
import { freshCredentials } from '../auth/refresh.js';
import { renewalDelay } from '../auth/renewal-delay.js';
import type { StoredCredentials } from '../auth/credentials-store.js';
import { redact } from '../protocol/redact.js';
import { terminalLine } from '../protocol/sanitize.js';
import type { RequestSettings } from './config.js';
import { colorLevel } from './output/color.js';
import { plainStyle } from './output/plain-style.js';
import type { SessionRecorder } from './session-recorder.js';
import { packageVersion } from './version.js';
import type { Renderer } from './output/renderer.js';

/** What a request command works with. */
export interface RequestSession {
  client: CicClient;
  renderer: Renderer;
  settings: RequestSettings;
  /** Aborted on SIGINT or SIGTERM (reason "interrupted" or "terminated"): stop recorders and players at once. */
  signal: AbortSignal;
  /** The server talked to (the emulator's own URL with --emulator). */
  server: URL;
  /** When the access token expires (stored logins only; undefined: not known). */
  tokenExpiresAt(): number | undefined;
}

/** What a command adds to a session. */
export interface SessionExtras {
  /** Plays speech (undefined: not played). */
  speech?: SpeechPlayer;
  /** The client is a device (chat): alerts ring, music plays, notifications sound, at the speaker's volume. */
  device?: DeviceOptions;
  /** Extra options for the in-process emulator of --emulator. */
  emulator?: Partial<EmulatorOptions>;
  /** The command's signal watch, when it started before the session (else the session makes one). */
  signals?: StopSignals;
  /** Called with the client before it connects (to watch its connection from the first Hello on). */
  connecting?: (client: CicClient, server: URL, renderer: Renderer) => void;
  /** Where the --verbose trace goes (default: stderr). */
  traceWrite?: (text: string) => void;
}

/**
 * Turns SIGINT (Ctrl-C, exit 130) and SIGTERM (exit 143) into errors for as long as a command
 * runs, including before it connects. After the first signal the handlers are gone, so a second
 * one takes the default action: a way out should the cleanup hang.
 */
/** How long after SIGINT/SIGTERM the process exits whatever it is still waiting for. */
export const SIGNAL_EXIT_MS = 1000;

export class StopSignals {
  /** Rejects with the signal's error; never resolves. */
  readonly stopped: Promise<never>;
  private reject!: (err: ClovaError) => void;
  private readonly actions = new Set<(reason: string) => void>();
  private error: ClovaError | undefined;
  private reason: string | undefined;
  private readonly onSigint = () => this.stop(new InterruptedError('interrupted by the user (Ctrl-C); nothing more was sent'), 'interrupted');
  private readonly onSigterm = () => this.stop(new TerminatedError('terminated (SIGTERM); nothing more was sent'), 'terminated');

  /** `sigint: false`: SIGINT is left to the command (chat cancels a turn with it), SIGTERM still ends it. */
  constructor(options: { sigint?: boolean } = {}) {
    this.stopped = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.stopped.catch(() => undefined); // only whoever races it reports it
    if (options.sigint !== false) process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigterm);
  }

  /**
   * Runs `action` (stop a recorder, cancel uploads) at once when a signal comes, or now if one
   * came already; returns its remover.
   */
  onStop(action: (reason: string) => void): () => void {
    if (this.reason !== undefined) {
      action(this.reason);
      return () => undefined;
    }
    this.actions.add(action);
    return () => this.actions.delete(action);
  }

  /** `work`'s outcome, or the signal's error when a signal comes first. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.error) return Promise.reject(this.error);
    return Promise.race([work, this.stopped]);
  }

  /** Removes the handlers (idempotent). */
  dispose(): void {
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigterm);
  }

  private stop(error: ClovaError, reason: string): void {
    this.dispose();
    // The orderly end (the error line, players and recorders stopped) takes milliseconds; should
    // anything hold the process past SIGNAL_EXIT_MS (a peer that never answers, a blocked file), it
    // exits anyway with the signal's code: every signal ends every command within a second.
    setTimeout(() => process.exit(error instanceof InterruptedError ? 130 : 143), SIGNAL_EXIT_MS).unref();
    this.error = error;
    this.reason = reason;
    // Rejected before the actions run, so a race settles with the signal's error and not with
    // whatever the actions make the work fail with.
    this.reject(error);
    for (const action of this.actions) action(reason);
  }
}

/**
 * Refreshes the stored token during a long session (see renewalDelay), and again
 * before each new expiry. Scheduled from the wall-clock expiry, one timer at a time (Node's timer
 * range is respected: a far expiry is reached in steps).
 */
export class SessionRenewal {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    expiresAt: number,
    private readonly refresh: () => Promise<number>,
    private readonly failed: (err: unknown) => void,
  ) {
    this.schedule(expiresAt);
  }

  /** Cancels the next refresh. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(expiresAt: number): void {
    if (this.stopped) return;
    // A fraction of a short lifetime, never sooner than 10 s (issue 17: a 30 s token refreshed every second).
    this.timer = setTimeout(() => {
      this.refresh().then(
        (next) => this.schedule(next),
        // A failed refresh here is not the end: the next request's 401 gets its own refresh.
        (err) => this.failed(err),
      );
    }, renewalDelay(expiresAt, Date.now()));
    this.timer.unref();
  }
}

/**
 * Ends one turn: waits for the report events it caused and for its speech to be played, prints the
 * response line, and then fails with the turn's error when its answer was a System.Exception
 * inside a 200 (exit 4): that answer was read whole, so it is shown like any other first.
 */
export async function finishTurn(session: Pick<RequestSession, 'client' | 'renderer'>, turn: Promise<EventResult>): Promise<void> {
  let result: EventResult;
  let exception: SystemExceptionError | undefined;
  try {
    result = await turn;
  } catch (err) {
    if (!(err instanceof SystemExceptionError)) throw err;
    exception = err;
    result = err.result;
  }
  await session.client.settled(); // reports the answer asked for (e.g. DeviceControl.ActionExecuted)
  await session.client.speechIdle();
  await session.client.settled(); // SpeechFinished
  session.renderer.response(result);
  if (exception) throw exception;
}

const write = (stream: NodeJS.WriteStream) => (s: string) => {
  stream.write(s);
};

/** How an interactive session (chat) draws: through its prompt, with no spinner of its own. */
export interface ScreenWriters {
  out(text: string): void;
  err(text: string): void;
  /** The live line (meter, transcript); undefined: redrawn in place on stderr as usual. */
  live?: (text: string) => void;
}

/**
 * Chooses the renderer (NDJSON with --json; colour as colorLevel decides: --no-color, FORCE_COLOR, NO_COLOR, a TTY) and
 * prints the settings' warnings through it, so every command shows them before it connects.
 */
export async function makeRenderer(settings: RequestSettings, colorOption: boolean | undefined, screen?: ScreenWriters): Promise<Renderer> {
  const renderer = await chooseRenderer(settings, colorOption, screen);
  for (const warning of settings.warnings) renderer.notice(warning);
  return renderer;
}

async function chooseRenderer(settings: RequestSettings, colorOption: boolean | undefined, screen: ScreenWriters | undefined): Promise<Renderer> {
  const out = screen ? (s: string) => screen.out(s) : write(process.stdout);
  const err = screen ? (s: string) => screen.err(s) : write(process.stderr);
  // Each renderer, and chalk, loads only when it is used: this is start-up time of every request.
  if (settings.json) {
    const { JsonRenderer } = await import('./output/json.js');
    return new JsonRenderer(out, err);
  }
  const stdoutIsTTY = process.stdout.isTTY === true;
  // What chalk detects for the terminal matters only when stdout is one.
  const chalk = stdoutIsTTY ? await import('chalk') : undefined;
  const level = colorLevel({ flag: colorOption, env: process.env, stdoutIsTTY, detected: chalk?.default.level ?? 0 });
  const style = level === 0 ? plainStyle : new (chalk ?? (await import('chalk'))).Chalk({ level });
  let spinner: ((text: string) => Ora) | undefined;
  // A terminal that reports no width (some pseudo-terminals) makes ora's line clearing loop: no spinner there.
  if (!screen && process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && !settings.verbose) {
    const { default: ora } = await import('ora'); // only for terminals: it costs ~45 ms of start-up
    const color = level > 0 ? 'cyan' : false;
    spinner = (text) => ora({ text, stream: process.stderr, color: color as 'cyan', isEnabled: true, discardStdin: false });
  }
  const { HumanRenderer } = await import('./output/human.js');
  return new HumanRenderer(
    out,
    err,
    style,
    spinner,
    { out: stdoutIsTTY, err: process.stderr.isTTY === true },
    { verbose: settings.verbose, live: screen?.live },
  );
}

/**
 * Runs `work` with a connected client: starts the in-process emulator for --emulator, wires
 * output and the --verbose trace, turns SIGINT and SIGTERM into exits 130 and 143, and always
 * closes everything.
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
  const traceWrite = extras.traceWrite ?? ((text: string) => process.stderr.write(text));
  const trace = (line: string) => {
    if (settings.verbose) traceWrite(`[trace +${Date.now() - started}ms] ${terminalLine(redact(line, settings.token))}\n`);
  };
  let recorder: SessionRecorder | undefined;
  if (settings.recordPath) {
    const { SessionRecorder } = await import('./session-recorder.js');
    recorder = SessionRecorder.open(settings.recordPath, {
      audio: settings.recordAudio === true,
      redact: (t) => secrets.redact(t),
      secretBytes: secrets.secretBytes(),
      token: settings.token,
      tool: `clova-cli ${packageVersion}`,
      failed: (m) => renderer.notice(`warning: ${m}`),
    }, settings.recordMode);
    trace(`recording the conversation to ${settings.recordPath}`);
  }
  if (settings.emulator) {
    const { startEmulator } = await import('../emulator/index.js');
    const emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      ...extras.emulator,
      faults: settings.emulatorFaults,
      log: settings.verbose ? (l: string) => trace(`emulator: ${l}`) : undefined,
    }).catch((err: unknown) => {
      recorder?.close();
      throw err;
    });
    stopEmulator = () => emulator.close();
    url = new URL(emulator.url);
    trace(`emulator listening on ${emulator.url}`);
  }
  let token = settings.token!;
  const refreshContext = settings.stored
    ? { path: settings.stored.path, clientSecret: settings.stored.clientSecret, timeoutMs: settings.timeoutMs, trace }
    : undefined;
  let tokenExpiresAt: number | undefined;
  const adopt = (creds: StoredCredentials) => {
    secrets.add(creds.accessToken);
    secrets.add(creds.refreshToken);
    token = creds.accessToken;
    tokenExpiresAt = creds.expiresAt;
    return creds;
  };
  const makeClient = () => {
    const c = new CicClient({
      url: url!,
      token,
      userAgent: settings.userAgent,
      extraCa: settings.extraCa,
      insecure: settings.insecure,
      attachments: settings.saveAudioDir ? new DirectoryAttachmentSink(settings.saveAudioDir, (t) => secrets.redact(t)) : undefined,
      helloTimeoutMs: settings.helloTimeoutMs,
      keepAlive: { intervalMs: settings.pingIntervalMs, ackTimeoutMs: settings.pingTimeoutMs },
      speech: extras.speech,
      device: extras.device,
      wire: recorder,
      // Spec 2.6: a 401 with a stored login gets one refresh (shared with other processes through the lock).
      onUnauthorized: refreshContext
        ? async (rejected: string) => {
            refreshed = true;
            trace('CIC answered 401: refreshing the stored token');
            const creds = adopt(await freshCredentials(refreshContext, { rejectedToken: rejected }));
            return creds.accessToken;
          }
        : undefined,
    });
    c.on('trace', trace);
    c.on('directive', (d) => renderer.directive(d));
    c.on('audio', (a) => renderer.audio(a));
    c.on('notice', (m) => renderer.notice(m));
    c.on('speech', (p) => renderer.speech(p));
    c.on('media', (m) => renderer.media(m));
    c.on('alert', (a) => renderer.alert(a));
    if (settings.timings) c.on('timing', (t) => renderer.timing(t));
    return c;
  };
  let client: CicClient | undefined;
  let refreshed = false;
  const abort = new AbortController();
  const signals = extras.signals ?? new StopSignals();
  const removeAction = signals.onStop((reason) => {
    client?.cancelUploads(); // first, before anything can finish an interrupted utterance
    abort.abort(reason);
    client?.stopSpeech(reason);
  });
  let renewal: SessionRenewal | undefined;
  try {
    await signals.race(
      (async () => {
        // Stored credentials: refreshed before connecting when they expire within the margin.
        const expiresAt = refreshContext ? adopt(await freshCredentials(refreshContext)).expiresAt : undefined;
        client = makeClient();
        const current = client;
        if (refreshContext && expiresAt !== undefined) {
          renewal = new SessionRenewal(
            expiresAt,
            async () => {
              const creds = adopt(await freshCredentials(refreshContext));
              current.setToken(creds.accessToken);
              return creds.expiresAt;
            },
            (err) => renderer.notice(`warning: ${(err as Error).message}`),
          );
        }
        try {
          trace(`connecting to ${url!.origin} as "${settings.userAgent}"`);
          extras.connecting?.(client, url!, renderer);
          await client.connect({ timeoutMs: settings.timeoutMs });
          await work({ client, renderer, settings, signal: abort.signal, server: url!, tokenExpiresAt: () => tokenExpiresAt });
        } catch (err) {
          if (refreshContext && err instanceof AuthError && err.status === 401) {
            throw new AuthError(`CIC refused the ${refreshed ? 'refreshed token too' : 'stored token'} (401): run clova-cli login again`, 401);
          }
          throw err;
        }
      })(),
    );
  } finally {
    renewal?.stop();
    removeAction();
    if (!extras.signals) signals.dispose();
    renderer.close();
    await client?.close();
    recorder?.close();
    await stopEmulator?.().catch(() => undefined);
  }
}

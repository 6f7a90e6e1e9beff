import type { Interface } from 'node:readline';
import { SilenceWatch } from '../../audio/level.js';
import type { Microphone } from '../../audio/microphone.js';
import type { AlertsSummary, MediaCommand } from '../../client/client.js';
import { AuthError, ClovaError, UsageError } from '../../protocol/errors.js';
import { exitCodeFor } from '../exit.js';
import { voiceDialog } from '../microphone-turns.js';
import type { StatusInfo } from '../output/renderer.js';
import { finishTurn, type RequestSession } from '../request-session.js';
import { chatHelp, IMMEDIATE, parseChatLine, type ChatCommandName, type ChatInput } from './commands.js';
import type { ChatScreen } from './screen.js';

/** Where the session's lines come from: a terminal (readline) or a pipe. */
export interface ChatTerminal {
  rl: Interface;
  screen: ChatScreen;
}

/** What the loop needs besides the connected session. */
export interface ChatLoopOptions {
  /** Opens a recorder whose first audio (or failure) has been seen. */
  openMicrophone(): Promise<Microphone>;
  /** The longest utterance in bytes of L16. */
  maxBytes: number;
  /** On a terminal: readline and the prompt. Undefined: lines come from `lines` (a pipe). */
  terminal?: ChatTerminal;
  /** Without a terminal: the checked lines of standard input. */
  lines?: AsyncIterator<string>;
}

/** The turn in flight: how to cancel it, and for a voice turn how to end the utterance. */
interface Turn {
  cancel: AbortController;
  voice: boolean;
  /** Voice: ends the current utterance (Enter). */
  endUtterance?: () => void;
  /** Voice: audio of the current utterance has gone out (a typed line no longer replaces it). */
  sending: boolean;
}

/**
 * The interactive session over one connected client: lines in (typed at a prompt, or piped), turns
 * out (text, voice, follow-ups), commands, Ctrl-C, and the end of input. On a terminal, commands
 * act at once even during a turn, typed text waits for the turn in flight (and stops its speech),
 * and after an ExpectSpeech the microphone opens by itself unless a line is already waiting.
 * Without a terminal every line waits for the one before it, speech included.
 */
export class ChatLoop {
  /** Typed lines waiting for their turn (terminal only). */
  private readonly queue: string[] = [];
  private wake: (() => void) | undefined;
  private inputEnded = false;
  private quitting = false;
  private turn: Turn | undefined;
  /** Why the microphone cannot be used, once it failed: said once, then voice is not tried by itself. */
  private micProblem: string | undefined;
  /** Ctrl-C on an empty prompt was pressed once: a second one ends the session. */
  private interruptArmed = false;
  /** Failed turns (pipe mode: the exit status is the first one's). */
  private firstFailure: ClovaError | undefined;
  private failures = 0;

  constructor(
    private readonly session: RequestSession,
    private readonly options: ChatLoopOptions,
  ) {}

  private get client() {
    return this.session.client;
  }

  private get renderer() {
    return this.session.renderer;
  }

  /** Runs until /quit, Ctrl-D, a second Ctrl-C or the end of input; rejects only for an error that ends the session. */
  async run(): Promise<void> {
    const { client } = this;
    const { terminal } = this.options;
    const onActivity = () => this.showState();
    const onDirective = () => terminal?.screen.status(client.activity, client.pendingExpectSpeech !== undefined);
    // Spec 4.7: an alert that starts ringing while the user speaks cancels the capture.
    const onAlert = (a: { phase: string }) => {
      if (a.phase === 'started' && this.turn?.voice && client.activity === 'listening') {
        this.turn.cancel.abort('cancelled: an alert began ringing');
        client.cancelUploads();
      }
    };
    client.on('activity', onActivity);
    client.on('directive', onDirective);
    client.on('alert', onAlert);
    if (terminal) this.attachTerminal(terminal);
    try {
      for (;;) {
        const line = await this.nextLine();
        if (line === undefined || this.quitting) break;
        await this.handle(parseChatLine(line));
        if (this.quitting) break;
        await this.followUpByVoice();
      }
      // The end of input waits for what is still playing (a pipe: the last turn's speech is part of it).
      if (!this.quitting) await client.speechIdle();
    } finally {
      client.off('activity', onActivity);
      client.off('directive', onDirective);
      client.off('alert', onAlert);
      client.stopSpeech('the session ended');
      client.stopAlerts('session-ended');
      client.stopMedia('the session ended');
      await client.settled();
    }
    if (!terminal && this.firstFailure) throw summary(this.firstFailure, this.failures);
  }

  private showState(): void {
    const { client } = this;
    this.renderer.state(client.activity);
    this.options.terminal?.screen.status(client.activity, client.pendingExpectSpeech !== undefined);
  }

  /** The next line to handle; undefined at the end of input or on /quit. */
  private async nextLine(): Promise<string | undefined> {
    if (this.options.terminal) {
      for (;;) {
        if (this.quitting) return undefined;
        const line = this.queue.shift();
        if (line !== undefined) return line;
        if (this.inputEnded) return undefined;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    }
    const next = await this.options.lines!.next();
    return next.done ? undefined : next.value;
  }

  private notify(): void {
    this.wake?.();
  }

  private attachTerminal(t: ChatTerminal): void {
    t.rl.on('line', (line) => this.typed(line));
    t.rl.on('close', () => {
      // Ctrl-D: the session ends at once, cleanly (what plays stops, the turn in flight is cancelled).
      this.inputEnded = true;
      this.quit('Ctrl-D');
    });
    t.rl.on('SIGINT', () => this.interrupt());
    t.screen.attach(t.rl);
  }

  /** A line typed at the prompt (terminal only). */
  private typed(line: string): void {
    this.interruptArmed = false;
    const input = parseChatLine(line);
    if (input.kind === 'command' && IMMEDIATE.has(input.name)) {
      void this.command(input.name, input.argument);
      return;
    }
    const turn = this.turn;
    if (turn?.voice) {
      // Enter ends the utterance; a typed line answers instead of the voice that has not started yet.
      if (input.kind === 'talk') {
        turn.endUtterance?.();
        return;
      }
      this.queue.push(line);
      if (turn.sending) turn.endUtterance?.();
      else turn.cancel.abort('typed instead');
      return;
    }
    // A new request interrupts the speech of the one before (spec 4.7).
    if (turn && input.kind !== 'unknown' && this.client.activity === 'speaking') this.client.stopSpeech('interrupted by a new request');
    this.queue.push(line);
    this.notify();
  }

  /** Ctrl-C: cancels the turn in flight, else stops speech, else music, else clears the line, else asks for a second one. */
  interrupt(): void {
    const { client } = this;
    const rl = this.options.terminal?.rl;
    if (this.turn) {
      this.queue.length = 0;
      this.turn.cancel.abort('cancelled with Ctrl-C');
      client.cancelUploads();
      client.stopSpeech('cancelled with Ctrl-C');
      return;
    }
    if (client.activity === 'speaking') {
      client.stopSpeech('stopped with Ctrl-C');
      return;
    }
    if (client.activity === 'playing') {
      client.stopMedia('stopped with Ctrl-C');
      return;
    }
    if (rl && rl.line.length > 0) {
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      return;
    }
    if (this.interruptArmed) {
      this.quit('Ctrl-C');
      return;
    }
    this.interruptArmed = true;
    this.renderer.help(['(to end the session, press Ctrl-C again, Ctrl-D, or type /quit)']);
  }

  /** Ends the session: the turn in flight is cancelled and what plays is stopped. */
  quit(_why: string): void {
    if (this.quitting) return;
    this.quitting = true;
    if (this.turn) {
      this.turn.cancel.abort('the session ended');
      this.client.cancelUploads();
    }
    this.client.stopSpeech('the session ended');
    this.client.stopMedia('the session ended');
    this.notify();
  }

  private async handle(input: ChatInput): Promise<void> {
    switch (input.kind) {
      case 'text':
        return this.textTurn(input.text);
      case 'talk':
        return this.voiceTurn(false, true);
      case 'command':
        return this.command(input.name, input.argument);
      case 'unknown':
        this.refused(new UsageError(`unknown command /${input.name}: /help lists the commands`));
    }
  }

  /** A command; the media buttons resolve when CLOVA has answered (a pipe waits for that before its next line). */
  private command(name: ChatCommandName, argument: string): Promise<void> | void {
    const { client, renderer } = this;
    switch (name) {
      case 'help':
        renderer.help(chatHelp());
        return;
      case 'talk':
        return; // parsed as a turn, never here
      case 'stop':
        // Spec 4.7: what is in the foreground stops first: speech, else a ringing alert (silenced
        // at once, RequestAlertStop; CLOVA's StopAlert ends it, spec 5.8), else music (PlayStopped).
        if (client.activity === 'speaking') client.stopSpeech('stopped with /stop');
        else if (client.requestAlertStop() === undefined) {
          client.stopSpeech('stopped with /stop');
          client.stopMedia('stopped with /stop');
        }
        return;
      case 'pause':
      case 'resume':
      case 'next':
      case 'prev':
        return this.mediaButton(MEDIA_BUTTONS[name]);
      case 'volume': {
        if (argument !== '') {
          const v = /^\d+$/.test(argument) ? Number(argument) : NaN;
          if (!(v >= 0 && v <= 10)) {
            this.refused(new UsageError(`/volume takes a whole number from 0 to 10 (got "${argument}")`));
            return;
          }
          client.setVolume(v);
        }
        renderer.volume({ volume: client.state.volume, muted: client.state.muted });
        return;
      }
      case 'mute':
      case 'unmute':
        client.setMuted(name === 'mute');
        renderer.volume({ volume: client.state.volume, muted: client.state.muted });
        return;
      case 'status': {
        const expires = this.session.tokenExpiresAt();
        const link = client.connection;
        renderer.status({
          connection: link === undefined ? 'connecting' : link.phase,
          server: this.session.server.origin,
          reconnects: link?.reconnects ?? 0,
          ...(expires !== undefined ? { tokenExpiresAt: new Date(expires).toISOString() } : {}),
          volume: client.state.volume,
          muted: client.state.muted,
          activity: client.activity,
          expecting: client.pendingExpectSpeech !== undefined,
          ...(client.state.lastSpeech ? { speech: { ...client.state.lastSpeech } } : {}),
          alerts: client.state.alerts?.allAlerts.length ?? 0,
          ...alertsStatus(client.alertsSummary),
          ...(client.media ? { media: client.media } : {}),
          ...(client.notifications ? { notifications: client.notifications } : {}),
        });
        return;
      }
      case 'quit':
        this.quit('/quit');
    }
  }

  private async textTurn(text: string): Promise<void> {
    const { client, session } = this;
    const turn: Turn = { cancel: new AbortController(), voice: false, sending: true };
    this.turn = turn;
    // At a prompt the typed line is on the screen already; --json and a pipe get the request line.
    const echo = !this.options.terminal || session.settings.json;
    const onRequest = (event: { event: { header: { dialogRequestId?: string }; payload: Record<string, unknown> } }) => {
      if (echo) this.renderer.request({ text, dialogRequestId: event.event.header.dialogRequestId, followUp: event.event.payload.speechId !== undefined });
    };
    client.once('request', onRequest);
    try {
      await finishTurn(session, client.sendText(text, { timeoutMs: session.settings.timeoutMs, signal: turn.cancel.signal }));
    } catch (err) {
      this.failed(err, turn);
    } finally {
      client.off('request', onRequest);
      this.turn = undefined;
    }
  }

  /**
   * A voice dialog from the microphone (as `listen` takes it). `followUp`: it answers a pending
   * ExpectSpeech, so it waits for the user to speak. `asked`: the user asked for it (/talk), so a
   * missing microphone is said again.
   */
  private async voiceTurn(followUp: boolean, asked: boolean): Promise<void> {
    if (this.micProblem !== undefined) {
      if (asked) this.renderer.notice(`no microphone (${this.micProblem}): type instead`);
      return;
    }
    const { client, session } = this;
    const turn: Turn = { cancel: new AbortController(), voice: true, sending: false };
    this.turn = turn;
    const onRequest = () => {
      turn.sending = true;
    };
    client.on('request', onRequest);
    try {
      let first: Microphone;
      try {
        first = await this.options.openMicrophone();
      } catch (err) {
        if (!(err instanceof ClovaError) || err instanceof AuthError) throw err;
        this.micProblem = err.message;
        this.renderer.notice(`no microphone: ${err.message}; the session goes on: type instead`);
        return;
      }
      await voiceDialog(
        session,
        {
          open: () => this.options.openMicrophone(),
          maxBytes: this.options.maxBytes,
          watchEnd: (stop) => {
            turn.endUtterance = stop;
            turn.sending = false;
            return () => {
              turn.endUtterance = undefined;
            };
          },
          cancel: turn.cancel.signal,
          silence: new SilenceWatch({ afterMs: 2000, thresholdDbfs: -80 }),
        },
        { first, followUpFirst: followUp },
      );
    } catch (err) {
      this.failed(err, turn);
    } finally {
      client.off('request', onRequest);
      this.turn = undefined;
    }
  }

  /** After an ExpectSpeech on a terminal: the microphone opens by itself, unless a line already waits. */
  private async followUpByVoice(): Promise<void> {
    while (
      this.options.terminal &&
      !this.quitting &&
      this.client.pendingExpectSpeech !== undefined &&
      this.queue.length === 0 &&
      this.micProblem === undefined
    ) {
      const before = this.client.pendingExpectSpeech;
      await this.voiceTurn(true, false);
      if (this.client.pendingExpectSpeech === before) return; // nobody answered by voice: the prompt takes it
    }
  }

  /** A media button: its *CommandIssued event; CLOVA's answer is carried out as it comes. Never rejects. */
  private async mediaButton(command: MediaCommand): Promise<void> {
    try {
      await this.client.mediaCommand(command, this.session.settings.timeoutMs);
    } catch (err) {
      if (err instanceof ClovaError) this.refused(err);
      else this.renderer.notice(`the ${command} button failed: ${(err as Error).message}`);
    }
  }

  /**
   * A line that cannot be taken (too long, not UTF-8, control characters; an unknown command, a bad
   * argument), or a command that failed: one line, counted (a piped session then ends with that
   * exit status), and the session goes on.
   */
  refused(err: ClovaError): void {
    this.failures++;
    this.firstFailure ??= err;
    this.renderer.turnError({ code: err.code, exitCode: exitCodeFor(err), message: err.message });
  }

  /** A failed turn: said, counted; the session goes on, unless it cannot (authentication, our own bug). */
  private failed(err: unknown, turn: Turn): void {
    if (turn.cancel.signal.aborted && err instanceof ClovaError) {
      if (!this.quitting) this.renderer.notice(`turn ${String(turn.cancel.signal.reason ?? 'cancelled')}`);
      return;
    }
    if (!(err instanceof ClovaError) || err instanceof AuthError) throw err;
    this.failures++;
    this.firstFailure ??= err;
    this.renderer.turnError({ code: err.code, exitCode: exitCodeFor(err), message: err.message });
  }
}

/** The chat commands that press a media button. */
const MEDIA_BUTTONS: Readonly<Record<'pause' | 'resume' | 'next' | 'prev', MediaCommand>> = {
  pause: 'Pause',
  resume: 'Resume',
  next: 'Next',
  prev: 'Previous',
};

/** The error a piped session ends with when turns failed: the first failure's class and code. */
function summary(first: ClovaError, failures: number): ClovaError {
  const err = Object.create(Object.getPrototypeOf(first) as object) as ClovaError;
  Object.assign(err, first);
  Object.defineProperty(err, 'message', {
    value: `${failures} turn${failures === 1 ? '' : 's'} of the session failed; the first: ${first.message}`,
  });
  return err;
}

/** The alerts part of `/status`: how many wait, the next, the ringing one. */
function alertsStatus(summary: AlertsSummary | undefined): Partial<StatusInfo> {
  if (!summary) return {};
  return {
    alertsPending: summary.pending,
    ...(summary.next ? { nextAlert: summary.next } : {}),
    ...(summary.ringing ? { ringingAlert: summary.ringing } : {}),
  };
}

import type { DeviceOptions } from '../client/client.js';
import { resolveRequestSettings, type RequestOptions, type RequestSettings } from './config.js';
import type { Renderer } from './output/renderer.js';
import { resolvePlayback } from './playback.js';
import type { PlaybackOptions } from './playback-options.js';
import { makeRenderer, runRequestSession, StopSignals, type RequestSession, type ScreenWriters, type SessionExtras } from './request-session.js';

/** What one request command (text, recognize, listen) does between the steps they share. */
export interface RequestCommand<Prepared> {
  /**
   * Play speech always (listen), only when stdout is a terminal (text, recognize), or when a person
   * is there: stdin or stdout is a terminal (chat).
   */
  playback: 'always' | 'tty' | 'person';
  /** false: SIGINT is the command's to handle (chat); SIGTERM still ends it. */
  sigint?: boolean;
  /** Draws through an interactive prompt (chat) instead of straight to stdout and stderr. */
  screen?: ScreenWriters;
  /** Called with the client before it connects. */
  connecting?: SessionExtras['connecting'];
  /** The session is a device (chat): alerts, music, notifications, the speaker's volume (DeviceOptions without `audio` and `formats`, which come from the player). */
  device?(): Omit<DeviceOptions, 'audio' | 'formats'>;
  /** Checks the arguments before any setting is read (the first error a user sees is about them). */
  check?(): void;
  /**
   * Reads and checks the input (files, the first line of stdin, the microphone's first audio) before
   * anything connects; undefined means there is nothing to send (exit 0, nothing connected).
   */
  prepare(context: PrepareContext): Promise<Prepared | undefined>;
  /** The turns, on a connected session. */
  turns(session: RequestSession, prepared: Prepared): Promise<void>;
  /** What to say when the last answer expects a follow-up this command will not send (undefined: nothing). */
  followUpHint?(prepared: Prepared): string | undefined;
  /** Releases what prepare opened (inputs, a recorder), however the command ended. */
  release?(prepared: Prepared): Promise<void> | void;
}

/** What `prepare` works with. */
export interface PrepareContext {
  settings: RequestSettings;
  renderer: Renderer;
  signals: StopSignals;
}

/**
 * The skeleton of every request command: signals (from the start, so a signal while the input is
 * read is reported like any other) → arguments → settings → renderer → player → input → session →
 * turns → follow-up hint → release. Everything that can be checked is checked before connecting.
 */
export async function runRequestCommand<Prepared>(opts: RequestOptions & PlaybackOptions, command: RequestCommand<Prepared>): Promise<void> {
  const signals = new StopSignals({ sigint: command.sigint });
  try {
    command.check?.();
    const settings = resolveRequestSettings(opts);
    const renderer = await makeRenderer(settings, opts.color, command.screen);
    const { speech, audio, formats } = await resolvePlayback(opts, command.playback, (m) => renderer.notice(m));
    const device: DeviceOptions | undefined = command.device ? { ...command.device(), audio, formats } : undefined;
    const prepared = await command.prepare({ settings, renderer, signals });
    if (prepared === undefined) return;
    try {
      await runRequestSession(
        settings,
        renderer,
        async (session) => {
          await command.turns(session, prepared);
          const hint = session.client.pendingExpectSpeech ? command.followUpHint?.(prepared) : undefined;
          if (hint) renderer.hint(hint);
        },
        { speech, device, signals, connecting: command.connecting, traceWrite: command.screen?.err },
      );
    } finally {
      await command.release?.(prepared);
    }
  } finally {
    signals.dispose();
  }
}

import { secrets } from '../secrets.js';
import readline from 'node:readline';
import { openMicrophone, type Microphone, type MicrophoneOptions, type RecorderBackend } from '../../audio/microphone.js';
import type { CicClient } from '../../client/client.js';
import type { UsageError } from '../../protocol/errors.js';
import { ChatLoop, type ChatTerminal } from '../chat/loop.js';
import { dropSecretLines, historyPath, HISTORY_LINES, loadHistory, saveHistory } from '../chat/history.js';
import { ChatScreen, type PromptStyle } from '../chat/screen.js';
import { loadVolume, saveVolume, volumePath } from '../chat/volume-store.js';
import { durationSeconds, type RequestOptions } from '../config.js';
import { MAX_UTTERANCE_SECONDS, primed } from '../microphone-turns.js';
import { colorLevel } from '../output/color.js';
import { plainStyle } from '../output/plain-style.js';
import type { Renderer } from '../output/renderer.js';
import type { PlaybackOptions } from '../playback-options.js';
import { runRequestCommand } from '../request-command.js';
import type { StopSignals } from '../request-session.js';
import { keepYoungGenerationSmall } from '../streaming-heap.js';
import { utteranceLines } from '../utterance.js';
import { BYTES_PER_SECOND } from '../voice.js';

/** The options of `chat`, as commander parses them. */
export interface ChatOptions extends RequestOptions, PlaybackOptions {
  recorder: RecorderBackend;
  device?: string;
  maxSeconds: string;
}

/** The longest an alert rings in a session when nobody stops it (CLOVA_ALERT_RING_SECONDS changes it). */
const ALERT_RING_SECONDS = 60;
/** The most CLOVA_ALERT_RING_SECONDS may ask for: an hour. */
const MAX_ALERT_RING_SECONDS = 3600;

/** The prompt's colours: those of the answers' stream rules (--no-color, NO_COLOR, FORCE_COLOR), for stderr. */
async function promptStyle(opts: ChatOptions): Promise<PromptStyle> {
  const { default: chalk, Chalk } = await import('chalk');
  const level = colorLevel({ flag: opts.color, env: process.env, stdoutIsTTY: true, detected: chalk.level || 1 });
  return level === 0 ? plainStyle : new Chalk({ level });
}

/**
 * The session's volume is the one the last session left (`$XDG_STATE_HOME/clova-cli/volume.json`),
 * and every change is written back; a change CLOVA made (DeviceControl, Mute) is shown as a volume
 * line (the user's own /volume prints its line itself).
 */
function keepVolume(client: CicClient, renderer: Renderer): void {
  const path = volumePath();
  try {
    const stored = loadVolume(path);
    if (stored) {
      client.setVolume(stored.volume);
      client.setMuted(stored.muted);
    }
  } catch (err) {
    renderer.notice(`the saved volume could not be read (${(err as Error).message}); it starts at ${client.state.volume}`);
  }
  let failed = false;
  client.on('volume', (v) => {
    if (v.source === 'clova') renderer.volume({ volume: v.volume, muted: v.muted });
    try {
      saveVolume(path, v);
    } catch (err) {
      if (!failed) renderer.notice(`the volume could not be saved (${(err as Error).message})`);
      failed = true;
    }
  });
}

/**
 * Runs `clova-cli chat` (commands/chat.ts defines its options): connects at once, then takes lines
 * from a prompt on a terminal, or from standard input otherwise, until /quit, Ctrl-D or the end of input.
 */
export async function runChat(opts: ChatOptions): Promise<void> {
  keepYoungGenerationSmall(); // voice turns stream audio; the session lives for hours
  // A person at a terminal gets the prompt; a pipe gets lines handled in order.
  const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
  const screen = interactive ? new ChatScreen(process.stderr, process.stdout, await promptStyle(opts)) : undefined;
  let maxSeconds = 0;
  let alertRingSeconds = ALERT_RING_SECONDS;
  const micOptions: MicrophoneOptions = { backend: opts.recorder, device: opts.device ?? 'default' };
  let stopSignals: StopSignals | undefined;
  const openRecorder = async (): Promise<Microphone> => {
    const m = await openMicrophone(micOptions);
    const remove = stopSignals?.onStop(() => m.abort());
    void m.exited.then(() => remove?.());
    try {
      return await primed(m);
    } catch (err) {
      m.stop();
      await m.exited;
      throw err;
    }
  };
  await runRequestCommand(opts, {
    playback: 'person',
    // On a terminal Ctrl-C cancels a turn (readline hands it over); without one it ends the session (exit 130).
    sigint: !interactive,
    screen,
    check: () => {
      maxSeconds = durationSeconds(opts.maxSeconds, '--max-seconds', MAX_UTTERANCE_SECONDS);
      const ring = process.env.CLOVA_ALERT_RING_SECONDS?.trim();
      if (ring) alertRingSeconds = durationSeconds(ring, 'CLOVA_ALERT_RING_SECONDS', MAX_ALERT_RING_SECONDS);
    },
    // The session is a device: alerts are kept, rung and reported (spec 5.8), music played (5.6),
    // notifications sounded (5.10), everything at the speaker's volume.
    device: () => ({ alertMaxRingMs: Math.round(alertRingSeconds * 1000) }),
    // Nothing is read before connecting: the session connects at once, so pushes are shown while idle.
    prepare: async ({ signals }) => {
      stopSignals = signals;
      if (!interactive) {
        signals.onStop(() => process.stdin.destroy()); // a pending read must not hold the process
      }
      // SIGTERM ends the session with an error line: on a row of its own, not after the half-typed line.
      if (screen) signals.onStop(() => screen.detach());
      return true;
    },
    connecting: (client, server, renderer) => {
      keepVolume(client, renderer);
      const origin = server.origin;
      renderer.session({ event: 'connecting', server: origin });
      client.on('connection', (s) => {
        screen?.link(s.phase === 'reconnecting');
        if (s.phase === 'connected') renderer.session({ event: 'ready', server: origin, connection: s.connectionId, reconnects: s.reconnects });
        else renderer.session({ event: 'reconnecting', reason: s.reason, reconnects: s.reconnects });
      });
    },
    turns: async (session) => {
      let terminal: ChatTerminal | undefined;
      let loop: ChatLoop | undefined;
      const onSigint = () => loop?.interrupt();
      if (screen) {
        const path = historyPath();
        let history: string[] = [];
        try {
          history = loadHistory(path);
        } catch (err) {
          session.renderer.notice(`the history could not be read (${(err as Error).message}); it starts empty`);
        }
        const rl = readline.createInterface({
          input: process.stdin,
          output: process.stderr,
          terminal: true,
          history,
          historySize: HISTORY_LINES,
          removeHistoryDuplicates: true,
          prompt: screen.promptText(),
        });
        let historyFailed = false;
        rl.on('history', (lines: string[]) => {
          dropSecretLines(lines, (l) => secrets.holds(l));
          try {
            saveHistory(path, lines);
          } catch (err) {
            if (!historyFailed) session.renderer.notice(`the history could not be saved (${(err as Error).message})`);
            historyFailed = true;
          }
        });
        terminal = { rl, screen };
        process.on('SIGINT', onSigint); // kill -INT from elsewhere acts as Ctrl-C does
      }
      const lines = terminal ? undefined : utteranceLines(process.stdin, (err: UsageError) => loop?.refused(err));
      loop = new ChatLoop(session, {
        openMicrophone: openRecorder,
        maxBytes: Math.round(maxSeconds * BYTES_PER_SECOND),
        terminal,
        lines,
      });
      try {
        await loop.run();
      } finally {
        process.off('SIGINT', onSigint);
        screen?.detach();
        terminal?.rl.close();
      }
    },
  });
}

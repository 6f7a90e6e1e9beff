import { keepYoungGenerationSmall } from '../streaming-heap.js';
import { openMicrophone, type Microphone, type MicrophoneOptions, type RecorderBackend } from '../../audio/microphone.js';
import { durationSeconds, type RequestOptions } from '../config.js';
import { MAX_UTTERANCE_SECONDS, primed, voiceDialog, watchEnter } from '../microphone-turns.js';
import { runRequestCommand } from '../request-command.js';
import type { PlaybackOptions } from '../playback-options.js';
import { BYTES_PER_SECOND } from '../voice.js';

/** The options of `listen`, as commander parses them. */
export interface ListenOptions extends RequestOptions, PlaybackOptions {
  recorder: RecorderBackend;
  device?: string;
  maxSeconds: string;
}

/** Runs `clova-cli listen` (commands/listen.ts defines its options). */
export async function runListen(opts: ListenOptions): Promise<void> {
  keepYoungGenerationSmall(); // every module this command needs is loaded by now
  let maxSeconds = 0;
  const micOptions: MicrophoneOptions = { backend: opts.recorder, device: opts.device ?? 'default' };
  let openRecorder: () => Promise<Microphone> = () => openMicrophone(micOptions);
  // The recorder opened before connecting, until the first turn takes it: none outlives the command.
  const current: { mic: Microphone | undefined } = { mic: undefined };
  await runRequestCommand(opts, {
    playback: 'always',
    check: () => {
      maxSeconds = durationSeconds(opts.maxSeconds, '--max-seconds', MAX_UTTERANCE_SECONDS);
    },
    // The microphone opens before the connection: a missing recorder is exit 2 with nothing sent,
    // and what the user says while the connection comes up is not lost.
    prepare: async ({ signals }) => {
      // On Ctrl-C every recorder is killed at once: its audio is discarded anyway, and a graceful stop
      // waits for the recorder's current read (the last part of the ~0.1 s Ctrl-C took here).
      openRecorder = async () => {
        const m = await openMicrophone(micOptions);
        const remove = signals.onStop(() => m.abort());
        void m.exited.then(remove);
        return m;
      };
      const opened = await openRecorder();
      try {
        current.mic = await signals.race(primed(opened));
      } catch (err) {
        opened.stop();
        await opened.exited;
        throw err;
      }
      return current;
    },
    turns: async (session) => {
      const first = current.mic;
      current.mic = undefined; // the dialog stops it
      await voiceDialog(
        session,
        { open: openRecorder, maxBytes: Math.round(maxSeconds * BYTES_PER_SECOND), watchEnd: watchEnter, cancel: session.signal },
        { first },
      );
    },
    release: async () => {
      current.mic?.stop();
      await current.mic?.exited;
    },
  });
}

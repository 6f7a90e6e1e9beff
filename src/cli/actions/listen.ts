import { keepYoungGenerationSmall } from '../streaming-heap.js';
import { measureLevel, SilenceWatch } from '../../audio/level.js';
import { openMicrophone, type Microphone, type MicrophoneOptions, type RecorderBackend } from '../../audio/microphone.js';
import { durationSeconds, type RequestOptions } from '../config.js';
import { runRequestCommand } from '../request-command.js';
import type { PlaybackOptions } from '../playback-options.js';
import { finishTurn, type RequestSession } from '../request-session.js';
import { BYTES_PER_SECOND } from '../voice.js';

/** The options of `listen`, as commander parses them. */
export interface ListenOptions extends RequestOptions, PlaybackOptions {
  recorder: RecorderBackend;
  device?: string;
  maxSeconds: string;
}

/** A follow-up turn starts sending once the level passes this (the user began to answer). */
const SPEECH_DBFS = -45;
/** Meter updates per second at most (the renderer also throttles). */
const METER_EVERY_BYTES = BYTES_PER_SECOND / 10;

/** The longest --max-seconds: ten minutes of speech is far beyond any one utterance. */
const MAX_UTTERANCE_SECONDS = 600;

/** How long the first turn waits for the recorder's first audio before connecting anyway. */
const FIRST_AUDIO_WAIT_MS = 2000;

/**
 * Waits for the microphone's first audio (or its failure: a device that cannot be opened) before
 * anything is sent, so a bad --device is exit 2 with no request half-sent. The audio read while
 * waiting is not lost. A recorder that stays silent past the wait is not an error here.
 */
async function primed(mic: Microphone): Promise<Microphone> {
  const it = mic.pcm[Symbol.asyncIterator]();
  const first = it.next();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = await Promise.race([
    first,
    new Promise<'wait'>((resolve) => {
      timer = setTimeout(() => resolve('wait'), FIRST_AUDIO_WAIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (waited !== 'wait' && waited.done) return mic;
  const pcm = (async function* () {
    const head = await first;
    if (head.done) return;
    yield head.value;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  })();
  return {
    pcm,
    stop: () => mic.stop(),
    abort: () => mic.abort(),
    description: mic.description,
    pid: mic.pid,
    exited: mic.exited,
  };
}

/** Calls `onEnter` when a line (Enter) arrives on stdin; returns the function that stops listening. */
function watchEnter(onEnter: () => void): () => void {
  const stdin = process.stdin;
  if (stdin.destroyed || stdin.readableEnded) return () => undefined;
  const onData = (chunk: Buffer | string) => {
    if (String(chunk).includes('\n') || String(chunk).includes('\r')) onEnter();
  };
  const onError = () => undefined;
  stdin.on('data', onData);
  stdin.on('error', onError);
  return () => {
    stdin.off('data', onData);
    stdin.off('error', onError);
    stdin.pause();
  };
}

/** Runs `clova-cli listen` (commands/listen.ts defines its options). */
export async function runListen(opts: ListenOptions): Promise<void> {
  keepYoungGenerationSmall(); // every module this command needs is loaded by now
  let maxSeconds = 0;
  const micOptions: MicrophoneOptions = { backend: opts.recorder, device: opts.device ?? 'default' };
  let openRecorder: () => Promise<Microphone> = () => openMicrophone(micOptions);
  // The recorder of the turn in progress, if any: none outlives its turn, nor the command.
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
      // -80 dBFS: a dead input, not a quiet room (a good microphone's noise floor is around -70).
      const silence = new SilenceWatch({ afterMs: 2000, thresholdDbfs: -80 });
      for (let turn = 0; ; turn++) {
        const expect = session.client.pendingExpectSpeech;
        if (turn > 0 && !expect) break;
        current.mic ??= await openRecorder();
        const mic = current.mic;
        try {
          const heard = await listenTurn(session, mic, {
            maxBytes: Math.round(maxSeconds * BYTES_PER_SECOND),
            waitForSpeechMs: turn > 0 ? (expect?.timeoutInMilliseconds ?? 7000) : undefined,
            silence,
          });
          if (!heard) break;
        } finally {
          mic.stop();
          await mic.exited; // no recorder outlives its turn
          current.mic = undefined;
        }
      }
    },
    release: async () => {
      current.mic?.stop();
      await current.mic?.exited;
    },
  });
}

/**
 * One voice turn from the microphone. A follow-up turn waits for the user to start speaking
 * (within ExpectSpeech's timeout, counted from the microphone opening, spec 4.8 digest); when
 * nobody speaks in time nothing is sent and false is returned.
 */
async function listenTurn(
  session: RequestSession,
  mic: Microphone,
  options: { maxBytes: number; waitForSpeechMs: number | undefined; silence: SilenceWatch },
): Promise<boolean> {
  const { client, renderer, settings } = session;
  let bytes = 0;
  let meterAt = 0;
  let why = 'the recorder stopped';
  let stopped = false;
  const stopWith = (reason: string) => {
    if (!stopped) why = reason;
    stopped = true;
    mic.stop();
  };
  const onSigint = () => stopWith(String(session.signal.reason ?? 'interrupted'));
  session.signal.addEventListener('abort', onSigint, { once: true });
  const stopEnter = watchEnter(() => stopWith('Enter'));
  const onStopCapture = () => stopWith('StopCapture from CLOVA');
  client.on('stop-capture', onStopCapture);
  renderer.capture({ phase: 'start', detail: mic.description });
  const captured = (async function* metered() {
    for await (const whole of mic.pcm) {
      // Nothing captured after a stop is sent (a recorder may still hand over what it had queued),
      // and no more than --max-seconds.
      if (stopped) return;
      const chunk = whole.subarray(0, Math.max(0, options.maxBytes - bytes));
      if (chunk.length === 0) return;
      bytes += chunk.length;
      if (bytes - meterAt >= METER_EVERY_BYTES || meterAt === 0) {
        meterAt = bytes;
        renderer.level(measureLevel(chunk), bytes / BYTES_PER_SECOND);
      }
      if (options.silence.update(chunk)) renderer.notice('no audio is reaching the microphone: check --device');
      yield chunk;
      if (bytes >= options.maxBytes) stopWith(`--max-seconds (${options.maxBytes / BYTES_PER_SECOND} s) reached`);
    }
  })();
  try {
    let audio: AsyncIterable<Buffer> = captured;
    if (options.waitForSpeechMs !== undefined) {
      const preroll = await waitForSpeech(captured, options.waitForSpeechMs);
      if (preroll === undefined) {
        mic.stop();
        renderer.capture({ phase: 'stop', detail: `no answer within ${options.waitForSpeechMs / 1000} s; the dialog ends`, seconds: bytes / BYTES_PER_SECOND });
        return false;
      }
      audio = (async function* () {
        yield* preroll;
        yield* captured;
      })();
    }
    const onRequest = (event: { event: { header: { dialogRequestId?: string }; payload: Record<string, unknown> } }) =>
      renderer.request({
        kind: 'voice',
        input: 'microphone',
        text: 'L16 16 kHz mono',
        dialogRequestId: event.event.header.dialogRequestId,
        followUp: event.event.payload.speechId !== undefined,
      });
    const onUploaded = () => {
      mic.stop();
      renderer.capture({ phase: 'stop', detail: why, seconds: bytes / BYTES_PER_SECOND });
    };
    client.once('request', onRequest);
    client.once('uploaded', onUploaded);
    try {
      await finishTurn(session, client.recognize(audio, { lang: settings.lang, timeoutMs: settings.timeoutMs }));
    } finally {
      client.off('request', onRequest);
      client.off('uploaded', onUploaded);
    }
    return true;
  } finally {
    mic.stop();
    stopEnter();
    client.off('stop-capture', onStopCapture);
    session.signal.removeEventListener('abort', onSigint);
  }
}

/**
 * Reads the microphone until a chunk is louder than SPEECH_DBFS; returns everything read so far
 * (the pre-roll, so the first syllable is not lost), or undefined when `timeoutMs` passed first.
 */
async function waitForSpeech(pcm: AsyncIterator<Buffer>, timeoutMs: number): Promise<Buffer[] | undefined> {
  const preroll: Buffer[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([pcm.next(), timeout]);
      if (next === 'timeout' || next.done) return undefined;
      preroll.push(next.value);
      if (measureLevel(next.value).dbfs > SPEECH_DBFS) return preroll;
    }
  } finally {
    clearTimeout(timer);
  }
}

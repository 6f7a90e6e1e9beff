import { measureLevel, SilenceWatch } from '../audio/level.js';
import type { Microphone } from '../audio/microphone.js';
import type { CicClient } from '../client/client.js';
import type { RequestSettings } from './config.js';
import type { Renderer } from './output/renderer.js';
import { finishTurn } from './request-session.js';
import { BYTES_PER_SECOND } from './voice.js';

/**
 * Voice turns from the microphone, as `listen` and `chat` both take them: the level meter, the end
 * of an utterance (StopCapture, Enter, --max-seconds), the answer and its speech, and the
 * follow-ups an ExpectSpeech asks for (the microphone opens again and waits for the user to speak).
 */

/** The longest --max-seconds: ten minutes of speech is far beyond any one utterance. */
export const MAX_UTTERANCE_SECONDS = 600;

/** A follow-up turn starts sending once the level passes this (the user began to answer). */
const SPEECH_DBFS = -45;
/** Meter updates per second at most (the renderer also throttles). */
const METER_EVERY_BYTES = BYTES_PER_SECOND / 10;
/** How long the first turn waits for the recorder's first audio before connecting anyway. */
const FIRST_AUDIO_WAIT_MS = 2000;
/** A follow-up's wait for speech when ExpectSpeech names no timeout. */
const DEFAULT_FOLLOW_UP_WAIT_MS = 7000;

/** What the turns work with. */
export interface VoiceContext {
  client: CicClient;
  renderer: Renderer;
  settings: RequestSettings;
}

/** How a dialog gets its recorder, how its utterances end, and how it is cancelled. */
export interface VoiceDialogOptions {
  /** Opens a recorder for a turn (its failure ends the dialog with that error). */
  open(): Promise<Microphone>;
  /** The longest utterance in bytes of L16 (--max-seconds). */
  maxBytes: number;
  /** Calls `stop` when the user ends the utterance (Enter); returns its remover. */
  watchEnd(stop: () => void): () => void;
  /** Aborted: the turn in progress is cancelled (the recorder killed, the upload reset). */
  cancel: AbortSignal;
  /** Warns once when the input stays dead. */
  silence?: SilenceWatch;
}

/**
 * Waits for the microphone's first audio (or its failure: a device that cannot be opened) before
 * anything is sent, so a bad --device is exit 2 with no request half-sent. The audio read while
 * waiting is not lost. A recorder that stays silent past the wait is not an error here.
 */
export async function primed(mic: Microphone): Promise<Microphone> {
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
export function watchEnter(onEnter: () => void): () => void {
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

/**
 * A voice dialog: turn after turn while CLOVA expects an answer. `first` is the recorder already
 * open for the first turn (listen opens it before connecting), if any. `followUpFirst`: the first
 * turn answers a pending ExpectSpeech, so it waits for the user to speak before sending. Returns
 * how the dialog ended: `answered` (no follow-up expected), `silent` (nobody answered in time),
 * `cancelled`.
 */
export async function voiceDialog(
  ctx: VoiceContext,
  options: VoiceDialogOptions,
  start: { first?: Microphone; followUpFirst?: boolean } = {},
): Promise<'answered' | 'silent' | 'cancelled'> {
  // -80 dBFS: a dead input, not a quiet room (a good microphone's noise floor is around -70).
  const silence = options.silence ?? new SilenceWatch({ afterMs: 2000, thresholdDbfs: -80 });
  let first = start.first;
  for (let turn = 0; ; turn++) {
    const expect = ctx.client.pendingExpectSpeech;
    const followUp = turn > 0 || start.followUpFirst === true;
    if (options.cancel.aborted || (followUp && !expect)) {
      if (first) {
        first.stop();
        await first.exited;
      }
      return options.cancel.aborted ? 'cancelled' : 'answered';
    }
    const mic = first ?? (await options.open());
    first = undefined;
    try {
      const heard = await listenTurn(ctx, mic, {
        maxBytes: options.maxBytes,
        waitForSpeechMs: followUp ? (expect?.timeoutInMilliseconds ?? DEFAULT_FOLLOW_UP_WAIT_MS) : undefined,
        silence,
        watchEnd: options.watchEnd,
        cancel: options.cancel,
      });
      if (options.cancel.aborted) return 'cancelled';
      if (!heard) return 'silent';
    } finally {
      mic.stop();
      await mic.exited; // no recorder outlives its turn
    }
  }
}

/**
 * One voice turn from the microphone. A follow-up turn waits for the user to start speaking
 * (within ExpectSpeech's timeout, counted from the microphone opening, spec 4.8 digest); when
 * nobody speaks in time nothing is sent and false is returned.
 */
async function listenTurn(
  ctx: VoiceContext,
  mic: Microphone,
  options: { maxBytes: number; waitForSpeechMs: number | undefined; silence: SilenceWatch; watchEnd: VoiceDialogOptions['watchEnd']; cancel: AbortSignal },
): Promise<boolean> {
  const { client, renderer, settings } = ctx;
  let bytes = 0;
  let meterAt = 0;
  let why = 'the recorder stopped';
  let stopped = false;
  const stopWith = (reason: string) => {
    if (!stopped) why = reason;
    stopped = true;
    mic.stop();
  };
  const onCancel = () => {
    stopWith(String(options.cancel.reason ?? 'cancelled'));
    mic.abort();
  };
  if (options.cancel.aborted) onCancel();
  options.cancel.addEventListener('abort', onCancel, { once: true });
  const stopEnd = options.watchEnd(() => stopWith('Enter'));
  const onStopCapture = () => stopWith('StopCapture from CLOVA');
  client.on('stop-capture', onStopCapture);
  client.microphone(true);
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
        const detail = stopped ? why : `no answer within ${options.waitForSpeechMs / 1000} s; the dialog ends`;
        renderer.capture({ phase: 'stop', detail, seconds: bytes / BYTES_PER_SECOND });
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
      client.microphone(false);
      renderer.capture({ phase: 'stop', detail: why, seconds: bytes / BYTES_PER_SECOND });
    };
    client.once('request', onRequest);
    client.once('uploaded', onUploaded);
    try {
      await finishTurn(ctx, client.recognize(audio, { lang: settings.lang, timeoutMs: settings.timeoutMs, signal: options.cancel }));
    } finally {
      client.off('request', onRequest);
      client.off('uploaded', onUploaded);
    }
    return true;
  } finally {
    mic.stop();
    client.microphone(false);
    stopEnd();
    client.off('stop-capture', onStopCapture);
    options.cancel.removeEventListener('abort', onCancel);
  }
}

/**
 * Reads the microphone until a chunk is louder than SPEECH_DBFS; returns everything read so far
 * (the pre-roll, so the first syllable is not lost), or undefined when `timeoutMs` passed first
 * or the recorder stopped.
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

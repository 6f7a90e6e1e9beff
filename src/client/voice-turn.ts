import { TimeoutError } from '../protocol/errors.js';
import type { EventMessage } from '../protocol/messages.js';
import { AudioUpload, uploadStalledError, type UploadEnd, type UploadProgress } from './audio-upload.js';
import type { EventExchange } from './event-exchange.js';
import type { RecognizeResult } from './results.js';
import type { TimerHandle, Timers } from './timers.js';
import type { TurnTimer } from './timings.js';

/** What voice turns report to the client. */
export interface VoiceHooks {
  timers: Timers;
  trace(line: string): void;
  /** The Recognize is about to be sent (once per turn, not per retry). */
  request(event: EventMessage): void;
  /** Audio parts sent so far in the current turn. */
  upload(p: UploadProgress): void;
  /** The body of the turn has been closed; the answer is awaited. */
  uploaded(p: UploadProgress & { ended: UploadEnd }): void;
  /** StopCapture arrived for this dialog (or for every dialog): the microphone should stop. */
  stopCapture(dialogRequestId: string | undefined): void;
}

/** One voice turn's bounds and its end of input. */
export interface VoiceTurnOptions {
  /** Bounds the wait for a connection, an upload that flow control takes nothing of, and the answer. */
  timeoutMs: number;
  endInput?: AbortSignal;
  /** Aborting it cancels the turn: the upload is reset (RST_STREAM CANCEL) and its answer is not awaited. */
  signal?: AbortSignal;
  /** Times the turn (--timings). */
  timer?: TurnTimer;
}

interface Turn {
  upload: AudioUpload;
  timer?: TurnTimer;
  keepRecording(): void;
  cancel(): void;
}

/**
 * SpeechRecognizer.Recognize turns (spec 3.5, 5.1): the audio cut into 200 ms parts (6,400 bytes
 * of L16 16 kHz mono) and uploaded as it comes, StopCapture and KeepRecording applied to their
 * own dialog's upload, and the answer timer that runs from the closing of the body (U-18).
 */
export class VoiceTurns {
  /** Uploads in progress, by dialogRequestId, so that StopCapture finds its own. */
  private readonly turns = new Map<string, Turn>();

  constructor(
    private readonly exchange: EventExchange,
    private readonly hooks: VoiceHooks,
  ) {}

  /** Runs one turn: sends `event` with `audio` (any L16 buffers) and reads the answer. */
  async run(event: EventMessage, audio: AsyncIterable<Buffer>, dialogRequestId: string, options: VoiceTurnOptions): Promise<RecognizeResult> {
    const { timers } = this.hooks;
    const { timeoutMs, timer: turnTimer } = options;
    const upload = new AudioUpload(inParts(audio), {
      now: () => timers.now(),
      progress: (p) => this.hooks.upload(p),
      trace: (l) => this.hooks.trace(l),
      timers,
      stallTimeoutMs: timeoutMs,
      partSent: turnTimer ? () => turnTimer.mark('lastAudio') : undefined,
      bodySent: turnTimer ? () => turnTimer.mark('bodyClosed') : undefined,
    });
    const onEndInput = () => upload.stop('stopped');
    if (options.endInput?.aborted) onEndInput();
    options.endInput?.addEventListener('abort', onEndInput, { once: true });
    options.signal?.addEventListener('abort', onEndInput, { once: true });

    // The answer timer runs from the closing of the body (U-18); KeepRecording restarts it.
    let timer: TimerHandle | undefined;
    let cancel: (() => void) | undefined;
    let rejectTimeout: (err: Error) => void = () => undefined;
    const timedOut = new Promise<never>((_, reject) => {
      rejectTimeout = reject;
    });
    timedOut.catch(() => undefined);
    const arm = () => {
      timers.clearTimeout(timer);
      timer = timers.setTimeout(() => {
        // A closed body that HTTP/2 has not sent yet: the server stopped reading, it is not thinking.
        const err = upload.unflushed
          ? uploadStalledError(timeoutMs)
          : new TimeoutError(`no answer within ${timeoutMs} ms of the end of the audio; raise --timeout or check the server`);
        cancel?.();
        rejectTimeout(err);
      }, timeoutMs);
    };
    void upload.whenClosed().then(() => {
      arm();
      this.hooks.uploaded({ bytes: upload.bytes, parts: upload.parts, ended: upload.ended ?? 'answered' });
    });
    this.turns.set(dialogRequestId, {
      upload,
      timer: turnTimer,
      keepRecording: () => {
        if (timer !== undefined) arm();
      },
      cancel: () => cancel?.(),
    });
    this.hooks.request(event);
    try {
      const work = this.exchange.send(event, undefined, {
        upload,
        readyTimeoutMs: timeoutMs,
        registerAbort: (abort) => {
          cancel = abort;
        },
      }, options.signal, turnTimer);
      const result = await Promise.race([work, timedOut]);
      const r: RecognizeResult = {
        ...result,
        audioBytes: upload.bytes,
        audioParts: upload.parts,
        uploadEnded: upload.ended ?? 'answered',
      };
      if (upload.ended === 'stop-capture' && upload.stopRequestedAt !== undefined && upload.closedAt !== undefined) {
        r.stopCaptureReactionMs = upload.closedAt - upload.stopRequestedAt;
      }
      return r;
    } finally {
      upload.stop('answered');
      timers.clearTimeout(timer);
      this.turns.delete(dialogRequestId);
      options.endInput?.removeEventListener('abort', onEndInput);
      options.signal?.removeEventListener('abort', onEndInput);
    }
  }

  /** StopCapture: the upload of that dialog (of every dialog, without an id) is closed at once. */
  stopCapture(dialogRequestId: string | undefined): void {
    this.hooks.stopCapture(dialogRequestId);
    for (const [dialog, t] of this.turns) {
      if (dialogRequestId !== undefined && dialogRequestId !== dialog) continue;
      t.timer?.mark('stopCapture');
      t.upload.stop('stop-capture');
    }
  }

  /** KeepRecording: the server still works on that dialog (restarts its answer timer). */
  keepRecording(dialogRequestId: string | undefined): void {
    for (const [dialog, t] of this.turns) if (dialogRequestId === undefined || dialogRequestId === dialog) t.keepRecording();
  }

  /**
   * Cancels every upload in flight at once (RST_STREAM CANCEL): an interrupted utterance is never
   * completed, so the server never answers it.
   */
  cancelAll(): void {
    for (const t of this.turns.values()) {
      t.cancel();
      t.upload.stop('stopped');
    }
  }
}

/**
 * The audio cut into 200 ms parts. The chunker is loaded by the first voice turn, not with the
 * client: a typed request loads no audio code (start-up, test/e2e/startup.test.ts).
 */
async function* inParts(audio: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const { chunkPcm } = await import('../audio/chunker.js');
  yield* chunkPcm(audio);
}

import { buildDirective } from '../../protocol/messages.js';
import { recognizeAnswer } from '../answer.js';
import { beginRecognizeTurn, isRefusal } from './recognize-turn.js';
import type { NamespaceHandlers } from './types.js';

/** L16, 16 kHz, mono: 32,000 bytes per second of audio (spec 3.5.1). */
const BYTES_PER_SECOND = 32000;
/** The emulator's maximum utterance (spec 7.5 (c)). */
const MAX_AUDIO_BYTES = 10 * BYTES_PER_SECOND;
/** How long to wait for the client to end its body after StopCapture before answering anyway (U-16). */
const FORCE_ANSWER_MS = 10_000;
const LANGS = ['en', 'ja', 'ko'];
const FORMAT = 'AUDIO_L16_RATE_16000_CHANNELS_1';

/** "1.2" for 38,400 bytes: seconds of L16 audio with one decimal. */
function seconds(bytes: number): string {
  return String(Math.round(bytes / (BYTES_PER_SECOND / 10)) / 10);
}

/**
 * SpeechRecognizer (spec 5.1, 7.5), minimal: counts the audio, sends StopCapture on the downchannel
 * after 10 s of audio or when the body ends, and answers what it "heard" once the body has ended.
 */
export const speechRecognizerHandlers: NamespaceHandlers = {
  async Recognize(event, ctx) {
    const { payload } = event.event;
    if (typeof payload.lang !== 'string' || !LANGS.includes(payload.lang)) {
      return { status: 400, description: 'SpeechRecognizer.Recognize needs payload.lang "en", "ja" or "ko"' };
    }
    if (payload.format !== undefined && payload.format !== FORMAT) {
      return { status: 400, description: `SpeechRecognizer.Recognize payload.format must be ${FORMAT}` };
    }
    const turn = beginRecognizeTurn(event, ctx);
    if (isRefusal(turn)) return turn;
    const { dialogRequestId, previous } = turn;

    let heard = 0;
    let stopped = false;
    let forceTimer: ReturnType<typeof setTimeout> | undefined;
    let forceAnswer: () => void = () => undefined;
    const forced = new Promise<'forced'>((resolve) => {
      forceAnswer = () => resolve('forced');
    });
    const stopCapture = (why: string): void => {
      if (stopped) return;
      stopped = true;
      const delivered = ctx.push(buildDirective('SpeechRecognizer', 'StopCapture', {}, dialogRequestId));
      ctx.log(`StopCapture ${dialogRequestId} (${why})${delivered ? '' : ': no open downchannel'}`);
    };

    // Audio after StopCapture may still arrive; like CIC, read it but do not "process" it (spec 3.5.4).
    ctx.body.onData((partName, chunk) => {
      if (partName !== 'audio' || stopped) return;
      heard = Math.min(MAX_AUDIO_BYTES, heard + chunk.length);
      if (heard >= MAX_AUDIO_BYTES) {
        stopCapture('10 s of audio');
        forceTimer ??= setTimeout(forceAnswer, FORCE_ANSWER_MS);
        forceTimer.unref();
      }
    });

    let outcome: 'ended' | 'forced';
    try {
      outcome = await Promise.race([ctx.body.ended.then(() => 'ended' as const), forced]);
    } finally {
      clearTimeout(forceTimer);
    }
    // Sent even when the client ended the input itself, for uniformity (spec 7.5 (d)).
    stopCapture('end of request body');
    const parts = recognizeAnswer(ctx, `I heard ${seconds(heard)} seconds of audio.`, dialogRequestId, previous);
    return outcome === 'forced' ? { status: 200, parts, resetAfter: true } : { status: 200, parts };
  },
};

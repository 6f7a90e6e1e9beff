import { L16_FORMAT as FORMAT } from '../../protocol/audio-format.js';
import { recognizeAnswer } from '../answer.js';
import { secondsOfAudio, VoiceCapture, type Heard } from '../voice-capture.js';
import { answerUtterance, beginRecognizeTurn, isRefusal, type RecognizeTurn } from './recognize-turn.js';
import type { HandlerContext, NamespaceHandlers } from './types.js';

const LANGS = ['en', 'ja', 'ko'];

/** The answer to what was heard: the intent engine for recognised words, else an honest account. */
function answerHeard(ctx: HandlerContext, turn: RecognizeTurn, heard: Heard) {
  if (heard.kind === 'text') return answerUtterance(ctx, turn, heard.text);
  let text: string;
  if (heard.kind === 'no-speech') {
    text = heard.audioBytes === 0 ? 'I heard no audio.' : `I heard no speech in ${secondsOfAudio(heard.audioBytes)} of audio.`;
  } else {
    const speech = `I heard ${secondsOfAudio(heard.speechBytes)} of speech`;
    switch (heard.why) {
      case 'off':
        text = `${speech}, but speech recognition is turned off in this emulator.`;
        break;
      case 'unavailable':
        text = `${speech} but cannot recognise it offline. Install pocketsphinx and pocketsphinx-en-us to enable recognition.`;
        break;
      case 'no-match':
        text = `${speech} but did not recognise any phrase I know.`;
        break;
      case 'failed':
        text = `${speech} but the speech recogniser failed.`;
        break;
    }
  }
  return recognizeAnswer(ctx.faults, text, turn.dialogRequestId, turn.previous);
}

/**
 * SpeechRecognizer (spec 5.1, 7.5): listens to the streamed audio (VoiceCapture: VAD, interim
 * results, offline recognition, StopCapture on the downchannel) and answers once the client has
 * ended its body, or `answerDeadlineMs` after StopCapture if it never does (then the stream is reset).
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

    const capture = new VoiceCapture(ctx, turn.dialogRequestId);
    try {
      const outcome = await Promise.race([
        ctx.body.ended.then(() => 'ended' as const),
        capture.deadline.then(() => 'forced' as const),
      ]);
      if (outcome === 'ended') capture.clientEnded();
      else ctx.log(`the client did not end its body within ${ctx.voice.answerDeadlineMs} ms of StopCapture: answering anyway`);
      const heard = await capture.heard;
      const parts = await answerHeard(ctx, turn, heard);
      return outcome === 'forced' ? { status: 200, parts, resetAfter: true } : { status: 200, parts };
    } finally {
      capture.dispose();
    }
  },
};

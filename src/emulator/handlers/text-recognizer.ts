import { buildDirective } from '../../protocol/messages.js';
import { newId } from '../../protocol/ids.js';
import { recognizeAnswer } from '../answer.js';
import { followUp, understand } from '../intents.js';
import { beginRecognizeTurn, isRefusal } from './recognize-turn.js';
import type { NamespaceHandlers } from './types.js';

/** How long the client may wait for the second turn of a dialog (the docs' example value). */
const EXPECT_TIMEOUT_MS = 7000;

/** TextRecognizer (spec 5.2): typed text answered at once with the same directives as voice. */
export const textRecognizerHandlers: NamespaceHandlers = {
  Recognize(event, ctx) {
    const { payload } = event.event;
    const text = payload.text;
    if (typeof text !== 'string') return { status: 400, description: 'TextRecognizer.Recognize needs a payload.text string' };
    const turn = beginRecognizeTurn(event, ctx);
    if (isRefusal(turn)) return turn;
    const { dialogRequestId, previous, followUpTopic } = turn;
    if (followUpTopic !== undefined) {
      return { status: 200, parts: recognizeAnswer(ctx, followUp(followUpTopic, text), dialogRequestId, previous) };
    }

    const reply = understand(text, ctx.now());
    const extra = reply.directives(dialogRequestId);
    if (reply.expects) {
      const expectSpeechId = newId();
      ctx.dialog.expect(expectSpeechId, ctx.client, dialogRequestId, reply.expects);
      extra.push(
        buildDirective(
          'SpeechRecognizer',
          'ExpectSpeech',
          { timeoutInMilliseconds: EXPECT_TIMEOUT_MS, explicit: false, expectSpeechId },
          dialogRequestId,
        ),
      );
    }
    return { status: 200, parts: recognizeAnswer(ctx, reply.text, dialogRequestId, previous, extra) };
  },
};

import { buildDirective } from '../../protocol/messages.js';
import { newId } from '../../protocol/ids.js';
import { recognizeAnswer } from '../answer.js';
import { followUp, understand } from '../intents.js';
import type { NamespaceHandlers } from './types.js';

/** How long the client may wait for the second turn of a dialog (the docs' example value). */
const EXPECT_TIMEOUT_MS = 7000;

/** TextRecognizer (spec 5.2): typed text answered at once with the same directives as voice. */
export const textRecognizerHandlers: NamespaceHandlers = {
  Recognize(event, ctx) {
    const { header, payload } = event.event;
    const text = payload.text;
    if (typeof text !== 'string') return { status: 400, description: 'TextRecognizer.Recognize needs a payload.text string' };
    const dialogRequestId = header.dialogRequestId;
    if (typeof dialogRequestId !== 'string' || dialogRequestId === '') {
      return { status: 400, description: 'TextRecognizer.Recognize needs event.header.dialogRequestId' };
    }
    const previous = ctx.dialog.beginRecognize(ctx.client, dialogRequestId);

    if (typeof payload.speechId === 'string') {
      const expected = ctx.dialog.resolve(payload.speechId, dialogRequestId);
      if (expected) {
        if (!expected.dialogMatches) {
          ctx.log(`follow-up speechId ${payload.speechId} came with dialogRequestId ${dialogRequestId}, expected ${expected.expectedDialogRequestId ?? '(none)'}: accepted`);
        }
        return { status: 200, parts: recognizeAnswer(ctx, followUp(expected.topic, text), dialogRequestId, previous) };
      }
      ctx.log(`unknown speechId ${payload.speechId}: treated as a new request`);
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

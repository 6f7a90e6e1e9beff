import { buildDirective, type EventMessage } from '../../protocol/messages.js';
import { newId } from '../../protocol/ids.js';
import { recognizeAnswer } from '../answer.js';
import { followUp, understand } from '../intents.js';
import { languageOf } from '../language.js';
import type { ResponsePart } from '../wire.js';
import { deviceView } from './device-view.js';
import type { HandlerContext, HandlerResult } from './types.js';

/** How long the client may wait for the second turn of a dialog (the docs' example value). */
const EXPECT_TIMEOUT_MS = 7000;

/** The dialog bookkeeping of one Recognize turn, shared by voice and text. */
export interface RecognizeTurn {
  /** The Recognize event (its context tells what the device does now). */
  event: EventMessage;
  dialogRequestId: string;
  /** The client's previous Recognize dialogRequestId (for the `stale-directive` fault). */
  previous: string | undefined;
  /** The topic of the ExpectSpeech this turn answers, when it is a known follow-up (spec 4.8). */
  followUpTopic: string | undefined;
}

/**
 * Starts a Recognize turn: requires a dialogRequestId (spec 3.2), records the turn, and resolves a
 * `speechId` follow-up; an unknown speechId or a mismatched dialogRequestId is accepted and logged (U-19).
 */
export function beginRecognizeTurn(event: EventMessage, ctx: HandlerContext): RecognizeTurn | HandlerResult {
  const { header, payload } = event.event;
  const dialogRequestId = header.dialogRequestId;
  if (typeof dialogRequestId !== 'string' || dialogRequestId === '') {
    return { status: 400, description: `${header.namespace}.Recognize needs event.header.dialogRequestId` };
  }
  const previous = ctx.dialog.beginRecognize(ctx.client, dialogRequestId);
  let followUpTopic: string | undefined;
  if (typeof payload.speechId === 'string') {
    const expected = ctx.dialog.resolve(payload.speechId, dialogRequestId);
    if (!expected) ctx.log(`unknown speechId ${payload.speechId}: treated as a new request`);
    else {
      followUpTopic = expected.topic;
      if (!expected.dialogMatches) {
        ctx.log(
          `follow-up speechId ${payload.speechId} came with dialogRequestId ${dialogRequestId}, expected ${expected.expectedDialogRequestId ?? '(none)'}: accepted`,
        );
      }
    }
  }
  return { event, dialogRequestId, previous, followUpTopic };
}

/** True when beginRecognizeTurn refused the event. */
export function isRefusal(turn: RecognizeTurn | HandlerResult): turn is HandlerResult {
  return 'status' in turn;
}

/**
 * The answer to what the user said in a turn, typed or recognised: the intent engine's reply, or
 * the completion of the dialog a follow-up belongs to; a question adds ExpectSpeech (spec 4.8).
 */
export function answerUtterance(ctx: HandlerContext, turn: RecognizeTurn, text: string): Promise<ResponsePart[]> {
  const { dialogRequestId, previous, followUpTopic } = turn;
  if (followUpTopic !== undefined) {
    return recognizeAnswer(ctx.faults, followUp(followUpTopic, text), dialogRequestId, previous);
  }
  ctx.device.lang = languageOf(text);
  const reply = understand(text, ctx.now(), deviceView(ctx, turn.event));
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
  return recognizeAnswer(ctx.faults, reply.text, dialogRequestId, previous, extra);
}

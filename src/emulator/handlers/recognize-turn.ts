import type { EventMessage } from '../../protocol/messages.js';
import type { HandlerContext, HandlerResult } from './types.js';

/** The dialog bookkeeping of one Recognize turn, shared by voice and text. */
export interface RecognizeTurn {
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
  return { dialogRequestId, previous, followUpTopic };
}

/** True when beginRecognizeTurn refused the event. */
export function isRefusal(turn: RecognizeTurn | HandlerResult): turn is HandlerResult {
  return 'status' in turn;
}

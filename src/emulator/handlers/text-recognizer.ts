import { answerUtterance, beginRecognizeTurn, isRefusal } from './recognize-turn.js';
import type { NamespaceHandlers } from './types.js';

/** TextRecognizer (spec 5.2): typed text answered at once with the same directives as voice. */
export const textRecognizerHandlers: NamespaceHandlers = {
  async Recognize(event, ctx) {
    const { payload } = event.event;
    const text = payload.text;
    if (typeof text !== 'string') return { status: 400, description: 'TextRecognizer.Recognize needs a payload.text string' };
    const turn = beginRecognizeTurn(event, ctx);
    if (isRefusal(turn)) return turn;
    return { status: 200, parts: await answerUtterance(ctx, turn, text) };
  },
};

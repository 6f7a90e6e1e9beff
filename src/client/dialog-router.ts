import type { MessageHeader } from '../protocol/messages.js';

/** What to do with a received directive (spec 4.3, digest choice U-21/U-22). */
export type RouteDecision = 'deliver' | 'stale';

/**
 * Remembers the dialogRequestIds this client issued and which one is current. A directive is
 * discarded only when it carries one of this client's own older ids; no id, the current id or an
 * id this client never issued is delivered.
 */
export class DialogRouter {
  private readonly issued = new Set<string>();
  private last: string | undefined;

  /** The current (last successfully sent) dialogRequestId. */
  get current(): string | undefined {
    return this.last;
  }

  /** Records that an event with this dialogRequestId was sent successfully (spec 4.2 step 3). */
  begin(dialogRequestId: string): void {
    this.issued.add(dialogRequestId);
    this.last = dialogRequestId;
  }

  /** True when this client issued the id at some point. */
  issuedBy(dialogRequestId: string): boolean {
    return this.issued.has(dialogRequestId);
  }

  /**
   * Decides a directive's fate. `answersEventWithoutDialog` is true for directives in the response
   * to an event that carried no dialogRequestId: those are processed regardless (spec 4.3).
   */
  route(header: Pick<MessageHeader, 'dialogRequestId'>, answersEventWithoutDialog = false): RouteDecision {
    const id = header.dialogRequestId;
    if (answersEventWithoutDialog || id === undefined || id === this.last) return 'deliver';
    return this.issued.has(id) ? 'stale' : 'deliver';
  }
}

/** Clients (bearer tokens) remembered; any token is accepted without --token, so the oldest go first. */
const MAX_CLIENTS = 1000;

/** What the emulator remembers between turns, per client (bearer token). */
export class DialogState {
  private readonly lastRecognize = new Map<string, string>();
  private readonly expectations = new Map<string, { client: string; dialogRequestId: string | undefined; topic: string }>();

  /** Records a new Recognize turn; returns the dialogRequestId of the client's previous one. */
  beginRecognize(client: string, dialogRequestId: string): string | undefined {
    const previous = this.lastRecognize.get(client);
    this.lastRecognize.delete(client); // re-inserted last: the map's order is least recently used first
    this.lastRecognize.set(client, dialogRequestId);
    if (this.lastRecognize.size > MAX_CLIENTS) this.lastRecognize.delete(this.lastRecognize.keys().next().value!);
    return previous;
  }

  /** Remembers an issued ExpectSpeech so that the follow-up can be recognised (spec 7.6). */
  expect(expectSpeechId: string, client: string, dialogRequestId: string | undefined, topic: string): void {
    this.expectations.set(expectSpeechId, { client, dialogRequestId, topic });
    // Abandoned questions must not pile up forever in a long-running emulator.
    if (this.expectations.size > 1000) this.expectations.delete(this.expectations.keys().next().value!);
  }

  /**
   * Consumes the expectation a follow-up refers to. Returns its topic and whether the follow-up
   * carried the original dialogRequestId (a mismatch is accepted and only logged, U-19).
   */
  resolve(
    speechId: string,
    dialogRequestId: string | undefined,
  ): { topic: string; dialogMatches: boolean; expectedDialogRequestId: string | undefined } | undefined {
    const e = this.expectations.get(speechId);
    if (!e) return undefined;
    this.expectations.delete(speechId);
    return {
      topic: e.topic,
      dialogMatches: e.dialogRequestId === dialogRequestId,
      expectedDialogRequestId: e.dialogRequestId,
    };
  }
}

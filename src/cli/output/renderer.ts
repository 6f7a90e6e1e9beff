import type { EventResult, ReceivedDirective } from '../../client/client.js';
import type { AudioInfo } from '../../client/response-reader.js';

/** What a request is about to be sent. */
export interface RequestInfo {
  text: string;
  dialogRequestId?: string;
  followUp: boolean;
}

/** Turns client events into output; human and NDJSON variants. */
export interface Renderer {
  request(info: RequestInfo): void;
  directive(d: ReceivedDirective): void;
  audio(a: AudioInfo): void;
  response(r: EventResult): void;
  notice(message: string): void;
  /** Stops spinners etc. */
  close(): void;
}

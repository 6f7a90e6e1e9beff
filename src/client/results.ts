import { ServerError } from '../protocol/errors.js';
import type { UploadEnd } from './audio-upload.js';
import type { SystemException } from './dispatch.js';

/** The outcome of one event request. */
export interface EventResult {
  status: number;
  streamId: number;
  connectionId: number;
  dialogRequestId?: string;
  /** Directives handed on from this response. */
  directives: number;
  /** A System.Exception that came inside a 200 body, if any (sendText, sendEvent and recognize then reject). */
  exception?: SystemException;
}

/** The outcome of one voice turn. */
export interface RecognizeResult extends EventResult {
  audioBytes: number;
  audioParts: number;
  /** What closed the request body. */
  uploadEnded: UploadEnd;
  /** ms from StopCapture's arrival to the body being closed, when StopCapture ended it. */
  stopCaptureReactionMs?: number;
}

/**
 * The server answered a request with a System.Exception inside a 200 body (spec 5.5). The answer
 * was read to its end and its directives were handed on; `result` is what the request returned.
 * `status` is the exception's code when it is a number, else the HTTP status.
 */
export class SystemExceptionError<R extends EventResult = EventResult> extends ServerError {
  readonly result: R;
  constructor(result: R & { exception: SystemException }) {
    const { code, description } = result.exception;
    const status = Number(code) || result.status;
    super(`the server sent System.Exception ${status}: ${description ?? 'no description'}`, status, description);
    this.result = result;
  }
}

/** `result` as is, or a SystemExceptionError when its answer carried a System.Exception. */
export function unlessException<R extends EventResult>(result: R): R {
  if (result.exception) throw new SystemExceptionError<R>(result as R & { exception: SystemException });
  return result;
}

import { ClovaError, type RecorderErrorCode } from '../protocol/errors.js';

/** The recorder failed on its own (it died, or delivered audio in another format). */
export class RecorderError extends ClovaError {
  declare readonly code: RecorderErrorCode;
  constructor(message: string, code: RecorderErrorCode = 'E_RECORDER', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

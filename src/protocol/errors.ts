/**
 * The errors clova-cli raises on purpose. Each carries a stable `code` from a closed union, declared
 * here beside its class (as undici keeps `UND_ERR_*` beside its errors); none carries a policy. What
 * a failure means for the process (its exit status) is decided in one table in src/cli/exit.ts.
 */

/** Bad command-line input, configuration or local setup, found before anything is sent. */
export type UsageErrorCode =
  | 'E_USAGE'
  | 'E_AUDIO_FORMAT'
  | 'E_AUDIO_INPUT'
  | 'E_PROGRAM_MISSING'
  | 'E_SAVE_AUDIO'
  | 'E_CAPTURE_DEVICE';

/** No credential, or one the server refused. */
export type AuthErrorCode = 'E_AUTH' | 'E_NO_TOKEN';

/** The connection could not be made, was lost, or carried something that is not CIC. */
export type ConnectionErrorCode =
  | 'E_CONNECTION'
  | 'E_CONNECT'
  | 'E_NOT_HTTP2'
  | 'E_CLOSED'
  | 'E_GOAWAY'
  | 'E_DOWNCHANNEL'
  | 'E_NO_HELLO'
  | 'E_PROTOCOL'
  | 'E_REFUSED'
  | 'E_ABANDONED';

/** A bounded wait ran out. */
export type TimeoutErrorCode = 'E_TIMEOUT' | 'E_UPLOAD_STALLED';

/** The server answered, with an error. */
export type ServerErrorCode = 'E_SERVER' | 'E_TOO_MANY';

/** The microphone's recorder program failed (audio/microphone.ts). */
export type RecorderErrorCode = 'E_RECORDER' | 'E_CAPTURE_DEVICE';

/** The speech player program failed or overran (audio/player.ts). */
export type PlayerErrorCode = 'E_PLAYER' | 'E_PLAYER_TIMEOUT';

/** Every code a ClovaError can carry; the JSON error line shows it, so each is a stable name. */
export type ClovaErrorCode =
  | UsageErrorCode
  | AuthErrorCode
  | ConnectionErrorCode
  | TimeoutErrorCode
  | ServerErrorCode
  | RecorderErrorCode
  | PlayerErrorCode
  | 'E_INTERRUPTED'
  | 'E_TERMINATED'
  | 'E_MULTIPART'
  | 'E_ABORTED';

/** The root of every error clova-cli raises on purpose; `code` says which failure it is. */
export class ClovaError extends Error {
  readonly code: ClovaErrorCode;
  constructor(message: string, code: ClovaErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad command-line input or configuration, found before anything is sent. */
export class UsageError extends ClovaError {
  declare readonly code: UsageErrorCode;
  constructor(message: string, code: UsageErrorCode = 'E_USAGE') {
    super(message, code);
  }
}

/** Missing token, or the server answered 401/403. */
export class AuthError extends ClovaError {
  declare readonly code: AuthErrorCode;
  readonly status: number | undefined;
  constructor(message: string, status?: number, code: AuthErrorCode = 'E_AUTH') {
    super(message, code);
    this.status = status;
  }
}

/** The connection could not be made or kept (refused, TLS, no Hello, ping timeout, GOAWAY). */
export class ConnectionError extends ClovaError {
  declare readonly code: ConnectionErrorCode;
  constructor(message: string, code: ConnectionErrorCode = 'E_CONNECTION', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** No answer within the allowed time. */
export class TimeoutError extends ClovaError {
  declare readonly code: TimeoutErrorCode;
  constructor(message: string, code: TimeoutErrorCode = 'E_TIMEOUT') {
    super(message, code);
  }
}

/** The server answered with an error status or a System.Exception. */
export class ServerError extends ClovaError {
  declare readonly code: ServerErrorCode;
  readonly status: number;
  readonly description: string | undefined;
  constructor(message: string, status: number, description?: string, code: ServerErrorCode = 'E_SERVER') {
    super(message, code);
    this.status = status;
    this.description = description;
  }
}

/** The user interrupted (SIGINT). */
export class InterruptedError extends ClovaError {
  constructor(message = 'interrupted') {
    super(message, 'E_INTERRUPTED');
  }
}

/** Something asked the process to end (SIGTERM): not the user's Ctrl-C. */
export class TerminatedError extends ClovaError {
  constructor(message = 'terminated') {
    super(message, 'E_TERMINATED');
  }
}

/** A multipart body could not be decoded. */
export class MultipartError extends ClovaError {
  constructor(message: string) {
    super(message, 'E_MULTIPART');
  }
}

/** Exit codes of the CLI, one per failure class (the README has the table). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  auth: 3,
  connection: 4,
  interrupted: 130,
  /** 128 + SIGTERM (15), as a shell reports a process the signal ended. */
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The root of every error clova-cli raises on purpose; `exitCode` is what the CLI exits with. */
export class ClovaError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  constructor(message: string, code: string, exitCode: ExitCodeValue, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad command-line input or configuration, found before anything is sent. */
export class UsageError extends ClovaError {
  constructor(message: string, code = 'E_USAGE') {
    super(message, code, ExitCode.usage);
  }
}

/** Missing token, or the server answered 401/403. */
export class AuthError extends ClovaError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, code = 'E_AUTH') {
    super(message, code, ExitCode.auth);
    this.status = status;
  }
}

/** The connection could not be made or kept (refused, TLS, no Hello, ping timeout, GOAWAY). */
export class ConnectionError extends ClovaError {
  constructor(message: string, code = 'E_CONNECTION', options?: { cause?: unknown }) {
    super(message, code, ExitCode.connection, options);
  }
}

/** No answer within the allowed time. */
export class TimeoutError extends ClovaError {
  constructor(message: string, code = 'E_TIMEOUT') {
    super(message, code, ExitCode.connection);
  }
}

/** The server answered with an error status or a System.Exception. */
export class ServerError extends ClovaError {
  readonly status: number;
  readonly description: string | undefined;
  constructor(message: string, status: number, description?: string, code = 'E_SERVER') {
    super(message, code, ExitCode.connection);
    this.status = status;
    this.description = description;
  }
}

/** The user interrupted (SIGINT). */
export class InterruptedError extends ClovaError {
  constructor(message = 'interrupted') {
    super(message, 'E_INTERRUPTED', ExitCode.interrupted);
  }
}

/** Something asked the process to end (SIGTERM): not the user's Ctrl-C. */
export class TerminatedError extends ClovaError {
  constructor(message = 'terminated') {
    super(message, 'E_TERMINATED', ExitCode.terminated);
  }
}

/** A multipart body could not be decoded. */
export class MultipartError extends ClovaError {
  constructor(message: string) {
    super(message, 'E_MULTIPART', ExitCode.connection);
  }
}

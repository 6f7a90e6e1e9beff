/**
 * Reading a secret (the NAVER access token) from standard input: the first line of a pipe, or a
 * hidden prompt on a terminal. Never from the command line, where `ps` and shell history show it.
 */
import { InterruptedError, TimeoutError, UsageError } from '../protocol/errors.js';

/** How long to wait for the secret before giving up (a pipe nobody writes to must not hang us). */
export const SECRET_INPUT_TIMEOUT_MS = 300000;

/** The first line of standard input, trimmed; UsageError when it is empty. */
export function readFirstLine(stdin: NodeJS.ReadStream = process.stdin, timeoutMs = SECRET_INPUT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (err: Error | undefined, value?: string) => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdin.pause();
      stdin.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const done = () => {
      const line = (text.split(/\r?\n/)[0] ?? '').trim();
      if (line === '') finish(new UsageError('standard input held no NAVER access token (expected it on the first line)'));
      else if (/[\s\u0000-\u001f]/.test(line)) finish(new UsageError('the NAVER access token on standard input contains whitespace or control characters'));
      else finish(undefined, line);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes('\n')) done();
      else if (text.length > 65536) finish(new UsageError('the first line of standard input is longer than 64 KiB: that is no access token'));
    };
    const onEnd = () => done();
    const onError = (err: Error) => finish(new UsageError(`cannot read standard input: ${err.message}`));
    const timer = setTimeout(() => finish(new TimeoutError(`no NAVER access token arrived on standard input within ${timeoutMs / 1000} s`)), timeoutMs);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    stdin.resume();
  });
}

/** Asks on stderr and reads a line from the terminal without echoing it. */
export function promptHidden(question: string, timeoutMs = SECRET_INPUT_TIMEOUT_MS): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question shows: whatever is typed once it is visible must stay hidden.
  stdin.setRawMode?.(true);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (err: Error | undefined, value?: string) => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\u0003') return finish(new InterruptedError('interrupted by the user (Ctrl-C); nothing was stored'));
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          const line = text.trim();
          return line === '' ? finish(new UsageError('no NAVER access token was typed')) : finish(undefined, line);
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    const timer = setTimeout(() => finish(new TimeoutError(`no NAVER access token was typed within ${timeoutMs / 1000} s`)), timeoutMs);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** Waits for Enter on the terminal (after the user accepted the terms in a browser). */
export function waitForEnter(question: string, timeoutMs = SECRET_INPUT_TIMEOUT_MS): Promise<void> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.pause();
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      if (chunk.includes(3)) finish(new InterruptedError('interrupted by the user (Ctrl-C); nothing was stored'));
      else if (chunk.includes(10) || chunk.includes(13)) finish();
    };
    const timer = setTimeout(() => finish(new TimeoutError(`nobody pressed Enter within ${timeoutMs / 1000} s; run clova-cli login again`)), timeoutMs);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/**
 * The one gate between this process and its stdout/stderr. Everything written (our renderers, the
 * --verbose trace, commander's messages, ora's spinner, a library's console.log) passes through
 * `secrets.redact`, so no code path can print a credential; and once the final error line is out,
 * `seal()` lets nothing readable follow it. A credential split across two writes is not caught:
 * everything we print is written a line at a time.
 */

/** What the guard needs from a secret registry. */
export interface Redactor {
  redact(text: string): string;
  redactBytes(bytes: Uint8Array): Uint8Array;
}

type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

/** Writes made only of these may pass a sealed stream: ora restoring the cursor, a line being cleared. */
const CONTROL_ONLY = /^(?:\u001b\[[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|\r)*$/;

function isControlOnly(chunk: unknown): boolean {
  const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('latin1') : undefined;
  return text !== undefined && CONTROL_ONLY.test(text);
}

/** Redacts every write to the given streams and can seal them; one per process (see main.ts). */
export class OutputGuard {
  private isSealed = false;
  private readonly restore: Array<() => void> = [];

  constructor(private readonly secrets: Redactor) {}

  /** True once `seal()` was called. */
  get sealed(): boolean {
    return this.isSealed;
  }

  /** Routes each stream's write() through the guard. */
  install(streams: NodeJS.WritableStream[]): void {
    for (const stream of streams) {
      const target = stream as unknown as { write: Write };
      const original = target.write;
      const guard = this;
      target.write = function guardedWrite(this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
        if (guard.isSealed && !isControlOnly(chunk)) {
          const done = typeof encoding === 'function' ? encoding : callback;
          if (typeof done === 'function') process.nextTick(done as () => void);
          return true;
        }
        return original.call(this, guard.clean(chunk, encoding), encoding, callback);
      };
      this.restore.push(() => {
        target.write = original;
      });
    }
  }

  /** After the final line: nothing readable is written any more (late notices, spinner frames, trace lines). */
  seal(): void {
    this.isSealed = true;
  }

  /** Puts the streams' own write() back (tests). */
  uninstall(): void {
    for (const r of this.restore.splice(0)) r();
  }

  private clean(chunk: unknown, encoding: unknown): unknown {
    if (typeof chunk === 'string') {
      // Text in another encoding (hex, base64) is redacted as the bytes it stands for.
      if (typeof encoding === 'string' && !/^utf-?8$/i.test(encoding) && Buffer.isEncoding(encoding)) {
        const bytes = Buffer.from(chunk, encoding);
        const safe = this.secrets.redactBytes(bytes);
        return safe === bytes ? chunk : Buffer.from(safe).toString(encoding);
      }
      return this.secrets.redact(chunk);
    }
    if (chunk instanceof Uint8Array) return this.secrets.redactBytes(chunk);
    return chunk;
  }
}

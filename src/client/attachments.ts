import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../protocol/errors.js';

/** Where one binary attachment is streamed while it arrives. */
export interface AttachmentTarget {
  /** Writes body bytes; false means wait for `onceDrain` before writing more. */
  write(chunk: Buffer): boolean;
  onceDrain(callback: () => void): void;
  /** The attachment is complete and wanted: make it final; returns its path, if it has one. */
  commit(): Promise<string | undefined>;
  /** The attachment is not wanted (stale dialog, unreferenced): remove what was written. */
  discard(): Promise<void>;
}

/** Decides where attachments go; `undefined` from `open` means count the bytes and drop them. */
export interface AttachmentSink {
  open(contentId: string): AttachmentTarget | undefined;
}

/** A file name made only of safe characters, containing the Content-ID. */
export function speechFileName(contentId: string): string {
  const safe = contentId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 200) || 'unnamed';
  return `speech-${safe}.mp3`;
}

/** A local file that could not be written: the user's --save-audio, not the server, is at fault. */
function saveError(path: string, err: NodeJS.ErrnoException): UsageError {
  return new UsageError(`cannot write speech to ${path} (${err.code ?? err.message}); check --save-audio`, 'E_SAVE_AUDIO');
}

class FileTarget implements AttachmentTarget {
  private readonly stream: WriteStream;
  private error: Error | undefined;
  private readonly closed: Promise<void>;

  constructor(
    private readonly tempPath: string,
    private readonly finalPath: string,
  ) {
    this.stream = createWriteStream(tempPath, { flags: 'w' });
    this.closed = new Promise((resolve) => {
      this.stream.on('error', (err) => {
        this.error = err;
        resolve();
      });
      this.stream.on('close', () => resolve());
    });
  }

  write(chunk: Buffer): boolean {
    if (this.error) return true;
    return this.stream.write(chunk);
  }

  onceDrain(callback: () => void): void {
    if (this.error || this.stream.writableEnded) {
      callback();
      return;
    }
    // A stream that is ended while a reader waits for it (the attachment completed and was
    // committed) never emits 'drain' (Node skips it once ending): its close releases the reader.
    const release = () => {
      this.stream.off('drain', release);
      this.stream.off('close', release);
      callback();
    };
    this.stream.on('drain', release);
    this.stream.on('close', release);
  }

  async commit(): Promise<string> {
    this.stream.end();
    await this.closed;
    if (this.error) throw saveError(this.finalPath, this.error);
    try {
      await rename(this.tempPath, this.finalPath);
    } catch (err) {
      throw saveError(this.finalPath, err as Error);
    }
    return this.finalPath;
  }

  async discard(): Promise<void> {
    this.stream.destroy();
    await this.closed;
    await unlink(this.tempPath).catch(() => undefined);
  }
}

/**
 * Streams each attachment to `<dir>/.speech-<cid>.mp3.partial` and renames it to
 * `<dir>/speech-<cid>.mp3` once complete and referenced, so a half-written file never has the final name.
 */
export class DirectoryAttachmentSink implements AttachmentSink {
  /** `redact` takes secrets out of the server-chosen Content-ID before it becomes a file name. */
  constructor(
    private readonly dir: string,
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  open(contentId: string): AttachmentTarget {
    const name = speechFileName(this.redact(contentId));
    return new FileTarget(join(this.dir, `.${name}.partial`), join(this.dir, name));
  }
}

class TeeTarget implements AttachmentTarget {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private overflow = false;

  constructor(
    private readonly onCommit: (mp3: Buffer | undefined, bytes: number) => void,
    private readonly inner: AttachmentTarget | undefined,
    private readonly maxBytes: number,
  ) {}

  write(chunk: Buffer): boolean {
    if (!this.overflow) {
      this.bytes += chunk.length;
      if (this.bytes > this.maxBytes) {
        this.overflow = true;
        this.chunks.length = 0;
      } else this.chunks.push(chunk);
    }
    return this.inner ? this.inner.write(chunk) : true;
  }

  onceDrain(callback: () => void): void {
    if (this.inner) this.inner.onceDrain(callback);
    else callback();
  }

  async commit(): Promise<string | undefined> {
    const path = this.inner ? await this.inner.commit() : undefined;
    this.onCommit(this.overflow ? undefined : Buffer.concat(this.chunks), this.bytes);
    this.chunks.length = 0; // the copy is handed over: this target keeps nothing after it
    return path;
  }

  async discard(): Promise<void> {
    this.chunks.length = 0;
    await this.inner?.discard();
  }
}

/** The largest Speak attachment kept in memory to be played: 64 MiB. */
export const MAX_PLAYED_ATTACHMENT_BYTES = 64 * 1024 * 1024;

/**
 * Keeps every attachment in memory until it is played (a Speak's MP3 is some kilobytes; larger
 * than `maxBytes` is not kept, and `tooLarge` says so), and still hands it to an inner sink
 * (`--save-audio`) if any.
 */
export class PlaybackAttachmentSink implements AttachmentSink {
  private readonly kept = new Map<string, Buffer>();
  private readonly oversized = new Map<string, number>();

  constructor(
    private readonly inner: AttachmentSink | undefined,
    readonly maxBytes = MAX_PLAYED_ATTACHMENT_BYTES,
  ) {}

  open(contentId: string): AttachmentTarget {
    const inner = this.inner?.open(contentId);
    return new TeeTarget(
      (mp3, bytes) => {
        if (mp3) this.kept.set(contentId, mp3);
        else this.oversized.set(contentId, bytes);
      },
      inner,
      this.maxBytes,
    );
  }

  /** Hands over (and forgets) a complete attachment's bytes. */
  take(contentId: string): Buffer | undefined {
    const b = this.kept.get(contentId);
    this.kept.delete(contentId);
    return b;
  }

  /** The size of a complete attachment that was not kept because it is larger than `maxBytes` (and forgets it). */
  tooLarge(contentId: string): number | undefined {
    const n = this.oversized.get(contentId);
    this.oversized.delete(contentId);
    return n;
  }
}

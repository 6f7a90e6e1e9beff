import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Where one binary attachment is streamed while it arrives. */
export interface AttachmentTarget {
  /** Writes body bytes; false means wait for `onceDrain` before writing more. */
  write(chunk: Buffer): boolean;
  onceDrain(callback: () => void): void;
  /** The attachment is complete and wanted: make it final; returns its path. */
  commit(): Promise<string>;
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
    if (this.error) callback();
    else this.stream.once('drain', callback);
  }

  async commit(): Promise<string> {
    this.stream.end();
    await this.closed;
    if (this.error) throw new Error(`cannot write speech to ${this.finalPath}: ${this.error.message}`);
    await rename(this.tempPath, this.finalPath);
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
  constructor(private readonly dir: string) {}

  open(contentId: string): AttachmentTarget {
    const name = speechFileName(contentId);
    return new FileTarget(join(this.dir, `.${name}.partial`), join(this.dir, name));
  }
}

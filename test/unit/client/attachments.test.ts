import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryAttachmentSink } from '../../../src/client/attachments.js';

describe('DirectoryAttachmentSink', () => {
  it('releases a reader waiting for drain when the attachment is committed (Node emits no drain once a stream is ending)', async () => {
    // The response reader waits for drain after a write that returned false; when the attachment's
    // closing delimiter arrives in the same turn, commit() ends the file stream, and before the fix
    // the wait never ended: the answer hung until --timeout (seen 4 of 40 runs under load).
    const dir = mkdtempSync(join(tmpdir(), 'clova-attach-'));
    const target = new DirectoryAttachmentSink(dir).open('cid-1');
    const body = Buffer.alloc(1024 * 1024, 7);
    expect(target.write(body)).toBe(false); // past the file stream's high-water mark
    let released = false;
    target.onceDrain(() => {
      released = true;
    });
    const path = await target.commit();
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(true);
    expect(readFileSync(path!).equals(body)).toBe(true);
  });

  it('calls back at once when the stream is already ended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clova-attach-'));
    const target = new DirectoryAttachmentSink(dir).open('cid-2');
    target.write(Buffer.alloc(10));
    const committed = target.commit();
    let released = false;
    target.onceDrain(() => {
      released = true;
    });
    expect(released).toBe(true);
    await committed;
  });
});

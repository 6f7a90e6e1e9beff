import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryAttachmentSink, type AttachmentSink, type AttachmentTarget } from '../../../src/client/attachments.js';
import {
  MAX_HELD_UNCITED_BYTES,
  MAX_PENDING_CITATIONS,
  ResponseReader,
  UNMATCHED_WINDOW_MS,
  type AudioInfo,
} from '../../../src/client/response-reader.js';
import { buildDirective, type DirectiveMessage } from '../../../src/protocol/messages.js';
import { MultipartEncoder } from '../../../src/protocol/multipart-encoder.js';

let enc = new MultipartEncoder('c'.repeat(40));
const jsonPart = (m: DirectiveMessage) =>
  enc.part(
    [
      ['Content-Disposition', 'form-data; name="SpeakDirective-x"'],
      ['Content-Type', 'application/json; charset=utf-8'],
    ],
    JSON.stringify(m),
  );
const attPart = (cid: string, bytes: Buffer) =>
  enc.part(
    [
      ['Content-Disposition', 'form-data; name="attachment-x"'],
      ['Content-ID', cid],
      ['Content-Type', 'application/octet-stream'],
    ],
    bytes,
  );
const speak = (cid: string) =>
  buildDirective('SpeechSynthesizer', 'Speak', { format: 'AUDIO_MPEG', token: 't', url: `cid:${cid}` }, 'd1');

/** Counts the targets the reader opens and how many are still open. */
function countingSink(inner?: AttachmentSink): AttachmentSink & { opened: number; open_: number } {
  const s = {
    opened: 0,
    open_: 0,
    open(cid: string): AttachmentTarget | undefined {
      s.opened++;
      s.open_++;
      const t = inner?.open(cid);
      return {
        write: (c: Buffer) => (t ? t.write(c) : true),
        onceDrain: (cb: () => void) => (t ? t.onceDrain(cb) : cb()),
        commit: async () => {
          s.open_--;
          return t?.commit();
        },
        discard: async () => {
          s.open_--;
          await t?.discard();
        },
      };
    },
  };
  return s;
}

function reader(sink: AttachmentSink, early: boolean, now: () => number = () => 0) {
  enc = new MultipartEncoder('c'.repeat(40));
  const audio: AudioInfo[] = [];
  const r = new ResponseReader(
    enc.boundary,
    { directive: () => 'deliver', audio: (a) => audio.push(a), trace: () => undefined },
    sink,
    early,
    undefined,
    now,
  );
  return { r, audio };
}

describe('uncited attachments (issue 17)', () => {
  const big = Buffer.alloc(1024 * 1024, 7);

  it('an answer of many uncited 1 MiB attachments holds at most the budget and opens no file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uncited-'));
    const sink = countingSink(new DirectoryAttachmentSink(dir));
    const { r } = reader(sink, false);
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      await r.write(attPart(`u${i}`, big));
      peak = Math.max(peak, r.held.bytes);
      expect(readdirSync(dir)).toEqual([]);
    }
    expect(peak).toBeLessThanOrEqual(MAX_HELD_UNCITED_BYTES);
    expect(sink.opened).toBe(0);
    r.write(enc.end());
    await r.end();
    expect(r.held.bytes).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an attachment cited after it arrived (within the budget) is still saved byte-exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uncited-'));
    const { r, audio } = reader(new DirectoryAttachmentSink(dir), false);
    const mp3 = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 13) & 0xff));
    await r.write(Buffer.concat([attPart('late', mp3), jsonPart(speak('late')), enc.end()]));
    await r.end();
    expect(audio.map((a) => a.contentId)).toEqual(['late']);
    expect(readFileSync(join(dir, 'speech-late.mp3')).equals(mp3)).toBe(true);
    expect(readdirSync(dir)).toEqual(['speech-late.mp3']);
  });

  it('on the downchannel an uncited attachment is dropped once its window passes (injected clock)', async () => {
    let now = 0;
    const sink = countingSink();
    const { r, audio } = reader(sink, true, () => now);
    await r.write(attPart('d0', Buffer.alloc(1000, 1)));
    expect(r.held.attachments).toBe(1);
    now += UNMATCHED_WINDOW_MS;
    await r.write(attPart('d1', Buffer.alloc(1000, 1)));
    expect(r.held.attachments).toBe(1); // d0 forgotten, d1 held
    expect(r.held.bytes).toBe(1000);
    await r.write(jsonPart(speak('d0')));
    expect(audio).toEqual([]);
    expect(sink.opened).toBe(0);
    // thousands more: what is held stays bounded
    for (let i = 2; i < 2000; i++) {
      now += UNMATCHED_WINDOW_MS;
      await r.write(attPart(`d${i}`, Buffer.alloc(1000, 1)));
    }
    expect(r.held.attachments).toBeLessThanOrEqual(1);
  });

  it('Speak pushes whose attachment never arrives are bounded on the downchannel', async () => {
    let now = 0;
    const { r } = reader(countingSink(), true, () => now);
    for (let i = 0; i < 1000; i++) {
      now += 1;
      await r.write(jsonPart(speak(`never-${i}`)));
    }
    expect(r.held.citations).toBeLessThanOrEqual(MAX_PENDING_CITATIONS);
    now += UNMATCHED_WINDOW_MS;
    await r.write(jsonPart(speak('one-more')));
    expect(r.held.citations).toBe(1);
  });

  it('committed attachments on the downchannel are forgotten by the reader', async () => {
    const sink = countingSink();
    const { r, audio } = reader(sink, true);
    for (let i = 0; i < 100; i++) await r.write(Buffer.concat([jsonPart(speak(`s${i}`)), attPart(`s${i}`, Buffer.alloc(100, 2))]));
    await r.write(enc.end());
    await new Promise((resolve) => setImmediate(resolve));
    expect(audio).toHaveLength(100);
    expect(r.held.attachments).toBe(0);
    expect(sink.open_).toBe(0);
  });
});

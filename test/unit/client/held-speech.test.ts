import { describe, expect, it } from 'vitest';
import { PlaybackAttachmentSink } from '../../../src/client/attachments.js';
import { MAX_EARLY_ATTACHMENTS, SpeechQueue } from '../../../src/client/speech-queue.js';
import { systemTimers } from '../../../src/client/timers.js';

describe('held speech stays bounded (issue 17)', () => {
  it('attachments with no Speak yet are bounded without a response end (the downchannel)', () => {
    const queue = new SpeechQueue(
      { play: async () => undefined },
      { report: () => undefined, state: () => undefined, progress: () => undefined, trace: () => undefined, timers: systemTimers },
    );
    for (let i = 0; i < 1000; i++) queue.audio(`orphan-${i}`, Buffer.alloc(10));
    expect(queue.earlyCount).toBeLessThanOrEqual(MAX_EARLY_ATTACHMENTS);
  });

  it('a committed attachment target keeps no chunks after handing its copy over', async () => {
    const sink = new PlaybackAttachmentSink(undefined);
    const target = sink.open('c1');
    target.write(Buffer.alloc(1000, 1));
    await target.commit();
    expect(sink.take('c1')?.length).toBe(1000);
    expect((target as unknown as { chunks: Buffer[] }).chunks).toHaveLength(0);
  });
});

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CicClient } from '../../../src/client/client.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { emulator, TOKEN } from '../../helpers/emulator.js';

const UA = 'clova-cli/clova-cli/0.1.0 (Linux 6.1;x64;node=20)';

/** The garbage collector, reachable without starting the worker with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** Yields `parts` parts of 6400 bytes, then waits forever (a microphone nobody stops). */
async function* endless(parts: number, onWaiting?: () => void): AsyncGenerator<Buffer> {
  for (let i = 0; i < parts; i++) yield Buffer.alloc(6400, i === 0 ? 0 : 100);
  onWaiting?.();
  await new Promise(() => undefined);
}

describe('CicClient.recognize against the emulator', () => {
  it('StopCapture closes the body although the source is still waiting for audio', async () => {
    const emu = await emulator({ faults: ['stop-capture-after=400'] });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA });
    try {
      await client.connect();
      const r = await client.recognize(endless(5), { lang: 'en', timeoutMs: 5000 });
      expect(r.status).toBe(200);
      expect(r.uploadEnded).toBe('stop-capture');
      expect(r.audioParts).toBe(5);
      expect(r.stopCaptureReactionMs).toBeLessThan(100);
      const e = emu.record.events[0]!;
      expect(e.audio!.bodyEndedAt! - e.audio!.stopCaptureAt!).toBeLessThan(100);
    } finally {
      await client.close();
    }
  });

  it('endInput ends the upload like a released talk key; the answer still comes', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA });
    const stop = new AbortController();
    try {
      await client.connect();
      const r = await client.recognize(endless(3, () => stop.abort()), { lang: 'ko', endInput: stop.signal, timeoutMs: 5000 });
      expect(r).toMatchObject({ status: 200, uploadEnded: 'stopped', audioParts: 3 });
      expect(emu.record.events[0]!.audio!.bytes).toBe(3 * 6400);
    } finally {
      await client.close();
    }
  });

  it('a source that fails mid-stream cancels the request: nothing half-sent is answered', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA });
    async function* bad(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(6400);
      throw new UsageError('standard input ended with an odd byte');
    }
    try {
      await client.connect();
      await expect(client.recognize(bad(), { lang: 'en' })).rejects.toThrow(/odd byte/);
      await new Promise((r) => setTimeout(r, 200));
      // RST_STREAM CANCEL alone (here even before the request left): the server never saw a body
      // end, and answered nothing.
      for (const e of emu.record.events) {
        expect(e.audio?.bodyEndedAt).toBeUndefined();
        expect(e.status ?? 0).not.toBe(200);
      }
      for (const q of emu.record.requests.filter((x) => x.path === '/v1/events')) expect(q.status ?? 0).not.toBe(200);
    } finally {
      await client.close();
    }
  });

  it('a follow-up Recognize carries the ExpectSpeech speechId and the dialog of the question', async () => {
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA });
    try {
      await client.connect();
      const q = await client.sendText('order a pizza');
      const pending = client.pendingExpectSpeech!;
      expect(pending.expectSpeechId).toBeTruthy();
      async function* two(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(6400);
        yield Buffer.alloc(3200);
      }
      const r = await client.recognize(two(), { lang: 'en', timeoutMs: 5000 });
      expect(r).toMatchObject({ status: 200, audioParts: 2, audioBytes: 9600, uploadEnded: 'end-of-input' });
      const e = emu.record.events[1]!.message.event;
      expect(e.header.dialogRequestId).toBe(q.dialogRequestId);
      expect(e.payload).toMatchObject({ speechId: pending.expectSpeechId, explicit: pending.explicit, lang: 'en' });
      expect(e.payload.initiator).toBeUndefined();
      expect(client.pendingExpectSpeech).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('the answer timer starts when the body is closed, and KeepRecording restarts it (U-18)', async () => {
    const emu = await emulator({ faults: ['no-stop-capture', 'event-delay=2500'] });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA });
    async function* one(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(6400);
    }
    try {
      await client.connect();
      // No KeepRecording: 2.5 s of silence from the server is more than the 1 s allowed.
      await expect(client.recognize(one(), { lang: 'en', timeoutMs: 1000 })).rejects.toThrow(/no answer within 1000 ms of the end of the audio/);
      // KeepRecording every 250 ms keeps the same 1 s timer alive until the answer comes.
      const keep = setInterval(() => {
        const dialog = client.currentDialogRequestId;
        if (dialog) emu.push({ directive: { header: { namespace: 'SpeechRecognizer', name: 'KeepRecording', messageId: `k-${Date.now()}`, dialogRequestId: dialog }, payload: {} } });
      }, 250);
      try {
        const r = await client.recognize(one(), { lang: 'en', timeoutMs: 1000 });
        expect(r.status).toBe(200);
      } finally {
        clearInterval(keep);
      }
    } finally {
      await client.close();
    }
  });

  it('keeps nothing of the audio it has sent: chunks already written become collectible mid-upload', async () => {
    // Regression: each read and each drain wait was raced against two promises that stay pending for
    // the whole upload, and every race left a reaction on them holding its chunk (217 MB RSS for 1 h).
    const gc = exposeGc();
    const emu = await emulator({ faults: ['no-stop-capture'] });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA });
    const refs: WeakRef<Buffer>[] = [];
    let reached!: () => void;
    const atEnd = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 300; i++) {
        const chunk = Buffer.alloc(6400, i === 0 ? 0 : 50);
        refs.push(new WeakRef(chunk));
        yield chunk;
      }
      reached();
      await released; // the upload is still running: its long-lived state is alive
    }
    try {
      await client.connect();
      const turnDone = client.recognize(source(), { lang: 'en', timeoutMs: 10000 });
      turnDone.catch(() => undefined); // awaited below; a failed assertion must not leave it unhandled
      await atEnd;
      for (let i = 0; i < 3; i++) {
        await turn();
        gc();
      }
      const alive = refs.slice(0, 290).filter((r) => r.deref() !== undefined).length;
      expect(alive).toBeLessThanOrEqual(2);
      release();
      const r = await turnDone;
      expect(r).toMatchObject({ status: 200, audioParts: 300, uploadEnded: 'end-of-input' });
    } finally {
      release();
      await client.close();
    }
  });
});

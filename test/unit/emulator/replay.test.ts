import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryAttachmentSink } from '../../../src/client/attachments.js';
import { CicClient, SystemExceptionError, type ReceivedDirective } from '../../../src/client/client.js';
import { ServerError } from '../../../src/protocol/errors.js';
import { emulator, TOKEN } from '../../helpers/emulator.js';

const UA = 'test/clova-cli-test/1.0.0 (Linux;x64)';
const OLD_DIALOG = '11111111-1111-4111-8111-111111111111';
const MP3 = Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 1, 2, 3, 0x0d, 0x0a, 0x2d, 0x2d, 250, 251]);

const directive = (namespace: string, name: string, payload: object, dialogRequestId?: string) => ({
  directive: { header: { namespace, name, messageId: `${name}-m`, ...(dialogRequestId ? { dialogRequestId } : {}) }, payload },
});

/** A hand-made record: Hello at 10 ms, a Notify pushed 400 ms after it, one answered Recognize. */
function record(): string {
  const dc = { conn: 1, stream: 1 };
  const ev = { conn: 1, stream: 3 };
  const lines: object[] = [
    { type: 'clova-cli-record', version: 1, startedAt: '2026-11-29T00:00:00Z', tool: 'test', audio: 'digest', attachments: 'inline' },
    { type: 'request', t: 1, ...dc, kind: 'downchannel', headers: {} },
    { type: 'response', t: 5, ...dc, source: 'downchannel', status: 200, headers: {} },
    { type: 'directive', t: 10, ...dc, source: 'downchannel', message: directive('Clova', 'Hello', {}) },
    { type: 'directive', t: 410, ...dc, source: 'downchannel', message: directive('Notifier', 'Notify', { assets: [], assetPlayOrder: [] }) },
    {
      type: 'request',
      t: 20,
      ...ev,
      kind: 'event',
      headers: {},
      event: { event: { header: { namespace: 'TextRecognizer', name: 'Recognize', messageId: 'x', dialogRequestId: OLD_DIALOG }, payload: { text: 'hi' } }, context: [] },
    },
    { type: 'request-end', t: 21, ...ev },
    { type: 'response', t: 30, ...ev, source: 'event', status: 200, headers: {} },
    { type: 'directive', t: 31, ...ev, source: 'event', message: directive('SpeechSynthesizer', 'Speak', { format: 'AUDIO_MPEG', token: 't1', url: 'cid:c1' }, OLD_DIALOG) },
    { type: 'attachment', t: 32, ...ev, source: 'event', contentId: 'c1', contentType: 'application/octet-stream' },
    { type: 'attachment-data', t: 32, ...ev, contentId: 'c1', data: MP3.subarray(0, 5).toString('base64') },
    { type: 'attachment-data', t: 33, ...ev, contentId: 'c1', data: MP3.subarray(5).toString('base64') },
    { type: 'attachment-end', t: 33, ...ev, contentId: 'c1', bytes: MP3.length, sha256: createHash('sha256').update(MP3).digest('hex') },
    { type: 'directive', t: 34, ...ev, source: 'event', message: directive('Clova', 'RenderText', { text: 'Hi there' }, OLD_DIALOG) },
    { type: 'response-end', t: 35, ...ev },
  ];
  const path = join(mkdtempSync(join(tmpdir(), 'replay-')), 'r.jsonl');
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return path;
}

const clients: CicClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('startEmulator({ replay }) (in process)', () => {
  it('pushes a directive of no dialog at its recorded time after Hello, and answers with the recorded directives and attachment bytes under the new dialog', async () => {
    const emu = await emulator({ replay: record() });
    const dir = mkdtempSync(join(tmpdir(), 'replay-speech-'));
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA, attachments: new DirectoryAttachmentSink(dir) });
    clients.push(client);
    const got: { d: ReceivedDirective; at: number }[] = [];
    client.on('directive', (d) => got.push({ d, at: performance.now() }));
    const saved: string[] = [];
    client.on('audio', (a) => saved.push(a.path!));
    await client.connect();
    const greeted = performance.now();
    const result = await client.sendText('hi');
    expect(result.status).toBe(200);
    const answer = got.filter((g) => g.d.source === 'event').map((g) => g.d.message.directive);
    expect(answer.map((d) => d.header.name)).toEqual(['Speak', 'RenderText']);
    // The recorded dialogRequestId became this client's own: the answer was not skipped as stale.
    for (const d of answer) expect(d.header.dialogRequestId).toBe(result.dialogRequestId);
    expect(result.dialogRequestId).not.toBe(OLD_DIALOG);
    // The recorded attachment, byte for byte (its CRLF and "--" included).
    expect(saved).toEqual([join(dir, 'speech-c1.mp3')]);
    expect(readFileSync(saved[0]!).equals(MP3)).toBe(true);
    // The Notify: 400 ms after Hello in the record; here not before (timer slack allowed), and within a generous bound.
    for (let i = 0; i < 50 && !got.some((g) => g.d.source === 'downchannel'); i++) await new Promise((r) => setTimeout(r, 100));
    const notify = got.find((g) => g.d.source === 'downchannel')!;
    expect(notify.d.message.directive.header.name).toBe('Notify');
    expect(notify.at - greeted).toBeGreaterThanOrEqual(350);
    expect(notify.at - greeted).toBeLessThan(3000);
    expect(emu.replay).toEqual({ recorded: 1, answered: 1, mismatches: [] });
  });

  it('an event the record has no answer for is a 400 System.Exception and a mismatch', async () => {
    const lines: string[] = [];
    const emu = await emulator({ replay: record(), log: (l) => lines.push(l) });
    const client = new CicClient({ url: emu.url, token: TOKEN, userAgent: UA });
    clients.push(client);
    await client.connect();
    await client.sendText('hi');
    const err = await client.sendText('again').catch((e: unknown) => e);
    expect(err instanceof ServerError || err instanceof SystemExceptionError).toBe(true);
    expect(String((err as Error).message)).toContain('Replay mismatch: TextRecognizer.Recognize #2 has no recorded answer (the record has 1');
    expect(emu.replay!.mismatches).toEqual(['TextRecognizer.Recognize #2 has no recorded answer (the record has 1 TextRecognizer.Recognize)']);
    expect(lines).toContain('replay mismatch: TextRecognizer.Recognize #2 has no recorded answer (the record has 1 TextRecognizer.Recognize)');
  });

  it('a file that is not a record fails startEmulator with the reason', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'replay-')), 'bad.jsonl');
    writeFileSync(path, '{"type":"clova-cli-record","version":1}\n{"type":"response","t":1}\n');
    await expect(emulator({ replay: path })).rejects.toThrow(/cannot replay .*line 2 \(response\) lacks t, conn or stream/);
  });
});

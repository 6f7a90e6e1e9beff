import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DirectoryAttachmentSink } from '../../../src/client/attachments.js';
import { ResponseReader, type AudioInfo } from '../../../src/client/response-reader.js';
import { buildDirective, type DirectiveMessage } from '../../../src/protocol/messages.js';
import { MultipartEncoder } from '../../../src/protocol/multipart-encoder.js';

const json = (m: DirectiveMessage) =>
  [
    [
      ['Content-Disposition', `form-data; name="${m.directive.header.name}Directive-x"`],
      ['Content-Type', 'application/json; charset=utf-8'],
    ] as const,
    JSON.stringify(m),
  ] as const;
const attachment = (cid: string, bytes: Buffer, brackets = false) =>
  [
    [
      ['Content-Disposition', 'form-data; name="attachment-x"'],
      ['Content-ID', brackets ? `<${cid}>` : cid],
      ['Content-Type', 'application/octet-stream'],
    ] as const,
    bytes,
  ] as const;
const speak = (cid: string, dialogRequestId = 'd1') =>
  buildDirective('SpeechSynthesizer', 'Speak', { format: 'AUDIO_MPEG', token: 't', url: `cid:${cid}` }, dialogRequestId);

function body(parts: ReadonlyArray<readonly [ReadonlyArray<readonly [string, string]>, string | Buffer]>) {
  const enc = new MultipartEncoder('b'.repeat(40));
  return { boundary: enc.boundary, bytes: Buffer.concat([...parts.map(([h, b]) => enc.part(h, b)), enc.end()]) };
}

async function read(
  parts: Parameters<typeof body>[0],
  options: { chunk?: number; decide?: (m: DirectiveMessage) => 'deliver' | 'discard'; dir?: string } = {},
) {
  const { boundary, bytes } = body(parts);
  const directives: DirectiveMessage[] = [];
  const audio: AudioInfo[] = [];
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'reader-'));
  const reader = new ResponseReader(
    boundary,
    {
      directive: (m) => {
        directives.push(m);
        return options.decide?.(m) ?? 'deliver';
      },
      audio: (a) => audio.push(a),
      trace: () => undefined,
    },
    new DirectoryAttachmentSink(dir),
    false,
  );
  const step = options.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += step) {
    const wait = reader.write(bytes.subarray(i, i + step));
    if (wait) await wait;
  }
  await reader.end();
  return { directives, audio, dir };
}

describe('ResponseReader', () => {
  const mp3 = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 31) & 0xff));

  it('saves a cited attachment byte-exact, attachment after the directive, in tiny chunks', async () => {
    const { directives, audio, dir } = await read([json(speak('c1')), attachment('c1', mp3)], { chunk: 7 });
    expect(directives).toHaveLength(1);
    expect(audio).toHaveLength(1);
    expect(audio[0]!.path).toBe(join(dir, 'speech-c1.mp3'));
    expect(readFileSync(audio[0]!.path!).equals(mp3)).toBe(true);
    expect(readdirSync(dir)).toEqual(['speech-c1.mp3']);
  });

  it('matches an attachment that comes before its directive, Content-ID in brackets', async () => {
    const { audio, dir } = await read([attachment('c2', mp3, true), json(speak('c2'))], { chunk: 1000 });
    expect(audio.map((a) => a.contentId)).toEqual(['c2']);
    expect(readFileSync(join(dir, 'speech-c2.mp3')).equals(mp3)).toBe(true);
  });

  it('discards the attachment of a discarded directive, before or after it', async () => {
    for (const order of ['first', 'last'] as const) {
      const parts = order === 'first' ? [attachment('c3', mp3), json(speak('c3'))] : [json(speak('c3')), attachment('c3', mp3)];
      const { audio, dir } = await read(parts, { decide: () => 'discard', chunk: 333 });
      expect(audio).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('drops attachments that no directive cites', async () => {
    const { audio, dir } = await read([attachment('orphan', mp3)]);
    expect(audio).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the order of directives', async () => {
    const list = Array.from({ length: 20 }, (_, i) => buildDirective('Clova', 'RenderText', { text: `n${i}` }, 'd1'));
    const { directives } = await read(list.map(json), { chunk: 5 });
    expect(directives.map((d) => d.directive.payload.text)).toEqual(list.map((d) => d.directive.payload.text));
  });

  it('hands out a downchannel directive as soon as its JSON is complete (spec 2.2)', () => {
    const enc = new MultipartEncoder('c'.repeat(60));
    const hello = buildDirective('Clova', 'Hello', {});
    const got: string[] = [];
    const reader = new ResponseReader(
      enc.boundary,
      { directive: (m) => (got.push(m.directive.header.name), 'deliver'), audio: () => undefined, trace: () => undefined },
      undefined,
      true,
    );
    const first = enc.part(json(hello)[0], JSON.stringify(hello, null, 2));
    reader.write(first);
    expect(got).toEqual(['Hello']);
    const push = buildDirective('Notifier', 'Notify', {});
    reader.write(enc.part(json(push)[0], JSON.stringify(push)));
    expect(got).toEqual(['Hello', 'Notify']);
    reader.write(enc.end());
    expect(got).toEqual(['Hello', 'Notify']);
  });

  it('parses a 4 MB downchannel directive dripped in 1 KiB chunks once, and hands it out on its last byte', () => {
    const enc = new MultipartEncoder('c'.repeat(60));
    const big = buildDirective('Clova', 'RenderText', { text: 'z}'.repeat(2_000_000) });
    const got: string[] = [];
    const reader = new ResponseReader(
      enc.boundary,
      { directive: (m) => (got.push(m.directive.header.name), 'deliver'), audio: () => undefined, trace: () => undefined },
      undefined,
      true,
    );
    const wire = enc.part(json(big)[0], JSON.stringify(big));
    expect(wire.length).toBeGreaterThan(4_000_000);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (let i = 0; i < wire.length; i += 1024) reader.write(wire.subarray(i, i + 1024));
      expect(got).toEqual(['RenderText']); // no delimiter after it yet: handed out as its JSON completed
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  for (const early of [false, true]) {
    it(`says so when a directive of more than 4 MiB is dropped (${early ? 'downchannel' : 'answer'}), and keeps the rest`, async () => {
      const enc = new MultipartEncoder('d'.repeat(60));
      const huge = buildDirective('Clova', 'RenderText', { text: 'h'.repeat(5 * 1024 * 1024) });
      const after = buildDirective('Clova', 'RenderText', { text: 'after' });
      const got: unknown[] = [];
      const notices: string[] = [];
      const traces: string[] = [];
      const reader = new ResponseReader(
        enc.boundary,
        {
          directive: (m) => (got.push(m.directive.payload.text), 'deliver'),
          audio: () => undefined,
          trace: (l) => traces.push(l),
          notice: (l) => notices.push(l),
        },
        undefined,
        early,
      );
      const wire = Buffer.concat([enc.part(json(huge)[0], JSON.stringify(huge)), enc.part(json(after)[0], JSON.stringify(after)), enc.end()]);
      for (let i = 0; i < wire.length; i += 64 * 1024) reader.write(wire.subarray(i, i + 64 * 1024));
      await reader.end();
      expect(got).toEqual(['after']);
      expect(notices).toEqual([`a directive of more than 4 MiB ${early ? 'on the downchannel' : 'in the answer'} was dropped`]);
      expect(traces.join('\n')).toMatch(/JSON part "RenderTextDirective-x" of \d+ B dropped: larger than 4 MiB/);
    });
  }
});

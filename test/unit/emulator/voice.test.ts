// SpeechRecognizer.Recognize through the real emulator over HTTP/2: VAD, StopCapture, interim
// results, recognition (a scripted fake decoder everywhere, real pocketsphinx when installed), faults
// and the wire record.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../../src/emulator/index.js';
import { buildEvent, type DirectiveMessage } from '../../../src/protocol/messages.js';
import { newId } from '../../../src/protocol/ids.js';
import { readyDownchannel, sendEvent, shape, textEvent, useEmulator, openEvent, type Downchannel, type OpenEvent, type Response } from './h2-client.js';
import { canRecognise, espeak, pieces, silence, tone } from './pcm.js';

const { start, session } = useEmulator();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const OFF = "but speech recognition is turned off in this emulator.";

function recognizeEvent(dialogRequestId: string, extra: Record<string, unknown> = {}) {
  return buildEvent(
    'SpeechRecognizer',
    'Recognize',
    {
      lang: 'en',
      profile: 'CLOSE_TALK',
      format: 'AUDIO_L16_RATE_16000_CHANNELS_1',
      initiator: { type: 'TAP', inputSource: 'SELF' },
      ...extra,
    },
    { dialogRequestId },
  );
}

async function setup(options: EmulatorOptions = {}) {
  const emu = await start(options);
  const s = await session();
  const dc = await readyDownchannel(s);
  return { emu, s, dc };
}

/** The downchannel directives of one dialog (from part `from` on), in arrival order. */
function dialogDirectives(dc: Downchannel, dialogRequestId: string, from = 0): DirectiveMessage[] {
  return dc.parts
    .slice(from)
    .map((p) => p.json!)
    .filter((m) => m.directive.header.dialogRequestId === dialogRequestId);
}

/** Resolves with the first downchannel directive `name` of the dialog from part `from` on. */
async function waitDirective(dc: Downchannel, name: string, dialogRequestId: string, timeoutMs = 5000, from = 0): Promise<DirectiveMessage> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = dialogDirectives(dc, dialogRequestId, from).find((m) => m.directive.header.name === name);
    if (found) return found;
    const left = until - Date.now();
    if (left <= 0) throw new Error(`no ${name} for ${dialogRequestId} on the downchannel`);
    await dc.waitParts(dc.parts.length + 1, left).catch(() => undefined);
  }
}

function renderText(r: Response): string {
  const p = r.parts.find((x) => x.json?.directive.header.name === 'RenderText');
  if (!p) throw new Error(`no RenderText in ${shape(r.parts).join(', ')}`);
  return p.json!.directive.payload.text as string;
}

function sendAll(req: OpenEvent, audio: Buffer, size = 6400): void {
  for (const p of pieces(audio, size)) req.audio(p);
}

describe('end of speech', () => {
  it('a tone burst gets StopCapture from the VAD while the body is open, and the answer after it ends', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off' });
    const id = newId();
    const audio = Buffer.concat([tone(1500, 440, 8000), silence(2000)]);
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, audio);
    const stop = await waitDirective(dc, 'StopCapture', id);
    expect(stop.directive.header.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(stop.directive.payload).toEqual({}); // recognizedText is off by default (spec 5.1)
    await sleep(50);
    expect(req.status()).toBeUndefined(); // no answer while the body is open
    req.end();
    const r = await req.response;
    expect(r.status).toBe(200);
    expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText']);
    expect(renderText(r)).toBe(`I heard 1.5 seconds of speech, ${OFF}`);
    for (const p of r.parts) if (p.json) expect(p.json.directive.header.dialogRequestId).toBe(id);

    const ev = emu.record.events.at(-1)!;
    const audioParts = ev.parts.slice(1);
    expect(audioParts.map((p) => p.name)).toEqual(Array(18).fill('audio'));
    expect(audioParts.map((p) => p.bytes)).toEqual([...Array(17).fill(6400), 3200]);
    const times = ev.parts.map((p) => p.at!);
    expect(times.every((t) => typeof t === 'number')).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(ev.audio).toMatchObject({
      bytes: audio.length,
      sha256: sha256(audio),
      endOfSpeech: 'vad',
      speech: { startByte: 0, endByte: 1500 * 32 },
      shownTexts: [],
    });
    expect(ev.audio!.recognizedText).toBeUndefined();
    expect(ev.audio!.stopCaptureAt!).toBeLessThanOrEqual(ev.audio!.bodyEndedAt!);
    expect(ev.audio!.bodyEndedAt!).toBeGreaterThanOrEqual(times.at(-1)!);
    expect(dialogDirectives(dc, id).map((m) => m.directive.header.name)).toEqual(['StopCapture']);
  });

  it('accepts parts of any size, odd bytes straddling parts and one long part', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off' });
    const audio = Buffer.concat([silence(300), tone(1000, 300, 6000), silence(1000)]);
    for (const sizes of [[1, 6399, 6401, 3, 12_801], [audio.length]]) {
      const id = newId();
      const req = openEvent(s, recognizeEvent(id));
      let at = 0;
      for (let i = 0; at < audio.length; i++) {
        const n = sizes[i % sizes.length]!;
        req.audio(audio.subarray(at, at + n));
        at += n;
      }
      await waitDirective(dc, 'StopCapture', id);
      req.end();
      expect(renderText(await req.response)).toBe(`I heard 1 second of speech, ${OFF}`);
      expect(emu.record.events.at(-1)!.audio).toMatchObject({
        bytes: audio.length,
        sha256: sha256(audio),
        endOfSpeech: 'vad',
        speech: { startByte: 300 * 32, endByte: 1300 * 32 },
      });
    }
  });

  it('silence gets StopCapture after the no-speech timeout, counted in audio time', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off' });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, silence(4000));
    await sleep(300);
    expect(dialogDirectives(dc, id)).toEqual([]); // 4 s of audio, however long it took, is not 5 s
    sendAll(req, silence(1200));
    await waitDirective(dc, 'StopCapture', id);
    req.end();
    expect(renderText(await req.response)).toBe('I heard no speech in 5 seconds of audio.');
    expect(emu.record.events.at(-1)!.audio).toMatchObject({ bytes: 5200 * 32, endOfSpeech: 'no-speech' });
    expect(emu.record.events.at(-1)!.audio!.speech).toBeUndefined();
  });

  it('takes the VAD numbers from the options', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off', vad: { noSpeechMs: 1000, threshold: 100 } });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, silence(1200));
    await waitDirective(dc, 'StopCapture', id);
    req.end();
    expect(renderText(await req.response)).toBe('I heard no speech in 1 second of audio.');
    const id2 = newId();
    const req2 = openEvent(s, recognizeEvent(id2));
    sendAll(req2, Buffer.concat([tone(500, 440, 200), silence(900)])); // RMS 141: speech at threshold 100
    await waitDirective(dc, 'StopCapture', id2);
    req2.end();
    expect(renderText(await req2.response)).toBe(`I heard 0.5 seconds of speech, ${OFF}`);
    expect(emu.record.events.at(-1)!.audio!.endOfSpeech).toBe('vad');
    await expect(start({ vad: { silenceMs: -1 } })).rejects.toThrow(/vad.silenceMs/);
    await expect(start({ recognizer: 'on' as 'auto' })).rejects.toThrow(/recognizer must be/);
  });

  it('still sends StopCapture when the client ends the body first', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off' });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, tone(1000));
    req.end();
    const r = await req.response;
    expect(renderText(r)).toBe(`I heard 1 second of speech, ${OFF}`);
    await waitDirective(dc, 'StopCapture', id);
    const a = emu.record.events.at(-1)!.audio!;
    expect(a.endOfSpeech).toBe('client');
    expect(a.stopCaptureAt!).toBeGreaterThanOrEqual(a.bodyEndedAt!);
  });

  it('answers anyway and resets the stream when the client keeps its body open after StopCapture', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off', answerDeadlineMs: 300 });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, Buffer.concat([tone(1000), silence(1000)]));
    await waitDirective(dc, 'StopCapture', id);
    const t0 = Date.now();
    const r = await req.response;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(r.status).toBe(200);
    expect(renderText(r)).toBe(`I heard 1 second of speech, ${OFF}`);
    await req.closed;
    expect(emu.record.events.at(-1)!.audio!.bodyEndedAt).toBeUndefined();
  });

  it('answers "no audio" for a Recognize without audio parts', async () => {
    const { emu, s } = await setup({ recognizer: 'off' });
    const id = newId();
    const r = await sendEvent(s, recognizeEvent(id));
    expect(renderText(r)).toBe('I heard no audio.');
    expect(emu.record.events.at(-1)!.audio).toMatchObject({ bytes: 0, sha256: sha256(Buffer.alloc(0)), endOfSpeech: 'client' });
  });
});

describe('voice faults', () => {
  it('stop-capture-after sends StopCapture after that much audio, whatever the VAD thinks', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off', faults: ['stop-capture-after=1000'] });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, tone(600));
    await sleep(200);
    expect(dialogDirectives(dc, id)).toEqual([]);
    sendAll(req, tone(600));
    await waitDirective(dc, 'StopCapture', id);
    sendAll(req, tone(400)); // read and discarded
    req.end();
    expect(renderText(await req.response)).toBe(`I heard 1 second of speech, ${OFF}`);
    expect(emu.record.events.at(-1)!.audio).toMatchObject({ bytes: 1600 * 32, endOfSpeech: 'fault', speech: { startByte: 0, endByte: 32000 } });
  });

  it('stop-capture-after=0 sends StopCapture before any audio', async () => {
    const { s, dc } = await setup({ recognizer: 'off', faults: ['stop-capture-after=0'] });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    await waitDirective(dc, 'StopCapture', id);
    req.end();
    expect(renderText(await req.response)).toBe('I heard no audio.');
  });

  it('no-stop-capture never sends StopCapture and answers when the client ends the body', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off', faults: ['no-stop-capture'] });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, Buffer.concat([tone(1500), silence(2000)]));
    await sleep(300);
    expect(dialogDirectives(dc, id)).toEqual([]);
    expect(req.status()).toBeUndefined();
    req.end();
    expect(renderText(await req.response)).toBe(`I heard 1.5 seconds of speech, ${OFF}`);
    const a = emu.record.events.at(-1)!.audio!;
    expect(a.endOfSpeech).toBe('vad');
    expect(a.stopCaptureAt).toBeUndefined();
    expect(dialogDirectives(dc, id)).toEqual([]);
  });

  it('reset-recognize resets the Recognize stream mid-upload with INTERNAL_ERROR', async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off', faults: ['reset-recognize=400'] });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, tone(200));
    await sleep(100);
    expect(emu.record.events.at(-1)!.audio!.resetAt).toBeUndefined();
    sendAll(req, tone(1000));
    expect(await req.closed).toBe(constants.NGHTTP2_INTERNAL_ERROR);
    await expect(req.response).rejects.toThrow(/NGHTTP2_INTERNAL_ERROR|without a response/);
    const ev = emu.record.events.at(-1)!;
    expect(ev.audio!.resetAt).toBeGreaterThan(0);
    expect(ev.audio!.bodyEndedAt).toBeUndefined();
    expect(ev.audio!.bytes).toBeGreaterThanOrEqual(400 * 32);
    expect(ev.status).toBeUndefined();
    expect(dialogDirectives(dc, id)).toEqual([]);
    // Only that stream: the connection and the downchannel carry on.
    expect((await sendEvent(s, textEvent('hello'))).status).toBe(200);
  });
});

/** A stand-in for pocketsphinx_continuous: answers from files, keeps what it was given. */
function fakeDecoder(dir: string): { binary: string; hmm: string; dict: string } {
  const hmm = path.join(dir, 'model');
  mkdirSync(hmm);
  writeFileSync(path.join(hmm, 'mdef'), '');
  writeFileSync(path.join(dir, 'dict'), '');
  const binary = path.join(dir, 'fake-pocketsphinx');
  writeFileSync(
    binary,
    `#!/bin/sh
while [ $# -gt 1 ]; do
  case "$1" in -infile) in="$2";; -jsgf) g="$2";; esac
  shift 2
done
name=$(basename "$g" .gram)
cp "$in" "${dir}/$name.raw"
cp "$g" "${dir}/$name.gram"
[ -f "${dir}/exit" ] && exit "$(cat "${dir}/exit")"
cat "${dir}/$name.txt" 2>/dev/null
exit 0
`,
  );
  chmodSync(binary, 0o755);
  return { binary, hmm, dict: path.join(dir, 'dict') };
}

describe('recognition with a scripted decoder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'clova-fake-asr-'));
  const speechToText = fakeDecoder(dir);
  const answer = (file: 'phrases' | 'prefixes', text: string) => writeFileSync(path.join(dir, `${file}.txt`), `${text}\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pushes interim and final ShowRecognizedText, then StopCapture, and answers the recognised text', async () => {
    const { emu, s, dc } = await setup({ speechToText, recognizedText: true });
    answer('prefixes', 'what is the');
    answer('phrases', 'what is the weather today');
    const id = newId();
    const speech = tone(1200);
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, speech);
    const interim = await waitDirective(dc, 'ShowRecognizedText', id);
    expect(interim.directive.payload).toEqual({ text: 'what is the' });
    sendAll(req, silence(1000));
    const stop = await waitDirective(dc, 'StopCapture', id);
    expect(stop.directive.payload).toEqual({ recognizedText: 'what is the weather today' });
    expect(dialogDirectives(dc, id).map((m) => [m.directive.header.name, m.directive.payload.text])).toEqual([
      ['ShowRecognizedText', 'what is the'],
      ['ShowRecognizedText', 'what is the weather today'],
      ['StopCapture', undefined],
    ]);
    req.end();
    const r = await req.response;
    expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText', 'Clova.RenderTemplate']);
    expect(renderText(r)).toBe('Today in Seoul it is sunny and 23 degrees.');
    expect(emu.record.events.at(-1)!.audio).toMatchObject({
      recognizedText: 'what is the weather today',
      shownTexts: ['what is the', 'what is the weather today'],
      endOfSpeech: 'vad',
    });
    // The decoder got the utterance with 300 ms around it (no leading audio here), plus a faint noise floor.
    const given = readFileSync(path.join(dir, 'phrases.raw'));
    expect(given.length).toBe(1500 * 32);
    let worst = 0;
    for (let i = 0; i < 1200 * 32; i += 2) worst = Math.max(worst, Math.abs(given.readInt16LE(i) - speech.readInt16LE(i)));
    expect(worst).toBeLessThanOrEqual(16);
    const grammar = readFileSync(path.join(dir, 'phrases.gram'), 'utf8');
    expect(grammar).toMatch(/^#JSGF V1.0;\ngrammar emulator;\npublic <utterance> = hello \| /);
    expect(grammar).toContain('| what is the weather today |');
    expect(grammar).not.toContain('| what is the |');
    expect(readFileSync(path.join(dir, 'prefixes.gram'), 'utf8')).toContain('| what is the |');
  });

  it('runs the two-turn pizza dialog by voice', async () => {
    const { s, dc } = await setup({ speechToText });
    answer('prefixes', '');
    answer('phrases', 'order a pizza');
    const id = newId();
    const first = openEvent(s, recognizeEvent(id));
    sendAll(first, Buffer.concat([tone(1000), silence(900)]));
    await waitDirective(dc, 'StopCapture', id);
    first.end();
    const r1 = await first.response;
    expect(renderText(r1)).toBe('What size would you like?');
    const expectSpeech = r1.parts.find((p) => p.json?.directive.header.name === 'ExpectSpeech')!.json!.directive.payload;
    answer('phrases', 'large');
    const from = dc.parts.length;
    const second = openEvent(s, recognizeEvent(id, { speechId: expectSpeech.expectSpeechId, explicit: false }));
    sendAll(second, Buffer.concat([tone(600), silence(900)]));
    await waitDirective(dc, 'StopCapture', id, 5000, from);
    second.end();
    expect(renderText(await second.response)).toBe('Your large pizza is on its way.');
  });

  it('answers honestly when the decoder hears nothing it knows, fails, or is missing', async () => {
    const { s, dc } = await setup({ speechToText });
    const ask = async () => {
      const id = newId();
      const req = openEvent(s, recognizeEvent(id));
      sendAll(req, Buffer.concat([tone(800), silence(900)]));
      await waitDirective(dc, 'StopCapture', id);
      req.end();
      return renderText(await req.response);
    };
    answer('phrases', '');
    expect(await ask()).toBe('I heard 0.8 seconds of speech but did not recognise any phrase I know.');
    writeFileSync(path.join(dir, 'exit'), '3');
    try {
      expect(await ask()).toBe('I heard 0.8 seconds of speech but the speech recogniser failed.');
    } finally {
      rmSync(path.join(dir, 'exit'));
    }
    const missing = await setup({ speechToText: { binary: 'clova-no-such-pocketsphinx' } });
    const id = newId();
    const req = openEvent(missing.s, recognizeEvent(id));
    sendAll(req, Buffer.concat([tone(2300), silence(900)]));
    await waitDirective(missing.dc, 'StopCapture', id);
    req.end();
    expect(renderText(await req.response)).toBe(
      'I heard 2.3 seconds of speech but cannot recognise it offline. Install pocketsphinx and pocketsphinx-en-us to enable recognition.',
    );
    expect(missing.emu.record.events.at(-1)!.audio!.recognizedText).toBeUndefined();
  });

  it('sends no ShowRecognizedText when turned off', async () => {
    const { emu, s, dc } = await setup({ speechToText, showRecognizedText: false });
    answer('prefixes', 'what');
    answer('phrases', 'what time is it');
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, tone(1200));
    await sleep(300);
    sendAll(req, silence(900));
    await waitDirective(dc, 'StopCapture', id);
    req.end();
    expect(renderText(await req.response)).toMatch(/^It is \d+:\d\d [AP]M\.$/);
    expect(dialogDirectives(dc, id).map((m) => m.directive.header.name)).toEqual(['StopCapture']);
    expect(emu.record.events.at(-1)!.audio!.shownTexts).toEqual([]);
  });
});

describe.skipIf(!canRecognise)('recognition with pocketsphinx (needs pocketsphinx, pocketsphinx-en-us, espeak-ng, sox)', () => {
  it('recognises an espeak-ng utterance and answers the weather', async () => {
    const { emu, s, dc } = await setup();
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, Buffer.concat([silence(500), espeak('what is the weather today'), silence(1000)]));
    const stop = await waitDirective(dc, 'StopCapture', id, 15_000);
    expect(stop.directive.payload).toEqual({});
    const names = dialogDirectives(dc, id).map((m) => [m.directive.header.name, m.directive.payload.text]);
    expect(names.at(-2)).toEqual(['ShowRecognizedText', 'what is the weather today']);
    req.end();
    const r = await req.response;
    expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText', 'Clova.RenderTemplate']);
    expect(r.parts[3]!.json!.directive.payload.type).toBe('TodayWeather');
    expect(emu.record.events.at(-1)!.audio).toMatchObject({ recognizedText: 'what is the weather today', endOfSpeech: 'vad' });
  });

  it('pushes growing interim texts when the audio comes in real time', async () => {
    const { emu, s, dc } = await setup();
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    for (const p of pieces(Buffer.concat([espeak('what is the weather today'), silence(1000)]))) {
      req.audio(p);
      await sleep(200);
      if (emu.record.events.at(-1)!.audio!.stopCaptureAt !== undefined) break;
    }
    await waitDirective(dc, 'StopCapture', id, 15_000);
    req.end();
    await req.response;
    const shown = emu.record.events.at(-1)!.audio!.shownTexts;
    expect(shown.length).toBeGreaterThanOrEqual(2);
    expect(shown.at(-1)).toBe('what is the weather today');
    for (const t of shown) expect('what is the weather today'.startsWith(t)).toBe(true);
  });

  it('runs the pizza dialog by voice', async () => {
    const { s, dc } = await setup();
    const id = newId();
    const first = openEvent(s, recognizeEvent(id));
    sendAll(first, Buffer.concat([espeak('order a pizza'), silence(1000)]));
    await waitDirective(dc, 'StopCapture', id, 15_000);
    first.end();
    const r1 = await first.response;
    expect(renderText(r1)).toBe('What size would you like?');
    const expectSpeechId = r1.parts.find((p) => p.json?.directive.header.name === 'ExpectSpeech')!.json!.directive.payload.expectSpeechId;
    const from = dc.parts.length;
    const second = openEvent(s, recognizeEvent(id, { speechId: expectSpeechId, explicit: false }));
    sendAll(second, Buffer.concat([espeak('large'), silence(1000)]));
    await waitDirective(dc, 'StopCapture', id, 15_000, from);
    second.end();
    expect(renderText(await second.response)).toBe('Your large pizza is on its way.');
  });

  it("answers with what it heard when recognizer is 'off'", async () => {
    const { emu, s, dc } = await setup({ recognizer: 'off' });
    const id = newId();
    const req = openEvent(s, recognizeEvent(id));
    sendAll(req, Buffer.concat([espeak('what is the weather today'), silence(1000)]));
    await waitDirective(dc, 'StopCapture', id);
    req.end();
    expect(renderText(await req.response)).toMatch(/^I heard 1\.\d seconds of speech, but speech recognition is turned off in this emulator\.$/);
    expect(emu.record.events.at(-1)!.audio!.shownTexts).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientHttp2Session } from 'node:http2';
import { startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { buildEvent, type DirectiveMessage } from '../../../src/protocol/messages.js';
import { newId } from '../../../src/protocol/ids.js';
import {
  closeSession,
  connect,
  eventBody,
  hasMpg123,
  looksLikeMp3,
  mpg123Decode,
  readyDownchannel,
  sendEvent,
  shape,
  textEvent,
  TOKEN,
  UA,
  type Downchannel,
  type Part,
  type Response,
} from './h2-client.js';

// 2024-03-05 19:05:00 local time, whatever the machine's time zone.
const NOW = new Date(2024, 2, 5, 19, 5, 0);

let emulator: Emulator;
let session: ClientHttp2Session;
let downchannel: Downchannel;

beforeAll(async () => {
  // Recognition off: these answers must not depend on whether pocketsphinx is installed (voice.test.ts covers it).
  emulator = await startEmulator({ now: () => new Date(NOW.getTime()), recognizer: 'off' });
  session = await connect(emulator.url);
  downchannel = await readyDownchannel(session);
});

afterAll(async () => {
  await emulator.close();
  await closeSession(session);
});

function directives(r: Response): DirectiveMessage[] {
  return r.parts.filter((p) => p.json).map((p) => p.json!);
}

function find(r: Response, qualified: string): DirectiveMessage {
  const d = directives(r).find((m) => `${m.directive.header.namespace}.${m.directive.header.name}` === qualified);
  if (!d) throw new Error(`${qualified} missing in ${shape(r.parts).join(', ')}`);
  return d;
}

/** Checks the common shape of a spoken answer and returns its RenderText text. */
function checkSpoken(r: Response, dialogRequestId: string, lang: 'en' | 'ko'): string {
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^multipart\/related; boundary=[0-9a-f]{60}$/);
  expect(shape(r.parts).slice(0, 3)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText']);
  const speak = r.parts[0]!;
  const att = r.parts[1]!;
  expect(speak.headers.dispositionName).toMatch(/^speakDirective-[0-9a-f-]{36}$/);
  expect(r.parts[2]!.headers.dispositionName).toMatch(/^renderTextDirective-[0-9a-f-]{36}$/);
  const payload = speak.json!.directive.payload;
  expect(payload).toMatchObject({ format: 'AUDIO_MPEG', ttsLang: lang, 'x-clova-pause-before': 0 });
  expect(payload.token).toMatch(/^[0-9a-f-]{36}$/);
  expect(payload.url).toBe(`cid:${att.headers.get('content-id')}`);
  expect(att.headers.get('content-id')).toMatch(/^[0-9a-f-]{36}$/); // bare, no angle brackets
  expect(att.headers.dispositionName).toMatch(/^attachment-[0-9a-f-]{36}$/);
  expect(att.headers.get('content-type')).toBe('application/octet-stream');
  checkMp3(att, r.parts[2]!.json!.directive.payload.text as string);
  for (const d of directives(r)) expect(d.directive.header.dialogRequestId).toBe(dialogRequestId);
  return r.parts[2]!.json!.directive.payload.text as string;
}

/** The attachment is `text` spoken: MP3 of 16-bit mono 16 kHz, as long as eSpeak NG takes to say it (175 words a minute). */
function checkMp3(att: Part, text: string): void {
  expect(looksLikeMp3(att.body)).toBe(true);
  if (hasMpg123) {
    const d = mpg123Decode(att.body);
    expect(d.ok, d.stderr).toBe(true);
    expect(d.pcmBytes).toBeGreaterThan(0.5 * 32000);
    expect(d.pcmBytes).toBeLessThan((1 + 0.12 * [...text].length) * 32000);
  }
}

async function ask(text: string, extra: Record<string, unknown> = {}, dialogRequestId = newId()) {
  const r = await sendEvent(session, textEvent(text, extra, dialogRequestId));
  return { r, dialogRequestId };
}

describe('TextRecognizer.Recognize intents', () => {
  it('greets in English and Korean', async () => {
    const en = await ask('Hello there');
    expect(checkSpoken(en.r, en.dialogRequestId, 'en')).toBe('Hello! Nice to meet you.');
    const ko = await ask('안녕 클로바');
    expect(checkSpoken(ko.r, ko.dialogRequestId, 'ko')).toBe('안녕하세요. 만나서 반가워요.');
  });

  it('tells the time from the injected clock', async () => {
    const en = await ask('What time is it?');
    expect(checkSpoken(en.r, en.dialogRequestId, 'en')).toBe('It is 7:05 PM.');
    const ko = await ask('지금 몇 시야?');
    expect(checkSpoken(ko.r, ko.dialogRequestId, 'ko')).toBe('지금은 오후 7시 5분이에요.');
  });

  it('answers the weather with a TodayWeather template', async () => {
    for (const [text, lang] of [['how is the weather today', 'en'], ['지금 날씨 어때?', 'ko']] as const) {
      const { r, dialogRequestId } = await ask(text);
      checkSpoken(r, dialogRequestId, lang);
      expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText', 'Clova.RenderTemplate']);
      const t = find(r, 'Clova.RenderTemplate').directive.payload;
      expect(t).toMatchObject({
        type: 'TodayWeather',
        meta: { version: { type: 'string' } },
        failureMessage: { type: 'string' },
        location: { type: 'string' },
        temperature: { type: 'temperature-c', value: '23' },
        condition: { type: 'string' },
      });
    }
  });

  it('sets an alarm at the requested hour or the next full hour', async () => {
    const en = await ask('set an alarm for 7 am');
    expect(checkSpoken(en.r, en.dialogRequestId, 'en')).toBe('OK, I set an alarm for 7:00 AM.');
    const set = find(en.r, 'Alerts.SetAlert').directive.payload;
    expect(set).toMatchObject({ type: 'ALARM', scheduledTime: new Date(2024, 2, 6, 7, 0, 0).toISOString().replace('.000Z', 'Z') });
    expect(set.scheduledTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(set.token).toMatch(/^[0-9a-f-]{36}$/);

    const ko = await ask('오후 9시에 알람 맞춰줘');
    expect(checkSpoken(ko.r, ko.dialogRequestId, 'ko')).toBe('오후 9시에 알람을 맞췄어요.');
    expect(find(ko.r, 'Alerts.SetAlert').directive.payload.scheduledTime).toBe(
      new Date(2024, 2, 5, 21, 0, 0).toISOString().replace('.000Z', 'Z'),
    );

    const next = await ask('set an alarm please');
    expect(checkSpoken(next.r, next.dialogRequestId, 'en')).toBe('OK, I set an alarm for 8:00 PM.');
  });

  it('turns the volume up or down without a Speak (spec 5.7, 5.9)', async () => {
    const cases = [
      ['turn up the volume', 'Increase'],
      ['volume down please', 'Decrease'],
      ['볼륨 올려줘', 'Increase'],
      ['소리 줄여줘', 'Decrease'],
    ] as const;
    for (const [text, name] of cases) {
      const { r, dialogRequestId } = await ask(text);
      expect(r.status).toBe(200);
      expect(shape(r.parts)).toEqual([`DeviceControl.${name}`]);
      expect(find(r, `DeviceControl.${name}`).directive.payload).toEqual({ target: 'volume' });
      expect(find(r, `DeviceControl.${name}`).directive.header.dialogRequestId).toBe(dialogRequestId);
    }
  });

  it('runs a two-turn pizza dialog with ExpectSpeech', async () => {
    const first = await ask('order a pizza');
    expect(checkSpoken(first.r, first.dialogRequestId, 'en')).toBe('What size would you like?');
    const expect1 = find(first.r, 'SpeechRecognizer.ExpectSpeech').directive.payload;
    expect(expect1).toMatchObject({ timeoutInMilliseconds: 7000, explicit: false });
    expect(expect1.expectSpeechId).toMatch(/^[0-9a-f-]{36}$/);
    const second = await ask('large', { speechId: expect1.expectSpeechId, explicit: false }, first.dialogRequestId);
    expect(checkSpoken(second.r, first.dialogRequestId, 'en')).toBe('Your large pizza is on its way.');
    expect(directives(second.r).some((d) => d.directive.header.name === 'ExpectSpeech')).toBe(false);

    const ko = await ask('피자 주문해줘');
    expect(checkSpoken(ko.r, ko.dialogRequestId, 'ko')).toBe('어떤 크기로 드릴까요?');
    const id = find(ko.r, 'SpeechRecognizer.ExpectSpeech').directive.payload.expectSpeechId;
    // A follow-up with another dialogRequestId is accepted (U-19: accept and log).
    const ko2 = await ask('라지', { speechId: id, explicit: false });
    expect(checkSpoken(ko2.r, ko2.dialogRequestId, 'ko')).toBe('라지 피자가 곧 도착해요.');
  });

  it('falls back for anything else', async () => {
    const en = await ask('sing me a song');
    expect(checkSpoken(en.r, en.dialogRequestId, 'en')).toBe('Sorry, I don\'t know how to help with "sing me a song" yet.');
    const ko = await ask('노래 불러줘');
    expect(checkSpoken(ko.r, ko.dialogRequestId, 'ko')).toBe('죄송해요. "노래 불러줘"에 대해서는 아직 도와드릴 수 없어요.');
    const unknownFollowUp = await ask('hello', { speechId: 'never-issued' });
    expect(checkSpoken(unknownFollowUp.r, unknownFollowUp.dialogRequestId, 'en')).toBe('Hello! Nice to meet you.');
  });

  it('needs payload.text and a dialogRequestId', async () => {
    expect((await sendEvent(session, buildEvent('TextRecognizer', 'Recognize', {}, { dialogRequestId: 'x' }))).status).toBe(400);
    expect((await sendEvent(session, buildEvent('TextRecognizer', 'Recognize', { text: 'hi' }))).status).toBe(400);
  });

  it('speaks SpeechSynthesizer.Request text back', async () => {
    const r = await sendEvent(session, buildEvent('SpeechSynthesizer', 'Request', { text: 'read this', lang: 'en' }));
    expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment']);
    checkMp3(r.parts[1]!, 'read this');
  });
});

describe('SpeechRecognizer.Recognize', () => {
  function recognizeEvent(payload: Record<string, unknown>, dialogRequestId = newId()) {
    return buildEvent('SpeechRecognizer', 'Recognize', { profile: 'CLOSE_TALK', format: 'AUDIO_L16_RATE_16000_CHANNELS_1', ...payload }, { dialogRequestId });
  }

  it('hears quiet audio as no speech, sends StopCapture on the downchannel and answers after the body ends', async () => {
    const before = downchannel.parts.length;
    const dialogRequestId = newId();
    const audio = Array.from({ length: 6 }, () => Buffer.alloc(6400, 1)); // 1.2 s at RMS 257, under the threshold
    const r = await sendEvent(session, recognizeEvent({ lang: 'en' }, dialogRequestId), { audio });
    expect(checkSpoken(r, dialogRequestId, 'en')).toBe('I heard no speech in 1.2 seconds of audio.');
    const parts = await downchannel.waitParts(before + 1);
    const stop = parts[before]!.json!;
    expect(stop.directive.header).toMatchObject({ namespace: 'SpeechRecognizer', name: 'StopCapture', dialogRequestId });
    expect(parts[before]!.headers.dispositionName).toMatch(/^stopCaptureDirective-/);
    const rec = emulator.record.events.at(-1)!;
    expect(rec.parts.filter((p) => p.name === 'audio').map((p) => p.bytes)).toEqual([6400, 6400, 6400, 6400, 6400, 6400]);
  });

  it('sends StopCapture after 10 s of audio while the client keeps streaming', async () => {
    const before = downchannel.parts.length;
    const dialogRequestId = newId();
    // A loud square wave: speech from start to end, so only the cap can end it.
    const loud = Buffer.alloc(330_000);
    for (let i = 0; i < loud.length; i += 2) loud.writeInt16LE((i >> 6) % 2 === 0 ? 4000 : -4000, i);
    const { body, contentType } = eventBody(recognizeEvent({ lang: 'ko' }, dialogRequestId), [loud]);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/v1/events',
      authorization: `Bearer ${TOKEN}`,
      'user-agent': UA,
      'content-type': contentType,
    });
    const chunks: Buffer[] = [];
    let status = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((r) => stream.on('end', r));
    stream.write(body.subarray(0, body.length - 100));
    const parts = await downchannel.waitParts(before + 1);
    expect(parts[before]!.json!.directive.header).toMatchObject({ name: 'StopCapture', dialogRequestId });
    expect(status).toBe(0); // no answer before the body ends
    stream.end(body.subarray(body.length - 100));
    await done;
    expect(status).toBe(200);
    expect(chunks.length).toBeGreaterThan(0);
    expect(Buffer.concat(chunks).toString('utf8')).toContain('I heard 10 seconds of speech, but speech recognition is turned off in this emulator.');
    expect(emulator.record.events.at(-1)!.audio).toMatchObject({ bytes: 330_000, endOfSpeech: 'cap', speech: { startByte: 0, endByte: 320_000 } });
    expect(downchannel.parts.length).toBe(before + 1); // only one StopCapture
  });

  it('rejects a bad lang or format with 400', async () => {
    for (const payload of [{ lang: 'fr' }, {}, { lang: 'en', format: 'AUDIO_MP3' }]) {
      const r = await sendEvent(session, recognizeEvent(payload), { audio: [Buffer.alloc(6400)] });
      expect(r.status).toBe(400);
      expect(r.parts[0]!.json!.directive.header.name).toBe('Exception');
    }
    const noFormat = buildEvent('SpeechRecognizer', 'Recognize', { lang: 'ja' }, { dialogRequestId: newId() });
    expect((await sendEvent(session, noFormat, { audio: [Buffer.alloc(3200)] })).status).toBe(200);
  });
});

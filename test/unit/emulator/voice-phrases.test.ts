// The phrases issue 11 added to the offline recogniser's grammar: each has its intent when typed,
// each is recognised exactly from espeak-ng speech, and a spoken timer comes back as a SetAlert.
import { describe, expect, it } from 'vitest';
import { ENGLISH_PHRASES, ENGLISH_REQUESTS, understand, type IntentName } from '../../../src/emulator/intents.js';
import { SpeechToText } from '../../../src/emulator/speech-to-text.js';
import { buildEvent } from '../../../src/protocol/messages.js';
import { newId } from '../../../src/protocol/ids.js';
import { openEvent, readyDownchannel, shape, useEmulator } from './h2-client.js';
import { canRecognise, espeak, pieces, silence } from './pcm.js';

const NEW_PHRASES: [string, IntentName][] = [
  ['set an alarm for seven thirty', 'alarm'],
  ['set a timer for five seconds', 'timer'],
  ['set a timer for thirty seconds', 'timer'],
  ['set a timer for one minute', 'timer'],
  ['set a timer for three minutes', 'timer'],
  ['cancel my alarm', 'cancel'],
  ['cancel my alarms', 'cancel'],
  ['cancel the timer', 'cancel'],
  ['stop', 'stop'],
  ['play some music', 'music'],
  ['play the radio', 'music'],
  ['add some music to the queue', 'queue'],
  ['clear the queue', 'clear'],
  ['pause', 'pause'],
  ['pause the music', 'pause'],
  ['resume', 'resume'],
  ['resume the music', 'resume'],
  ['next song', 'next'],
  ['previous song', 'previous'],
  ['what is playing', 'playing'],
  ['set the volume to three', 'volume'],
  ['set the volume to five', 'volume'],
  ['set the volume to eight', 'volume'],
  ['mute', 'mute'],
  ['turn the sound back on', 'unmute'],
];

const { start, session } = useEmulator();

describe('the phrases added for alerts, music and volume', () => {
  it('are in the grammar and have their intents when typed', () => {
    for (const [phrase, intent] of NEW_PHRASES) {
      expect(ENGLISH_REQUESTS, phrase).toContain(phrase);
      expect(understand(phrase, new Date()).intent, phrase).toBe(intent);
    }
  });

  it.skipIf(!canRecognise)('are each recognised exactly from espeak-ng speech (needs pocketsphinx, espeak-ng, sox)', async () => {
    const stt = new SpeechToText(ENGLISH_PHRASES);
    const misses: string[] = [];
    for (const [phrase] of NEW_PHRASES) {
      const heard = await stt.decode(Buffer.concat([silence(300), espeak(phrase), silence(300)]));
      if (heard !== phrase) misses.push(`${phrase} -> ${heard}`);
    }
    expect(misses).toEqual([]);
  }, 180_000);

  it.skipIf(!canRecognise)('set a timer by voice through SpeechRecognizer.Recognize', async () => {
    await start();
    const s = await session();
    await readyDownchannel(s);
    const dialogRequestId = newId();
    const req = openEvent(
      s,
      buildEvent(
        'SpeechRecognizer',
        'Recognize',
        { lang: 'en', profile: 'CLOSE_TALK', format: 'AUDIO_L16_RATE_16000_CHANNELS_1', initiator: { type: 'TAP' } },
        { dialogRequestId },
      ),
    );
    for (const p of pieces(Buffer.concat([silence(300), espeak('set a timer for five seconds'), silence(1200)]))) req.audio(p);
    req.end();
    const r = await req.response;
    expect(shape(r.parts)).toEqual(['SpeechSynthesizer.Speak', 'attachment', 'Clova.RenderText', 'Alerts.SetAlert']);
    expect(r.parts[3]!.json!.directive.payload).toMatchObject({ type: 'TIMER', assets: [{ url: 'clova://alert/bell/timer' }] });
  }, 60_000);
});

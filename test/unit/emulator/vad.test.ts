import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VAD, rms16, vadOptions, VoiceActivityDetector, type VadEvent } from '../../../src/emulator/vad.js';
import { silence, tone } from './pcm.js';

const ms = (n: number) => n * 32;

/** Feeds `audio` in the given chunk sizes (cycled) and returns all events. */
function feed(audio: Buffer, sizes: number[] = [audio.length], options = {}): { events: VadEvent[]; vad: VoiceActivityDetector } {
  const vad = new VoiceActivityDetector(options);
  const events: VadEvent[] = [];
  let i = 0;
  for (let at = 0; at < audio.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!);
    events.push(...vad.push(audio.subarray(at, at + size)));
    at += size;
  }
  return { events, vad };
}

describe('rms16', () => {
  it('measures 16-bit little-endian samples', () => {
    expect(rms16(silence(20))).toBe(0);
    expect(rms16(tone(20, 440, 8000))).toBeCloseTo(8000 / Math.SQRT2, -2);
    const square = Buffer.alloc(8);
    for (let i = 0; i < 4; i++) square.writeInt16LE(i % 2 ? -600 : 600, i * 2);
    expect(rms16(square)).toBe(600);
  });
});

describe('VoiceActivityDetector', () => {
  it('ends at the first 800 ms of silence after speech', () => {
    const audio = Buffer.concat([silence(500), tone(1500), silence(2000)]);
    const { events, vad } = feed(audio);
    expect(events).toEqual([
      { type: 'speech', startByte: ms(500), atByte: ms(800) },
      { type: 'end', reason: 'vad', atByte: ms(2800), speech: { startByte: ms(500), endByte: ms(2000) } },
    ]);
    expect(vad.bytes).toBe(audio.length); // audio after the end is counted, not judged
    expect(vad.ended?.reason).toBe('vad');
  });

  it('keeps listening through pauses shorter than 800 ms', () => {
    const audio = Buffer.concat([tone(400), silence(700), tone(400), silence(900)]);
    const { events } = feed(audio);
    expect(events.at(-1)).toEqual({ type: 'end', reason: 'vad', atByte: ms(2300), speech: { startByte: 0, endByte: ms(1500) } });
  });

  it('treats a click shorter than 300 ms as no speech, then gives up after the no-speech timeout', () => {
    const audio = Buffer.concat([silence(200), tone(200), silence(6000)]);
    const { events, vad } = feed(audio);
    expect(events).toEqual([{ type: 'end', reason: 'no-speech', atByte: ms(5000) }]);
    expect(vad.speechDetected).toBe(false);
  });

  it('defers the no-speech timeout while a sound is being judged', () => {
    const audio = Buffer.concat([silence(4900), tone(1000), silence(1000)]);
    const { events } = feed(audio);
    expect(events.map((e) => e.type)).toEqual(['speech', 'end']);
    expect(events.at(-1)).toMatchObject({ reason: 'vad', speech: { startByte: ms(4900), endByte: ms(5900) } });
  });

  it('caps the utterance at 10 s of audio, mid-frame too', () => {
    const { events } = feed(tone(12_000));
    expect(events.at(-1)).toEqual({ type: 'end', reason: 'cap', atByte: ms(10_000), speech: { startByte: 0, endByte: ms(10_000) } });
    const odd = feed(tone(1000), [1000], { maxAudioMs: 505 });
    expect(odd.events.at(-1)).toMatchObject({ type: 'end', reason: 'cap', atByte: ms(505) });
  });

  it('takes its numbers from the options', () => {
    const quiet = Buffer.concat([tone(500, 440, 400), silence(900)]); // RMS about 283
    const strict = feed(quiet);
    expect(strict.events).toEqual([]);
    expect(strict.vad.speechDetected).toBe(false);
    const loose = feed(quiet, undefined, { threshold: 200, silenceMs: 300, noSpeechMs: 1000 });
    expect(loose.events.at(-1)).toEqual({ type: 'end', reason: 'vad', atByte: ms(800), speech: { startByte: 0, endByte: ms(500) } });
    expect(() => vadOptions({ threshold: -1 })).toThrow(/vad.threshold/);
    expect(() => vadOptions({ frameMs: 0 })).toThrow(/frameMs/);
    expect(vadOptions()).toEqual(DEFAULT_VAD);
  });

  it('decides the same whatever the chunking, odd byte splits included', () => {
    const audio = Buffer.concat([silence(300), tone(700, 300, 3000), silence(500), tone(600, 600, 9000), silence(1000)]);
    const expected = feed(audio).events;
    expect(expected.at(-1)).toMatchObject({ reason: 'vad' });
    for (const sizes of [[1], [3], [6399, 1, 6400], [7, 6400, 13]]) expect(feed(audio, sizes).events).toEqual(expected);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(feed(audio, sizes).events).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('hears a click followed by silence as no speech however it is split', () => {
    const audio = Buffer.concat([tone(280), silence(5200)]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9999 }), { minLength: 1, maxLength: 8 }), (sizes) => {
        expect(feed(audio, sizes).events).toEqual([{ type: 'end', reason: 'no-speech', atByte: ms(5000) }]);
      }),
      { numRuns: 30 },
    );
  });
});

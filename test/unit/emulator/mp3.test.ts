import { describe, expect, it } from 'vitest';
import { mp3Frames, resizeMp3, speechMp3 } from '../../../src/emulator/mp3.js';
import { MAX_SPOKEN_CHARS, spokenText, synthesizeSpeech } from '../../../src/emulator/speech-synthesis.js';
import { rms } from '../../helpers/wav.js';
import { hasMpg123, mpg123Decode } from './h2-client.js';

/** Seconds of 16 kHz mono audio mpg123 decodes from an MP3 (16-bit samples). */
function decodedSeconds(mp3: Buffer): number {
  const d = mpg123Decode(mp3);
  expect(d.ok, d.stderr).toBe(true);
  return d.pcmBytes / 32000;
}

describe('speech MP3 (eSpeak NG)', () => {
  it('is MPEG-2 Layer III, 16 kHz mono, made of whole frames, and cached by voice and text', async () => {
    const a = await speechMp3('Hello! Nice to meet you.');
    expect(a[0]).toBe(0xff);
    expect(a[1]! & 0xe0).toBe(0xe0);
    expect((a[1]! >> 3) & 3).toBe(2); // MPEG-2
    expect((a[2]! >> 2) & 3).toBe(2); // 16,000 Hz
    expect(a[3]! >> 6).toBe(3); // mono
    const frames = mp3Frames(a);
    expect(frames.length).toBeGreaterThan(20);
    expect(frames.reduce((n, f) => n + f.length, 0)).toBe(a.length);
    expect(await speechMp3('Hello! Nice to meet you.')).toBe(a);
    const longer = await speechMp3('Today in Seoul it is sunny and 23 degrees. Sorry, I could not set the alarm.');
    expect(mp3Frames(longer).length).toBeGreaterThan(frames.length * 1.5);
  });

  it('speaks English and Korean in their own voices, for as long as the words take', async () => {
    const en = await synthesizeSpeech('Hello! Nice to meet you.', 'en', 16000);
    const ko = await synthesizeSpeech('안녕하세요. 만나서 반가워요.', 'ko', 16000);
    // Speech, not silence: at 175 words a minute these take 1 to 4 s, and they are loud.
    for (const pcm of [en, ko]) {
      expect(pcm.length / 16000).toBeGreaterThan(1);
      expect(pcm.length / 16000).toBeLessThan(4);
      expect(rms(pcm)).toBeGreaterThan(0.03);
    }
    // Hangul read by the English voice is not the Korean voice: eSpeak's en-us spells out the unknown script differently.
    const koByEn = await synthesizeSpeech('안녕하세요. 만나서 반가워요.', 'en', 16000);
    expect(Buffer.from(koByEn.buffer).equals(Buffer.from(ko.buffer))).toBe(false);
    if (hasMpg123) {
      const seconds = decodedSeconds(await speechMp3('안녕하세요. 만나서 반가워요.'));
      expect(seconds).toBeGreaterThan(ko.length / 16000);
      expect(seconds).toBeLessThan(ko.length / 16000 + 0.2);
    }
  });

  it('reads markup characters as text and speaks at most MAX_SPOKEN_CHARS', async () => {
    expect(spokenText(' a <b> & c ')).toBe('a &lt;b&gt; &amp; c');
    const long = 'word '.repeat(200);
    expect(spokenText(long).length).toBeLessThanOrEqual(MAX_SPOKEN_CHARS);
    expect(spokenText(long).endsWith('word')).toBe(true);
    const short = await synthesizeSpeech('I said <speak>hello</speak>', 'en', 16000);
    expect(short.length / 16000).toBeGreaterThan(1);
    const capped = await synthesizeSpeech(long, 'en', 16000);
    // 60 words at 175 a minute, not 200.
    expect(capped.length / 16000).toBeLessThan(40);
    expect(await speechMp3('')).toBeInstanceOf(Buffer);
    expect(mp3Frames(await speechMp3('')).length).toBeGreaterThan(0);
  });

  it('keeps at most 100 answers, least recently used out first', async () => {
    const first = await speechMp3('number zero');
    const kept = await speechMp3('number one');
    for (let i = 2; i <= 100; i++) {
      await speechMp3(`number ${i}`);
      if (i % 10 === 0) expect(await speechMp3('number one')).toBe(kept); // used again: stays
    }
    expect(await speechMp3('number one')).toBe(kept);
    const remade = await speechMp3('number zero');
    expect(remade).not.toBe(first); // made again (eSpeak NG's noise sources make it differ in detail)
    expect(mp3Frames(remade).length).toBeGreaterThan(mp3Frames(first).length - 3);
  }, 60_000);

  it('resizes by whole frames to at least the asked size', async () => {
    const base = await speechMp3('resize me');
    for (const size of [1, 500, base.length, 50_000]) {
      const r = resizeMp3(base, size);
      expect(r.length).toBeGreaterThanOrEqual(size);
      expect(r.length - size).toBeLessThan(200);
      expect(mp3Frames(r).reduce((n, f) => n + f.length, 0)).toBe(r.length);
      if (hasMpg123 && size > 1) expect(mpg123Decode(r).ok).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { mp3Frames, resizeMp3, speechMp3, speechSeconds } from '../../../src/emulator/mp3.js';
import { hasMpg123, mpg123Decode } from './h2-client.js';

describe('speech MP3', () => {
  it('is MPEG-2 Layer III, 16 kHz mono, made of whole frames, and cached by text', () => {
    const a = speechMp3('hello world');
    expect(a[0]).toBe(0xff);
    expect(a[1]! & 0xe0).toBe(0xe0);
    const frames = mp3Frames(a);
    expect(frames.length).toBeGreaterThan(5);
    expect(frames.reduce((n, f) => n + f.length, 0)).toBe(a.length);
    expect(speechMp3('hello world')).toBe(a);
    const longer = speechMp3('a much longer answer than the first one, with more words');
    expect(longer.length).toBeGreaterThan(a.length);
    expect(mp3Frames(longer).length).toBeGreaterThan(frames.length);
  });

  it('lasts 0.3 to 1.5 seconds depending on the text', () => {
    expect(speechSeconds('')).toBe(0.3);
    expect(speechSeconds('x'.repeat(50))).toBeCloseTo(0.8);
    expect(speechSeconds('x'.repeat(500))).toBe(1.5);
    if (hasMpg123) {
      for (const [text, seconds] of [['', 0.3], ['x'.repeat(50), 0.8], ['x'.repeat(500), 1.5]] as const) {
        const pcm = mpg123Decode(speechMp3(text)).pcmBytes;
        expect(pcm).toBeGreaterThanOrEqual(seconds * 32000);
        expect(pcm).toBeLessThan((seconds + 0.15) * 32000);
      }
    }
  });

  it('resizes by whole frames to at least the asked size', () => {
    const base = speechMp3('resize me');
    for (const size of [1, 500, base.length, 50_000]) {
      const r = resizeMp3(base, size);
      expect(r.length).toBeGreaterThanOrEqual(size);
      expect(r.length - size).toBeLessThan(200);
      expect(mp3Frames(r).reduce((n, f) => n + f.length, 0)).toBe(r.length);
      if (hasMpg123 && size > 1) expect(mpg123Decode(r).ok).toBe(true);
    }
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bellMp3, bellMs, bellPcm, type BellKind } from '../../../src/audio/bell.js';
import { estimateMp3Seconds } from '../../../src/audio/player.js';
import { mp3Frames } from '../../../src/emulator/mp3.js';

const hasMpg123 = spawnSync('mpg123', ['--version'], { stdio: 'ignore' }).status === 0;
const KINDS: BellKind[] = ['alarm', 'timer', 'reminder'];

describe('the device’s own alert bells (made in process)', () => {
  it('each kind is an MP3 of whole MPEG-2 Layer III frames, as long as its round, made once', () => {
    for (const kind of KINDS) {
      const mp3 = bellMp3(kind);
      const frames = mp3Frames(mp3);
      expect(frames.length, kind).toBeGreaterThan(20);
      expect(frames.reduce((n, f) => n + f.length, 0), kind).toBe(mp3.length);
      expect(bellMp3(kind)).toBe(mp3);
      const seconds = estimateMp3Seconds(mp3)!;
      expect(Math.abs(seconds * 1000 - bellMs(kind)), kind).toBeLessThan(150);
    }
    expect(new Set(KINDS.map((k) => bellMp3(k).length)).size).toBe(3);
  });

  it('sounds: loud enough, never clipped, silent at both ends (no click when looped)', () => {
    for (const kind of KINDS) {
      const pcm = bellPcm(kind);
      let peak = 0;
      for (const v of pcm) peak = Math.max(peak, Math.abs(v));
      expect(peak, kind).toBeGreaterThan(8000);
      expect(peak, kind).toBeLessThan(32767);
      expect(Math.abs(pcm[0]!), kind).toBeLessThan(200);
      expect(Math.abs(pcm[pcm.length - 1]!), kind).toBeLessThan(200);
    }
  });

  it.skipIf(!hasMpg123)('mpg123 decodes each one to about its length of audio', () => {
    for (const kind of KINDS) {
      const r = spawnSync('mpg123', ['-q', '-s', '-'], { input: bellMp3(kind), maxBuffer: 16 * 1024 * 1024 });
      expect(r.status, kind).toBe(0);
      const seconds = r.stdout.length / (22050 * 2);
      expect(Math.abs(seconds * 1000 - bellMs(kind)), kind).toBeLessThan(150);
    }
  });
});

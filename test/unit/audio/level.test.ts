import { describe, expect, it } from 'vitest';
import { DBFS_FLOOR, measureLevel, SilenceWatch } from '../../../src/audio/level.js';
import { renderLevelMeter, type MeterColors } from '../../../src/cli/output/level-meter.js';

function pcm(samples: number[]): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, i * 2));
  return b;
}

function sine(amplitude: number, n = 3200, hz = 440): Buffer {
  return pcm(Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 16000))));
}

/** 200 ms of L16 16 kHz mono silence. */
const silence200 = Buffer.alloc(6400);

describe('measureLevel', () => {
  it('a full-scale square wave is 0 dBFS and clipped', () => {
    const level = measureLevel(pcm(Array.from({ length: 1600 }, (_, i) => (i % 40 < 20 ? 32767 : -32768))));
    expect(level.dbfs).toBeCloseTo(0, 3);
    expect(level.rms).toBeCloseTo(1, 3);
    expect(level.peak).toBe(1);
    expect(level.clipped).toBe(true);
  });

  it('silence is the floor, not clipped', () => {
    expect(measureLevel(silence200)).toEqual({ rms: 0, peak: 0, dbfs: DBFS_FLOOR, clipped: false });
    expect(DBFS_FLOOR).toBe(-96);
    expect(measureLevel(Buffer.alloc(0)).dbfs).toBe(DBFS_FLOOR);
  });

  it('a sine with an RMS of -20 dBFS reads -20 dBFS (a full-scale sine reads -3)', () => {
    const level = measureLevel(sine(32768 * 0.1 * Math.SQRT2));
    expect(level.dbfs).toBeCloseTo(-20, 1);
    expect(level.peak).toBeCloseTo(0.1414, 3);
    expect(level.clipped).toBe(false);
    expect(measureLevel(sine(32767)).dbfs).toBeCloseTo(-3.01, 1);
  });

  it('ignores an odd trailing byte; one sample at the rail is a clip', () => {
    expect(measureLevel(Buffer.concat([pcm([100, -100]), Buffer.from([0x7f])])).peak).toBeCloseTo(100 / 32768, 6);
    expect(measureLevel(pcm([0, 0, 32767, 0])).clipped).toBe(true);
    expect(measureLevel(pcm([0, 0, 32766, -32767])).clipped).toBe(false);
  });
});

describe('SilenceWatch', () => {
  it('fires once, after 2 s of audio-time zeros', () => {
    const watch = new SilenceWatch();
    const fired = Array.from({ length: 15 }, () => watch.update(silence200));
    // The 10th 200 ms chunk completes 2 s.
    expect(fired.indexOf(true)).toBe(9);
    expect(fired.filter(Boolean)).toHaveLength(1);
  });

  it('counts audio time, not chunks: 4000-byte chunks (125 ms) fire on the 16th', () => {
    const watch = new SilenceWatch({ afterMs: 2000 });
    const fired = Array.from({ length: 20 }, () => watch.update(Buffer.alloc(4000)));
    expect(fired.indexOf(true)).toBe(15);
  });

  it('does not fire when a loud chunk intervenes; a new silent stretch can fire again', () => {
    const watch = new SilenceWatch();
    for (let i = 0; i < 9; i++) expect(watch.update(silence200)).toBe(false);
    expect(watch.update(sine(8000))).toBe(false);
    expect(watch.silenceMs).toBe(0);
    for (let i = 0; i < 9; i++) expect(watch.update(silence200)).toBe(false);
    expect(watch.update(silence200)).toBe(true);
  });

  it('quiet noise below the threshold counts as silence, above it does not', () => {
    const hiss = sine(10); // about -73 dBFS
    const watch = new SilenceWatch({ afterMs: 400, thresholdDbfs: -60 });
    expect(watch.update(hiss)).toBe(false);
    expect(watch.update(hiss)).toBe(true);
    const strict = new SilenceWatch({ afterMs: 400, thresholdDbfs: -80 });
    expect(strict.update(hiss) || strict.update(hiss) || strict.update(hiss)).toBe(false);
  });
});

describe('renderLevelMeter', () => {
  const level = (dbfs: number, clipped = false) => ({ rms: 10 ** (dbfs / 20), peak: 10 ** (dbfs / 20), dbfs, clipped });

  it('draws a bar of `width` cells, the dBFS figure and the seconds', () => {
    expect(renderLevelMeter(level(-30), { width: 12, seconds: 2.44 })).toBe('▕██████      ▏ -30 dBFS  2.4 s');
    expect(renderLevelMeter(level(-23), { width: 12 })).toBe('▕███████▍    ▏ -23 dBFS');
    expect(renderLevelMeter(level(DBFS_FLOOR))).toBe(`▕${' '.repeat(20)}▏ -96 dBFS`);
    expect(renderLevelMeter(level(-0.0001), { width: 4 })).toBe('▕████▏   0 dBFS');
  });

  it('keeps the same width whatever the level', () => {
    const widths = [-96, -60, -45.3, -23, -6, -1, 0].map((db) => [...renderLevelMeter(level(db), { width: 16 }).split('▏ ')[0]!].length);
    expect(new Set(widths).size).toBe(1);
  });

  it('marks clipping, and colours only when given colours', () => {
    expect(renderLevelMeter(level(0, true), { width: 4, seconds: 1 })).toBe('▕████▏   0 dBFS  1.0 s  CLIP');
    const tag = (name: string) => (s: string) => `<${name}>${s}</${name}>`;
    const colors: MeterColors = { green: tag('g'), yellow: tag('y'), red: tag('r') };
    expect(renderLevelMeter(level(-30), { width: 2, colors })).toBe('▕<g>█ </g>▏ -30 dBFS');
    expect(renderLevelMeter(level(-3), { width: 2, colors })).toBe('▕<y>█▉</y>▏  -3 dBFS');
    expect(renderLevelMeter(level(0, true), { width: 2, colors })).toBe('▕<r>██</r>▏   0 dBFS  <r>CLIP</r>');
  });
});

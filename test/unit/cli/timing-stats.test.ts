import { describe, expect, it } from 'vitest';
import type { TurnTiming } from '../../../src/client/timings.js';
import { percentile, stageStats, TimingCollector } from '../../../src/cli/timing-stats.js';
import { parseRepeat } from '../../../src/cli/repeat.js';
import { summaryLines, timingLines } from '../../../src/cli/output/timings.js';

describe('percentile (nearest rank)', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('is always one of the values: the smallest that at least p % are at or below', () => {
    expect(percentile(ten, 50)).toBe(5);
    expect(percentile(ten, 90)).toBe(9);
    expect(percentile(ten, 91)).toBe(10);
    expect(percentile(ten, 99)).toBe(10);
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile(ten, 10)).toBe(1);
    expect(percentile(ten, 0)).toBe(1);
  });

  it('of 100 values 1..100, p50 is 50, p90 is 90, p99 is 99', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 90, 99].map((p) => percentile(hundred, p))).toEqual([50, 90, 99]);
  });

  it('of five values (--repeat 5): the median, then the largest', () => {
    const five = [0.5, 1.25, 2, 7, 40];
    expect([50, 90, 99].map((p) => percentile(five, p))).toEqual([2, 40, 40]);
  });

  it('of one value is that value; of none, undefined', () => {
    expect(percentile([3.5], 50)).toBe(3.5);
    expect(percentile([3.5], 99)).toBe(3.5);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('of an even count, p50 is the lower middle value (no interpolation)', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('refuses a p outside 0..100', () => {
    expect(() => percentile(ten, 101)).toThrow(RangeError);
    expect(() => percentile(ten, -1)).toThrow(RangeError);
    expect(() => percentile(ten, NaN)).toThrow(RangeError);
  });
});

describe('stageStats', () => {
  it('sorts the values and gives count, percentiles, min, max and mean', () => {
    expect(stageStats([9, 1, 5, 3, 7])).toEqual({ count: 5, p50: 5, p90: 9, p99: 9, min: 1, max: 9, mean: 5 });
  });
});

describe('TimingCollector', () => {
  const turn = (headers: number, extra: Partial<TurnTiming> = {}): TurnTiming => ({
    event: 'TextRecognizer.Recognize',
    stages: { headersSent: 0.01, responseHeaders: headers, lastByte: headers + 1 },
    ...extra,
  });

  it('keeps each stage over the turns it happened in, the connection over the turns that told it', () => {
    const c = new TimingCollector();
    c.add(turn(10, { connection: { id: 1, stages: { tcp: 1, settings: 2, hello: 3 } } }));
    c.add(turn(30, { stopCaptureAfterLastAudioMs: 12 }));
    c.add(turn(20));
    const s = c.summary();
    expect(s.turns).toBe(3);
    expect(s.stages.responseHeaders).toMatchObject({ count: 3, p50: 20, p90: 30, min: 10, max: 30, mean: 20 });
    expect(s.stages.stopCaptureAfterLastAudio).toMatchObject({ count: 1, p50: 12 });
    expect(s.stages.firstAudio).toBeUndefined();
    expect(s.connection.tcp).toMatchObject({ count: 1, p50: 1 });
    expect(s.connection.tls).toBeUndefined();
  });

  it('the table for people: a header and one aligned row per stage that happened', () => {
    const c = new TimingCollector();
    for (const h of [10, 20, 30]) c.add(turn(h));
    const lines = summaryLines(c.summary());
    expect(lines[0]).toBe('timings of 3 turns (ms from the request; connection phases from connecting)');
    expect(lines[1]).toMatch(/^stage\s+count\s+p50\s+p90\s+p99\s+min\s+max$/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/)[0])).toEqual(['headers sent', 'response headers', 'last byte']);
    expect(lines[3]).toMatch(/^response headers\s+3\s+20\.00\s+30\.00\s+30\.00\s+10\.00\s+30\.00$/);
    expect(new Set(lines.slice(1).map((l) => l.length)).size).toBe(1);
  });
});

describe('timingLines', () => {
  it('tells the stages in the order they happened, StopCapture with its distance from the last audio part', () => {
    const [line] = timingLines({
      event: 'SpeechRecognizer.Recognize',
      connectionId: 2,
      streamId: 5,
      stages: { headersSent: 0.1, firstAudio: 0.5, lastAudio: 80, stopCapture: 900, bodyClosed: 81, lastByte: 950 },
      stopCaptureAfterLastAudioMs: 820,
    });
    expect(line).toBe(
      'timing: SpeechRecognizer.Recognize conn#2 stream 5 (ms from the request): headers sent 0.10 · first audio part 0.50 · ' +
        'last audio part 80.00 · body closed 81.00 · StopCapture 900.00 (820.00 after the last audio part) · last byte 950.00',
    );
  });
});

describe('parseRepeat', () => {
  it('takes a whole number from 1 to 100000', () => {
    expect(parseRepeat(undefined)).toBeUndefined();
    expect(parseRepeat('1')).toBe(1);
    expect(parseRepeat(' 25 ')).toBe(25);
    expect(parseRepeat('100000')).toBe(100000);
    for (const bad of ['0', '-3', '2.5', '1e3', '', 'ten', '100001']) expect(() => parseRepeat(bad), bad).toThrow(/--repeat must be/);
  });
});

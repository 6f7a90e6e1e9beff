import { describe, expect, it } from 'vitest';
import { PlaybackClock, ProgressReporter, type ProgressEventName } from '../../../../src/client/device/media-progress.js';
import type { ProgressSettings } from '../../../../src/client/device/media-stream.js';
import { FakeTimers } from '../../../helpers/fake-timers.js';

function setup(settings: ProgressSettings) {
  const timers = new FakeTimers();
  const clock = new PlaybackClock(timers);
  const sent: Array<[ProgressEventName, number, number]> = []; // name, offset, time sent
  const reporter = new ProgressReporter(settings, clock, timers, (name, offset) => sent.push([name, offset, timers.now()]));
  const play = (from: number) => {
    clock.start(from);
    reporter.resume();
  };
  const pause = () => {
    clock.stop();
    reporter.pause();
  };
  return { timers, clock, reporter, sent, play, pause };
}

describe('progress reports on the playback clock (spec 5.6)', () => {
  it('delay once, every interval, the position once, each with the position it was sent at', () => {
    const t = setup({ delayMs: 1000, intervalMs: 2000, positionMs: 3500 });
    t.play(0);
    t.timers.advance(7000);
    expect(t.sent).toEqual([
      ['ProgressReportDelayPassed', 1000, 1000],
      ['ProgressReportIntervalPassed', 2000, 2000],
      ['ProgressReportPositionPassed', 3500, 3500],
      ['ProgressReportIntervalPassed', 4000, 4000],
      ['ProgressReportIntervalPassed', 6000, 6000],
    ]);
  });

  it('paused time is not counted: the offsets are positions, not wall time', () => {
    const t = setup({ intervalMs: 1000, positionMs: 2500 });
    t.play(0);
    t.timers.advance(1500); // interval at 1000
    t.pause();
    expect(t.clock.position()).toBe(1500);
    t.timers.advance(60_000); // paused for a minute: nothing is sent
    expect(t.sent.map((s) => s[0])).toEqual(['ProgressReportIntervalPassed']);
    t.play(t.clock.position()); // resumed at 1500
    t.timers.advance(1500);
    expect(t.sent).toEqual([
      ['ProgressReportIntervalPassed', 1000, 1000],
      ['ProgressReportIntervalPassed', 2000, 62_000],
      ['ProgressReportPositionPassed', 2500, 62_500],
      ['ProgressReportIntervalPassed', 3000, 63_000],
    ]);
  });

  it('playback that begins beyond the report position sends it at once, with the report position; the delay is not sent', () => {
    const t = setup({ delayMs: 1000, positionMs: 5000 });
    t.play(8000);
    expect(t.sent).toEqual([['ProgressReportPositionPassed', 5000, 0]]);
    t.timers.advance(10_000);
    expect(t.sent).toHaveLength(1);
  });

  it('a seek back before the report position re-arms it', () => {
    const t = setup({ positionMs: 2000 });
    t.play(0);
    t.timers.advance(2500);
    expect(t.sent).toEqual([['ProgressReportPositionPassed', 2000, 2000]]);
    t.pause();
    t.play(500); // Replay-like seek back
    t.timers.advance(1600);
    expect(t.sent).toEqual([
      ['ProgressReportPositionPassed', 2000, 2000],
      ['ProgressReportPositionPassed', 2000, 4000],
    ]);
  });

  it('interval reports continue from the next multiple after a resume in the middle', () => {
    const t = setup({ intervalMs: 3000 });
    t.play(4000);
    t.timers.advance(5000);
    expect(t.sent).toEqual([
      ['ProgressReportIntervalPassed', 6000, 2000],
      ['ProgressReportIntervalPassed', 9000, 5000],
    ]);
  });

  it('new report values (a StreamDeliver) apply from then on', () => {
    const t = setup({ delayMs: 5000 });
    t.play(0);
    t.timers.advance(1000);
    t.reporter.update({ delayMs: 5000, intervalMs: 1000 });
    t.timers.advance(2000);
    expect(t.sent).toEqual([
      ['ProgressReportIntervalPassed', 2000, 2000],
      ['ProgressReportIntervalPassed', 3000, 3000],
    ]);
  });

  it('one timer at a time, none when nothing is asked for or after the last report', () => {
    const t = setup({});
    t.play(0);
    expect(t.timers.pending).toBe(0);
    const u = setup({ delayMs: 100, positionMs: 200 });
    u.play(0);
    expect(u.timers.pending).toBe(1);
    u.timers.advance(300);
    expect(u.timers.pending).toBe(0);
    u.pause();
    expect(u.timers.pending).toBe(0);
  });
});

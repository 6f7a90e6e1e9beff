import { describe, expect, it } from 'vitest';
import { isPlaylist, mergeStreamDeliver, streamInfo } from '../../../../src/client/device/media-stream.js';

describe('StreamDeliver merged into Play (spec 5.6 merge table)', () => {
  it('keeps a value only Play has, when StreamDeliver leaves it out or sends null', () => {
    const play = { url: 'clova:TR-1', urlPlayable: false, token: 't1', beginAtInMilliseconds: 0, customData: 'opaque-1', durationInMilliseconds: 30000 };
    const merged = mergeStreamDeliver(play, { url: 'https://cdn.example/1.mp3', urlPlayable: true, customData: null });
    expect(merged.customData).toBe('opaque-1'); // null in StreamDeliver: Play's value stays
    expect(merged.durationInMilliseconds).toBe(30000); // missing in StreamDeliver: Play's value stays
    expect(merged.token).toBe('t1');
  });

  it('adds a value only StreamDeliver has, when Play left it out or sent null', () => {
    const play = { url: 'clova:TR-1', urlPlayable: false, token: 't1', beginAtInMilliseconds: 0, format: null };
    const merged = mergeStreamDeliver(play, { url: 'https://cdn.example/1.mp3', urlPlayable: true, format: 'audio/aac', durationInMilliseconds: 12000 });
    expect(merged.format).toBe('audio/aac');
    expect(merged.durationInMilliseconds).toBe(12000);
  });

  it('takes StreamDeliver value when both have one', () => {
    const play = { url: 'clova:TR-1', urlPlayable: false, token: 't1', beginAtInMilliseconds: 0, customData: 'from-play' };
    const merged = mergeStreamDeliver(play, { url: 'https://cdn.example/1.mp3', urlPlayable: true, token: 't1b', beginAtInMilliseconds: 5000, customData: 'from-deliver' });
    expect(merged).toEqual({ url: 'https://cdn.example/1.mp3', urlPlayable: true, token: 't1b', beginAtInMilliseconds: 5000, customData: 'from-deliver' });
  });

  it('merges progressReport value by value, so new report values apply and the others stay', () => {
    const play = {
      url: 'clova:TR-1',
      urlPlayable: false,
      token: 't1',
      beginAtInMilliseconds: 0,
      progressReport: { progressReportDelayInMilliseconds: 1000, progressReportIntervalInMilliseconds: null, progressReportPositionInMilliseconds: 7000 },
    };
    const merged = mergeStreamDeliver(play, {
      url: 'https://cdn.example/1.mp3',
      urlPlayable: true,
      progressReport: { progressReportIntervalInMilliseconds: 2000, progressReportPositionInMilliseconds: 9000, progressReportDelayInMilliseconds: null },
    });
    expect(merged.progressReport).toEqual({
      progressReportDelayInMilliseconds: 1000,
      progressReportIntervalInMilliseconds: 2000,
      progressReportPositionInMilliseconds: 9000,
    });
    expect(streamInfo(merged)!.progress).toEqual({ delayMs: 1000, intervalMs: 2000, positionMs: 9000 });
    // Play's object is not changed: StreamRequested echoes it as received.
    expect(play.progressReport.progressReportIntervalInMilliseconds).toBeNull();
  });

  it('a progressReport only in StreamDeliver is added whole', () => {
    const merged = mergeStreamDeliver({ url: 'clova:x', urlPlayable: false, token: 't', beginAtInMilliseconds: 0 }, { progressReport: { progressReportDelayInMilliseconds: 500 } });
    expect(merged.progressReport).toEqual({ progressReportDelayInMilliseconds: 500 });
  });
});

describe('streamInfo', () => {
  it('reads what playback needs, with the spec defaults', () => {
    expect(streamInfo({ url: 'https://a/b.mp3', token: 'tk' })).toEqual({
      url: 'https://a/b.mp3',
      urlPlayable: true,
      token: 'tk',
      beginAtMs: 0,
      format: 'audio/mpeg',
      progress: {},
    });
    const info = streamInfo({
      url: 'https://a/b.aac',
      urlPlayable: false,
      token: 'tk',
      beginAtInMilliseconds: 1500,
      durationInMilliseconds: 20000,
      format: 'AUDIO/AAC',
      progressReport: { progressReportDelayInMilliseconds: 0, progressReportIntervalInMilliseconds: 0, progressReportPositionInMilliseconds: -3 },
    })!;
    expect(info).toMatchObject({ urlPlayable: false, beginAtMs: 1500, durationMs: 20000, format: 'audio/aac' });
    // A zero interval would report without end; a negative position is nonsense: neither is kept.
    expect(info.progress).toEqual({ delayMs: 0 });
  });

  it('is undefined without a url or a token', () => {
    expect(streamInfo({ token: 'tk' })).toBeUndefined();
    expect(streamInfo({ url: 'https://a/b.mp3' })).toBeUndefined();
  });

  it('tells HLS playlists by format or by URL', () => {
    expect(isPlaylist({ format: 'application/vnd.apple.mpegurl', url: 'https://a/x' })).toBe(true);
    expect(isPlaylist({ format: 'audio/mpegurl', url: 'https://a/x' })).toBe(true);
    expect(isPlaylist({ format: 'audio/mpeg', url: 'https://a/list.m3u8?sig=1' })).toBe(true);
    expect(isPlaylist({ format: 'audio/mpeg', url: 'https://a/song.mp3' })).toBe(false);
  });
});

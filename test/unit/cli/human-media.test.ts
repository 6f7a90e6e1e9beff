import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { HumanRenderer } from '../../../src/cli/output/human.js';
import { JsonRenderer } from '../../../src/cli/output/json.js';
import type { StatusInfo } from '../../../src/cli/output/renderer.js';

function human() {
  let out = '';
  const r = new HumanRenderer((s) => (out += s), () => undefined, new Chalk({ level: 0 }), undefined, { out: false, err: false });
  return { r, lines: () => out.split('\n').slice(0, -1) };
}

const status: StatusInfo = {
  connection: 'connected',
  server: 'http://127.0.0.1:1',
  reconnects: 0,
  volume: 4,
  muted: false,
  activity: 'playing',
  expecting: false,
  alerts: 0,
};

describe('music in the human output (chat)', () => {
  it('one line per change: what plays, by whom, where; server text made safe', () => {
    const h = human();
    const base = { token: 't1', title: 'Spring\u001b[2J Day', artist: 'BTS\nclova-cli: error: forged' };
    h.r.media({ phase: 'started', offsetInMilliseconds: 0, ...base });
    h.r.media({ phase: 'paused', offsetInMilliseconds: 75_400, ...base });
    h.r.media({ phase: 'resumed', offsetInMilliseconds: 75_400, ...base });
    h.r.media({ phase: 'stopped', offsetInMilliseconds: 80_000, reason: 'stopped with /stop', ...base });
    h.r.media({ phase: 'finished', offsetInMilliseconds: 1000, token: 'only-a-token' });
    expect(h.lines()).toEqual([
      '  ♪ playing "Spring Day" by BTS clova-cli: error: forged',
      '  ♪ paused "Spring Day" by BTS clova-cli: error: forged (1:15)',
      '  ♪ resumed "Spring Day" by BTS clova-cli: error: forged (1:15)',
      '  ♪ stopped "Spring Day" by BTS clova-cli: error: forged (1:20)',
      '  ♪ finished only-a-token',
    ]);
  });

  it('/status has a music row and a notices row', () => {
    const h = human();
    h.r.status({
      ...status,
      media: { playerActivity: 'PLAYING', token: 't', title: 'Song', artist: 'Band', offsetInMilliseconds: 12_300, totalInMilliseconds: 30_000, repeatMode: 'REPEAT_ONE', queued: 2 },
      notifications: { unread: true, light: true },
    });
    h.r.status({ ...status, media: { playerActivity: 'IDLE', repeatMode: 'NONE', queued: 0 }, notifications: { unread: false, light: false } });
    const rows = h.lines().filter((l) => /^  (music|notices)/.test(l));
    expect(rows).toEqual([
      '  music      playing "Song" by Band, 0:12 of 0:30 (repeat one; 2 queued)',
      '  notices    unread (light on)',
      '  music      none',
      '  notices    none',
    ]);
  });

  it('--json: a media line per change, the server strings exact', () => {
    let out = '';
    const r = new JsonRenderer((s) => (out += s), () => undefined);
    r.media({ phase: 'started', token: 't1', title: 'A\u001b', artist: 'B', offsetInMilliseconds: 0 });
    expect(JSON.parse(out)).toEqual({ type: 'media', phase: 'started', token: 't1', title: 'A\u001b', artist: 'B', offsetInMilliseconds: 0 });
  });
});

import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePlayback } from '../../../src/cli/playback.js';

let dir: string;
let savedPath: string | undefined;

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clova-playback-'));
  savedPath = process.env.PATH;
  process.env.FAKE_DIR = dir;
});
afterEach(() => {
  process.env.PATH = savedPath;
  delete process.env.FAKE_DIR;
});

describe('the CLI player as the device audio output', () => {
  it('plays at a gain (mpg123 -f) for speech and music alike, and says it takes one', async () => {
    const player = script('mpg123', 'echo "$@" > "$FAKE_DIR/args"; cat > "$FAKE_DIR/out"');
    const p = await resolvePlayback({ player }, 'always', () => undefined);
    expect(p.audio!.takesGain).toBe(true);
    await p.speech!.play(Buffer.from('speech'), new AbortController().signal, { gain: 0.5 });
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('-f 16384');
    await p.audio!.play(Readable.from([Buffer.from('music')]), { signal: new AbortController().signal, gain: 0.25, timeoutMs: 5000 });
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('-f 8192');
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('music');
    // Speech without a gain (a one-shot command) plays at the player's own level.
    await p.speech!.play(Buffer.from('speech'), new AbortController().signal);
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('');
  });

  it('a player that takes no gain is said so; AAC only when ffmpeg can convert it or the player decodes it', async () => {
    const other = script('myplayer', 'cat > /dev/null');
    process.env.PATH = dir; // no ffmpeg here
    const p = await resolvePlayback({ player: other }, 'always', () => undefined);
    expect(p.audio!.takesGain).toBe(false);
    expect(p.formats).toEqual([]);
    const ffplay = script('ffplay', 'cat > /dev/null');
    expect((await resolvePlayback({ player: ffplay }, 'always', () => undefined)).formats).toEqual(['audio/aac']);
  });

  it('AAC goes through ffmpeg to an MP3-only player', async () => {
    script('ffmpeg', 'echo "$@" > "$FAKE_DIR/ffmpeg-args"; exec cat');
    const player = script('mpg123', 'cat > "$FAKE_DIR/out"');
    process.env.PATH = `${dir}${delimiter}${savedPath ?? ''}`;
    const p = await resolvePlayback({ player }, 'always', () => undefined);
    expect(p.formats).toEqual(['audio/aac']);
    const aac = Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x01, 0x1f, 0xfc, 1, 2]);
    await p.audio!.play(Readable.from([aac]), { signal: new AbortController().signal, format: 'audio/aac', timeoutMs: 5000 });
    expect(readFileSync(join(dir, 'ffmpeg-args'), 'utf8').trim()).toBe('-hide_banner -loglevel error -f aac -i pipe:0 -f mp3 -b:a 128k pipe:1');
    expect(readFileSync(join(dir, 'out')).equals(aac)).toBe(true); // the fake ffmpeg passes the bytes through
  });
});

import { describe, expect, it } from 'vitest';
import { checkNode, silentPlayer } from '../../../src/cli/actions/doctor.js';

describe('doctor: the Node.js check', () => {
  it('passes 20.19 and newer, fails older with the fix and exit 2 (E_USAGE)', () => {
    for (const v of ['20.19.0', '20.20.2', '22.1.0']) expect(checkNode(v)).toMatchObject({ name: 'node', status: 'ok', required: true });
    for (const v of ['20.18.3', '18.20.0']) {
      const r = checkNode(v);
      expect(r).toMatchObject({ status: 'fail', required: true, fix: expect.stringContaining('install Node.js 20.19 or newer') });
      expect(r.error?.code).toBe('E_USAGE');
    }
  });
});

describe('doctor: the player sent to a null output', () => {
  it('mpg123: its output module and device replaced by -o dummy, the other arguments kept', () => {
    expect(silentPlayer(['mpg123', '-q', '-o', 'alsa', '-'])).toEqual({ argv: ['mpg123', '-o', 'dummy', '-q', '-'] });
    expect(silentPlayer(['/usr/bin/mpg123', '-q', '-oalsa', '-a', 'hw:1', '--output=pulse', '-'])).toEqual({ argv: ['/usr/bin/mpg123', '-o', 'dummy', '-q', '-'] });
  });

  it('play becomes sox writing to the null file; mpv gets --ao=null; ffplay the SDL dummy driver', () => {
    expect(silentPlayer(['play', '-q', '-t', 'mp3', '-'])).toEqual({ argv: ['sox', '-q', '-t', 'mp3', '-', '-n'] });
    expect(silentPlayer(['/opt/bin/play', '-q', '-t', 'mp3', '-'])?.argv[0]).toBe('/opt/bin/sox');
    expect(silentPlayer(['mpv', '--no-video', '-'])).toEqual({ argv: ['mpv', '--ao=null', '--no-video', '-'] });
    expect(silentPlayer(['ffplay', '-nodisp', '-autoexit', '-'])).toEqual({ argv: ['ffplay', '-nodisp', '-autoexit', '-'], env: { SDL_AUDIODRIVER: 'dummy' } });
  });

  it('an unknown player has no known null output', () => {
    expect(silentPlayer(['aplay', '-'])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { colorLevel } from '../../../src/cli/output/color.js';

const level = (env: Record<string, string>, stdoutIsTTY: boolean, flag?: boolean, detected = 2) => colorLevel({ flag, env, stdoutIsTTY, detected });

describe('colorLevel (issue 7: FORCE_COLOR, NO_COLOR, --no-color, a TTY)', () => {
  it('colours a terminal at the level chalk detected (at least basic), and not a pipe', () => {
    expect(level({}, true)).toBe(2);
    expect(level({}, true, undefined, 0)).toBe(1);
    expect(level({}, false)).toBe(0);
  });

  it('reads FORCE_COLOR as supports-color does, on a pipe and on a terminal', () => {
    expect(level({ FORCE_COLOR: '1' }, false)).toBe(1);
    expect(level({ FORCE_COLOR: '2' }, false)).toBe(2);
    expect(level({ FORCE_COLOR: '3' }, false)).toBe(3);
    expect(level({ FORCE_COLOR: '7' }, false)).toBe(3);
    expect(level({ FORCE_COLOR: '' }, false)).toBe(1);
    expect(level({ FORCE_COLOR: 'true' }, false)).toBe(1);
    expect(level({ FORCE_COLOR: 'yes' }, false)).toBe(1);
    expect(level({ FORCE_COLOR: '0' }, true)).toBe(0);
    expect(level({ FORCE_COLOR: 'false' }, true)).toBe(0);
  });

  it('NO_COLOR turns a terminal plain; an empty NO_COLOR does not', () => {
    expect(level({ NO_COLOR: '1' }, true)).toBe(0);
    expect(level({ NO_COLOR: '' }, true)).toBe(2);
  });

  it('--no-color beats FORCE_COLOR; FORCE_COLOR beats NO_COLOR (as in Node)', () => {
    expect(level({ FORCE_COLOR: '3' }, true, false)).toBe(0);
    expect(level({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(1);
  });
});

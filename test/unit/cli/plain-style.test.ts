import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { groupThousands } from '../../../src/cli/output/human.js';
import { plainStyle } from '../../../src/cli/output/plain-style.js';

describe('plainStyle: chalk at level 0 without loading chalk', () => {
  it('returns the text unchanged through any chain of styles, as new Chalk({ level: 0 }) does', () => {
    const chalk = new Chalk({ level: 0 });
    const text = 'CLOVA: \u001b[31m x';
    expect(plainStyle.dim(text)).toBe(chalk.dim(text));
    expect(plainStyle.bold.cyan(text)).toBe(chalk.bold.cyan(text));
    expect(plainStyle.red.bgYellow.underline(text)).toBe(chalk.red.bgYellow.underline(text));
    expect(plainStyle.green('a', 'b')).toBe(chalk.green('a', 'b'));
    expect(plainStyle.yellow('')).toBe('');
    expect(plainStyle.level).toBe(0);
  });

  it('is no thenable: an async function can return it', async () => {
    expect((plainStyle as unknown as { then?: unknown }).then).toBeUndefined();
    const returned = await (async () => plainStyle)();
    expect(returned.dim('x')).toBe('x');
  });
});

describe('groupThousands', () => {
  it('writes whole numbers as toLocaleString("en-US") does', () => {
    for (const n of [0, 7, 999, 1000, 2160, 12345, 999999, 1000000, 123456789, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER]) {
      expect(groupThousands(n), String(n)).toBe(n.toLocaleString('en-US'));
    }
  });
});

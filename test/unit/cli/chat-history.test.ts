import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORY_LINES, historyPath, loadHistory, saveHistory } from '../../../src/cli/chat/history.js';

/** A history path in a fresh temporary folder whose clova-cli folder does not exist yet. */
const fresh = () => join(mkdtempSync(join(tmpdir(), 'clova-history-')), 'state', 'clova-cli', 'history');

/** Runs `work` with the process's umask set to `mask`, then puts the old one back. */
function withUmask<T>(mask: number, work: () => T): T {
  const old = process.umask(mask);
  try {
    return work();
  } finally {
    process.umask(old);
  }
}

describe('historyPath', () => {
  it('is $XDG_STATE_HOME/clova-cli/history when XDG_STATE_HOME is absolute', () => {
    expect(historyPath({ XDG_STATE_HOME: '/x/state', HOME: '/h' })).toBe('/x/state/clova-cli/history');
  });

  it('is ~/.local/state/clova-cli/history without it, and when it is relative or empty (the XDG rule)', () => {
    expect(historyPath({ HOME: '/h' })).toBe('/h/.local/state/clova-cli/history');
    expect(historyPath({ XDG_STATE_HOME: 'relative/state', HOME: '/h' })).toBe('/h/.local/state/clova-cli/history');
    expect(historyPath({ XDG_STATE_HOME: './state', HOME: '/h' })).toBe('/h/.local/state/clova-cli/history');
    expect(historyPath({ XDG_STATE_HOME: '', HOME: '/h' })).toBe('/h/.local/state/clova-cli/history');
  });

  it("falls back to the user's home folder when HOME is unset or empty", () => {
    const home = os.homedir();
    expect(historyPath({})).toBe(join(home, '.local', 'state', 'clova-cli', 'history'));
    expect(historyPath({ HOME: '' })).toBe(join(home, '.local', 'state', 'clova-cli', 'history'));
  });
});

describe('loadHistory', () => {
  it('is empty when there is no file yet', () => {
    expect(loadHistory(fresh())).toEqual([]);
  });

  it('gives the lines newest first (readline order), blank lines left out', () => {
    const path = fresh();
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'first\n\nsecond\n/volume 3\nlast');
    expect(loadHistory(path)).toEqual(['last', '/volume 3', 'second', 'first']);
  });

  it(`keeps the newest ${HISTORY_LINES} lines of a longer file`, () => {
    const path = fresh();
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, Array.from({ length: 1500 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const lines = loadHistory(path);
    expect(lines).toHaveLength(HISTORY_LINES);
    expect(lines[0]).toBe('line 1499');
    expect(lines.at(-1)).toBe('line 500');
  });

  it('throws when the file cannot be read for another reason than its absence', () => {
    const path = fresh();
    mkdirSync(path, { recursive: true }); // a folder where the file should be
    expect(() => loadHistory(path)).toThrow(/a directory/);
  });
});

describe('saveHistory', () => {
  it('writes the lines oldest first, one a line, and loadHistory gives them back', () => {
    const path = fresh();
    const newestFirst = ['what time is it', '/volume 3', '안녕하세요', 'hello'];
    saveHistory(path, newestFirst);
    expect(readFileSync(path, 'utf8')).toBe('hello\n안녕하세요\n/volume 3\nwhat time is it\n');
    expect(loadHistory(path)).toEqual(newestFirst);
  });

  it(`keeps the newest ${HISTORY_LINES} lines`, () => {
    const path = fresh();
    const newestFirst = Array.from({ length: 1500 }, (_, i) => `line ${1499 - i}`);
    saveHistory(path, newestFirst);
    const stored = readFileSync(path, 'utf8').split('\n');
    expect(stored.pop()).toBe('');
    expect(stored).toHaveLength(HISTORY_LINES);
    expect(stored[0]).toBe('line 500');
    expect(stored.at(-1)).toBe('line 1499');
    expect(loadHistory(path)).toEqual(newestFirst.slice(0, HISTORY_LINES));
  });

  it('an empty history is an empty file; a line with a newline in it is left out', () => {
    const path = fresh();
    saveHistory(path, []);
    expect(readFileSync(path, 'utf8')).toBe('');
    saveHistory(path, ['b', 'two\nlines', 'a']);
    expect(loadHistory(path)).toEqual(['b', 'a']);
  });

  it('creates the folder 0700 and the file 0600, whatever the umask', () => {
    for (const mask of [0o000, 0o022, 0o077]) {
      const path = fresh();
      withUmask(mask, () => saveHistory(path, ['hello']));
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    }
  });

  it('a history file someone made readable is 0600 again after the next save', () => {
    const path = fresh();
    saveHistory(path, ['one']);
    chmodSync(path, 0o644);
    withUmask(0o000, () => saveHistory(path, ['two', 'one']));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('replaces the file atomically: a new file renamed over the old one, which a reader still sees whole; no temporary file stays', () => {
    const path = fresh();
    saveHistory(path, ['old line']);
    const before = statSync(path).ino;
    const reader = openSync(path, 'r');
    try {
      saveHistory(path, ['new line', 'old line']);
      // The old file was not rewritten in place: whoever had it open reads it as it was.
      const buf = Buffer.alloc(100);
      const n = readSync(reader, buf, 0, buf.length, 0);
      expect(buf.subarray(0, n).toString('utf8')).toBe('old line\n');
    } finally {
      closeSync(reader);
    }
    expect(statSync(path).ino).not.toBe(before);
    expect(readFileSync(path, 'utf8')).toBe('old line\nnew line\n');
    expect(readdirSync(join(path, '..'))).toEqual(['history']);
  });

  it('a save that fails leaves no temporary file behind', () => {
    const path = fresh();
    // A non-empty folder where the history should be: the rename over it fails.
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'keep'), 'x');
    expect(() => saveHistory(path, ['hello'])).toThrow();
    expect(readdirSync(join(path, '..'))).toEqual(['history']);
    expect(readFileSync(join(path, 'keep'), 'utf8')).toBe('x');
  });
});

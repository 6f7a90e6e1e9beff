import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecordLines } from '../../../src/emulator/record-lines.js';

describe('the replay reader is bounded (issue 17)', () => {
  it('refuses a line longer than the cap, without reading the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-bounds-'));
    const f = join(dir, 'long.jsonl');
    writeFileSync(f, 'a\n' + 'x'.repeat(5000) + '\nb\n');
    const got: string[] = [];
    await expect(async () => {
      for await (const l of readRecordLines(f, { maxLine: 1000, maxTotal: 1 << 20 })) got.push(l);
    }).rejects.toThrow(/line 2 is longer than 1000 bytes/);
    expect(got).toEqual(['a']);
  });
  it('refuses a file larger than the total cap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-bounds-'));
    const f = join(dir, 'big.jsonl');
    writeFileSync(f, 'abc\n'.repeat(1000));
    await expect(async () => {
      for await (const _ of readRecordLines(f, { maxLine: 100, maxTotal: 1000 })) void _;
    }).rejects.toThrow(/larger than 1000 bytes/);
  });
  it('/dev/zero ends with an error, not a crash', async () => {
    await expect(async () => {
      for await (const _ of readRecordLines('/dev/zero', { maxLine: 4096, maxTotal: 1 << 20 })) void _;
    }).rejects.toThrow(/line 1 is longer than 4096 bytes/);
  });
  it('splits lines, CRLF included, and keeps a last line without newline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-bounds-'));
    const f = join(dir, 'ok.jsonl');
    writeFileSync(f, 'a\r\nb\n\nc');
    const got: string[] = [];
    for await (const l of readRecordLines(f, { maxLine: 100, maxTotal: 1000 })) got.push(l);
    expect(got).toEqual(['a', 'b', '', 'c']);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hostileCic } from '../helpers/hostile-cic.js';

const TOKEN = 'tok-record-existing-9f8e7d';

function existing(): string {
  const f = join(mkdtempSync(join(tmpdir(), 'clova-record-existing-')), 'r.jsonl');
  writeFileSync(f, 'precious\n');
  return f;
}

describe('--record and a file that already exists (e2e)', () => {
  it('is refused with one line and exit 2, before any connection, and the file is kept', async () => {
    const server = await hostileCic({});
    const f = existing();
    const r = await runCli(['text', 'hello', '--server', server.url, '--record', f], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`clova-cli: error: --record ${f} already exists: add --force to overwrite it or --record-append to add to it`]);
    expect(server.authorizations).toEqual([]);
    expect(readFileSync(f, 'utf8')).toBe('precious\n');
  });

  it('--force overwrites it', async () => {
    const f = existing();
    const r = await runCli(['text', 'hello', '--emulator', '--record', f, '--force']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(f, 'utf8');
    expect(text).not.toContain('precious');
    expect(JSON.parse(text.split('\n')[0]!).type).toBe('clova-cli-record');
  });

  it('--record-append adds to it', async () => {
    const f = existing();
    const r = await runCli(['text', 'hello', '--emulator', '--record', f, '--record-append']);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(f, 'utf8').split('\n');
    expect(lines[0]).toBe('precious');
    expect(JSON.parse(lines[1]!).type).toBe('clova-cli-record');
  });

  it('--force with --record-append, or without --record, is a usage error', async () => {
    const f = existing();
    const both = await runCli(['text', 'hello', '--emulator', '--record', f, '--force', '--record-append']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--force and --record-append cannot be used together');
    const alone = await runCli(['text', 'hello', '--emulator', '--force']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--force needs --record <file>');
  });
});

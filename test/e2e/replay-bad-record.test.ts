import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const HEADER = JSON.stringify({ type: 'clova-cli-record', version: 1, startedAt: '2026-01-01T00:00:00Z', tool: 'clova-cli', audio: 'digest', attachments: 'inline' });
const at = { t: 1, conn: 1, stream: 1 };
const event = { event: { header: { namespace: 'TextRecognizer', name: 'Recognize', messageId: 'm', dialogRequestId: 'd' }, payload: { text: 'hi' } } };

function file(lines: unknown[]): string {
  const f = join(mkdtempSync(join(tmpdir(), 'clova-bad-record-')), 'r.jsonl');
  writeFileSync(f, [HEADER, ...lines.map((l) => JSON.stringify(l))].join('\n') + '\n');
  return f;
}

describe('emulator --replay with a bad record (e2e): one line, exit 2, no stack', () => {
  for (const [what, path, expected] of [
    ['a message that is not an object', () => file([{ ...at, type: 'request', kind: 'event', headers: {}, event }, { ...at, type: 'directive', source: 'event', message: 'x' }]), /line 3 \(directive\): "message"/],
    ['a status of 999', () => file([{ ...at, type: 'request', kind: 'event', headers: {}, event }, { ...at, type: 'response', source: 'event', status: 999, headers: {} }]), /line 3 \(response\): "status" must be an HTTP status/],
    ['/dev/zero', () => '/dev/zero', /is a character device, not a record file/],
  ] as const) {
    it(what, async () => {
      const r = await runCli(['emulator', '--replay', path()]);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^clova-cli: error: --replay: cannot replay/);
      expect(lines[0]).toMatch(expected);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

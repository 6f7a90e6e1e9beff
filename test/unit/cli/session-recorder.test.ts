import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionRecorder } from '../../../src/cli/session-recorder.js';
import { SecretRegistry } from '../../../src/protocol/redact.js';
import { parseRecordHeader, parseRecordLine } from '../../../src/protocol/session-record.js';

const TOKEN = 'tok-unit-4b7e19c2aa';
const ev = { connectionId: 1, streamId: 3, kind: 'event' as const };

function recorder(path: string, audio = false, failed: string[] = []) {
  const secrets = new SecretRegistry();
  secrets.add(TOKEN);
  return SessionRecorder.open(path, { audio, redact: (t) => secrets.redact(t), token: TOKEN, tool: 'clova-cli test', failed: (m) => failed.push(m) }, path === '/dev/full' ? 'overwrite' : 'new');
}

function lines(path: string): Record<string, any>[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

describe('SessionRecorder (--record)', () => {
  it('never writes the token: no authorization header, and an echo anywhere (a description, a directive, a header) is redacted', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rec-')), 'r.jsonl');
    const r = recorder(path);
    r.requestSent(ev, { ':method': 'POST', authorization: `Bearer ${TOKEN}`, 'user-agent': 'a/b/1.0 (x;y)' }, {
      event: { header: { namespace: 'TextRecognizer', name: 'Recognize', messageId: 'm1' }, payload: { text: `say ${TOKEN}` } },
      context: [],
    });
    r.requestEnded(ev);
    r.responseStarted(ev, 200, { ':status': '200', 'x-echo': `bearer ${TOKEN}` });
    r.jsonPart(ev, { directive: { header: { namespace: 'Clova', name: 'RenderText' }, payload: { text: `your token is ${TOKEN}` } } });
    r.responseEnded(ev, { description: `Authorization: Bearer ${TOKEN} refused` });
    r.close();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toMatch(/authorization"/i);
    const all = lines(path);
    expect(all[1]!.headers).toEqual({ ':method': 'POST', 'user-agent': 'a/b/1.0 (x;y)' });
    expect(all[1]!.event.event.payload.text).toBe('say [REDACTED]');
    expect(all[3]!.headers['x-echo']).toBe('bearer [REDACTED]');
    expect(all[4]!.message.directive.payload.text).toBe('your token is [REDACTED]');
    expect(all.at(-1)!.description).toBe('Authorization: Bearer [REDACTED] refused');
  });

  it('writes every line at once in a format its own parser reads; audio as a digest, or in full with --record-audio', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    for (const full of [false, true]) {
      const path = join(dir, `r-${full}.jsonl`);
      const r = recorder(path, full);
      r.requestSent(ev, { ':method': 'POST' });
      const parts = [Buffer.alloc(6400, 1), Buffer.alloc(100, 2)];
      for (const p of parts) r.audioSent(ev, p);
      // Written as it goes: the lines are in the file before the recorder is closed.
      expect(lines(path).filter((l) => l.type === 'audio')).toHaveLength(full ? 2 : 0);
      r.requestEnded(ev, 'end-of-input');
      r.attachmentBegin(ev, 'cid-1', 'application/octet-stream');
      r.attachmentData(ev, 'cid-1', Buffer.from('abc'));
      r.attachmentData(ev, 'cid-1', Buffer.from('def'));
      r.attachmentEnd(ev, 'cid-1');
      r.close();
      const all = lines(path);
      expect(parseRecordHeader(JSON.stringify(all[0]))).toMatchObject({ version: 1, audio: full ? 'full' : 'digest' });
      all.slice(1).forEach((l, i) => expect(parseRecordLine(JSON.stringify(l), i + 2)).toBeDefined());
      expect(all.find((l) => l.type === 'request-end')).toMatchObject({
        ended: 'end-of-input',
        audio: { parts: 2, bytes: 6500, sha256: createHash('sha256').update(Buffer.concat(parts)).digest('hex') },
      });
      const data = all.filter((l) => l.type === 'attachment-data').map((l) => Buffer.from(l.data, 'base64').toString());
      expect(data.join('')).toBe('abcdef');
      expect(all.find((l) => l.type === 'attachment-end')).toMatchObject({ contentId: 'cid-1', bytes: 6 });
    }
  });

  it('a write that fails stops the record and says so once; the conversation goes on', () => {
    const failed: string[] = [];
    const r = recorder('/dev/full', false, failed);
    r.requestSent(ev, {});
    r.requestEnded(ev);
    expect(failed).toEqual(['the record stopped: ENOSPC']);
  });

  it('an unwritable path is a usage error before anything connects', () => {
    expect(() => recorder('/nonexistent-dir/x/r.jsonl')).toThrow(/--record \/nonexistent-dir\/x\/r.jsonl cannot be written \(ENOENT\)/);
  });
});

describe('the record format (protocol/session-record.ts)', () => {
  it('refuses what is not a record, or a version it does not know; skips lines of an unknown type', () => {
    expect(() => parseRecordHeader('nope')).toThrow(/not JSON/);
    expect(() => parseRecordHeader('{"type":"other"}')).toThrow(/not a "clova-cli-record" header/);
    expect(() => parseRecordHeader('{"type":"clova-cli-record","version":2}')).toThrow(/version 2 is not supported/);
    expect(parseRecordLine('{"type":"future-kind","t":1}', 5)).toBeUndefined();
    expect(() => parseRecordLine('{"type":"response","t":1,"conn":1}', 7)).toThrow(/line 7 \(response\) lacks t, conn or stream/);
    expect(() => parseRecordLine('{"type":"response","t":1,"conn":1,"stream":3}', 8)).toThrow(/lacks "status"/);
    expect(() => parseRecordLine('[1]', 9)).toThrow(/line 9 has no "type"/);
  });
});

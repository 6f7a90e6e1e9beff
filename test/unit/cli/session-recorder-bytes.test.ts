import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionRecorder } from '../../../src/cli/session-recorder.js';
import { SecretRegistry } from '../../../src/protocol/redact.js';
import { redactBytesStream } from '../../../src/protocol/redact-bytes.js';

const TOKEN = 'tok-bytes-77aa00ff11';
const REFRESH = 'refresh-secret-0123456789';
const ev = { connectionId: 1, streamId: 3, kind: 'event' as const };

function recorder(path: string) {
  const secrets = new SecretRegistry();
  secrets.add(TOKEN);
  secrets.add(REFRESH);
  return SessionRecorder.open(path, { audio: true, redact: (t) => secrets.redact(t), token: TOKEN, tool: 't', failed: () => undefined, secretBytes: secrets.secretBytes() });
}

describe('--record redacts secrets inside attachment bytes (issue 17)', () => {
  it('a token echoed in an attachment, even split across chunks, is replaced by same-length filler', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rec-bytes-')), 'r.jsonl');
    const r = recorder(path);
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfb]), Buffer.from(`ID3 ${TOKEN} and ${REFRESH} `), Buffer.from([0, 1, 2])]);
    r.attachmentBegin(ev, 'c1', 'audio/mpeg');
    const cut = 10;
    r.attachmentData(ev, 'c1', bytes.subarray(0, cut));
    r.attachmentData(ev, 'c1', bytes.subarray(cut));
    r.attachmentEnd(ev, 'c1');
    r.audioSent(ev, Buffer.from(`pcm ${TOKEN}`));
    r.close();
    const all = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const data = Buffer.concat(all.filter((l) => l.type === 'attachment-data').map((l) => Buffer.from(l.data, 'base64')));
    expect(data.length).toBe(bytes.length);
    expect(data.includes(Buffer.from(TOKEN))).toBe(false);
    expect(data.includes(Buffer.from(REFRESH))).toBe(false);
    expect(data.toString('latin1')).toContain(`ID3 ${'*'.repeat(TOKEN.length)} and ${'*'.repeat(REFRESH.length)} `);
    expect(all.find((l) => l.type === 'attachment-end')!.bytes).toBe(bytes.length);
    const audio = Buffer.from(all.find((l) => l.type === 'audio')!.data, 'base64').toString();
    expect(audio).toBe(`pcm ${'*'.repeat(TOKEN.length)}`);
  });

  it('redactBytesStream holds back only what could start a secret', () => {
    const s = redactBytesStream([Buffer.from('secret')]);
    expect(s.push(Buffer.from('abcsec')).toString()).toBe('abc');
    expect(s.push(Buffer.from('retxy')).toString()).toBe('******xy');
    expect(s.end().toString()).toBe('');
    const t = redactBytesStream([Buffer.from('secret')]);
    expect(t.push(Buffer.from('xxsecr')).toString()).toBe('xx');
    expect(t.end().toString()).toBe('secr');
  });
});

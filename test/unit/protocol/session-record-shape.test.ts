import { describe, expect, it } from 'vitest';
import { parseRecordLine } from '../../../src/protocol/session-record.js';

const where = { t: 1, conn: 1, stream: 3 };
const line = (v: Record<string, unknown>) => JSON.stringify({ ...where, ...v });
const msg = { directive: { header: { namespace: 'Clova', name: 'RenderText', messageId: 'm' }, payload: {} } };

describe('parseRecordLine validates every field (issue 17)', () => {
  it('accepts well-formed lines', () => {
    expect(parseRecordLine(line({ type: 'directive', source: 'event', message: msg }), 2)).toBeDefined();
    expect(parseRecordLine(line({ type: 'response', source: 'event', status: 200, headers: {} }), 2)).toBeDefined();
  });
  for (const [what, v] of [
    ['a message that is not an object', { type: 'directive', source: 'event', message: 'x' }],
    ['a message without a directive header', { type: 'directive', source: 'event', message: { directive: 5 } }],
    ['a status of 999', { type: 'response', source: 'event', status: 999, headers: {} }],
    ['a status of 99', { type: 'response', source: 'event', status: 99, headers: {} }],
    ['a status that is a string', { type: 'response', source: 'event', status: '200', headers: {} }],
    ['headers that are not strings', { type: 'response', source: 'event', status: 200, headers: { a: 1 } }],
    ['a bad source', { type: 'directive', source: 'elsewhere', message: msg }],
    ['attachment data that is not base64', { type: 'attachment-data', contentId: 'c', data: '!!!' }],
    ['a negative byte count', { type: 'attachment-end', contentId: 'c', bytes: -1, sha256: 'a'.repeat(64) }],
    ['an event that is not an object', { type: 'request', kind: 'event', headers: {}, event: 3 }],
    ['a bad kind', { type: 'request', kind: 'x', headers: {} }],
    ['a time that is not finite', { type: 'request-end', t: 'x' }],
  ] as const) {
    it(`refuses ${what} with a line naming it`, () => {
      expect(() => parseRecordLine(line(v), 7)).toThrow(/^line 7/);
    });
  }
});

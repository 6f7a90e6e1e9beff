import { describe, expect, it } from 'vitest';
import { dropSecretLines } from '../../../src/cli/chat/history.js';
import { SecretRegistry } from '../../../src/protocol/redact.js';

describe('the chat history keeps no line holding a secret (issue 17)', () => {
  it('drops, in place, every line holding a registered secret', () => {
    const s = new SecretRegistry();
    s.add('tok-history-0099');
    const lines = ['newest', 'my token tok-history-0099', 'hello', 'tok-history-0099'];
    const same = dropSecretLines(lines, (l) => s.holds(l));
    expect(same).toBe(lines);
    expect(lines).toEqual(['newest', 'hello']);
  });
});

import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TOKEN } from '../helpers/emulator.js';
import { refusalPeer } from '../helpers/refusal-peers.js';

// When the client's own HTTP/2 stack refuses what a server sent, the error says so (exit 4: the
// server misbehaved), rather than blaming a dropped connection on the server.

function lastLine(stderr: string): string {
  return stderr.split('\n').filter((l) => l.length > 0).at(-1) ?? '';
}

describe('client-side HTTP/2 refusals', () => {
  it('a PING flood: says the client closed the connection for too many PINGs', async () => {
    const peer = await refusalPeer('ping-flood');
    const r = await runCli(['text', 'hello'], { env: { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: peer.url }, timeoutMs: 60_000 });
    expect(lastLine(r.stderr)).toMatch(/the client closed the connection: the server sent too many PINGs/);
    expect(r.code).toBe(4);
  });
});

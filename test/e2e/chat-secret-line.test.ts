import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hostileCic } from '../helpers/hostile-cic.js';

const TOKEN = 'tok-pasted-5544332211aa';

describe('a typed line holding the token is refused, never sent (issue 17, e2e)', () => {
  it('chat on a pipe: one line on stderr, the other lines go on, nothing with the token reaches the server', async () => {
    const server = await hostileCic({});
    const r = await runCli(['chat', '--server', server.url, '--no-play', '--json'], { env: { CLOVA_ACCESS_TOKEN: TOKEN }, input: `hello\nmy token is ${TOKEN}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
    expect(r.stdout).toContain('holds a secret of this run');
    const requests = r.stdout.split('\n').filter((l) => l.includes('"type":"request"'));
    expect(requests).toHaveLength(1);
    expect(requests[0]).toContain('"text":"hello"');
  });

  it('text with the token in its argument is refused: exit 2, one line, no connection', async () => {
    const server = await hostileCic({});
    const r = await runCli(['text', `tell ${TOKEN}`, '--server', server.url], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['clova-cli: error: the utterance holds a secret of this run (an access token, refresh token or client secret): it is not sent']);
    expect(server.authorizations).toEqual([]);
  });
});

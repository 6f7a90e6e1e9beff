import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { directive, hostileCic } from '../helpers/hostile-cic.js';

// Issue 17: C1 controls and DEL must be escaped in --json; bidi overrides and zero-width
// characters must not reach the terminal in human output.
const TOKEN = 'tok-invisible-1a2b3c4d';
const HOSTILE = 'A\u009b31mB\u007fC\u202eD\u2066E\u200bF\ufeffG\u061cH\u2060I';
const INVISIBLE = /[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u061c]/;

const script = {
  answer: (_auth: string, index: number) =>
    index > 0 ? undefined : { status: 200, parts: [directive('Clova', 'RenderText', { text: HOSTILE })] },
};

describe('invisible and control characters from the server (e2e, hostile peer)', () => {
  it('--json escapes C1 controls and DEL as \\u00XX and keeps the string exact', async () => {
    const server = await hostileCic(script);
    const r = await runCli(['text', 'hello', '--server', server.url, '--no-play', '--json'], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(/[\u007f-\u009f]/.test(r.stdout), 'raw C1/DEL on stdout').toBe(false);
    expect(r.stdout).toContain('A\\u009b31mB\\u007fC');
    const line = r.stdout.split('\n').find((l) => l.includes('RenderText'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!).directive.payload.text).toBe(HOSTILE);
  });

  it('human output strips bidi overrides and zero-width characters', async () => {
    const server = await hostileCic(script);
    const r = await runCli(['text', 'hello', '--server', server.url, '--no-play'], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(0);
    expect(INVISIBLE.test(r.stdout + r.stderr)).toBe(false);
    expect(r.stdout).toContain('CLOVA: ABCDEFGHI');
  });
});

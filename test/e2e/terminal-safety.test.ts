import { describe, expect, it } from 'vitest';
import { ndjson, runCli, type CliResult } from '../helpers/cli.js';
import { directive, hostileCic, type HostileScript } from '../helpers/hostile-cic.js';

// Server strings reach a terminal: they must not be able to set the window title, clear the
// screen, or draw a forged "clova-cli: error" line. --json keeps them exact (JSON escapes them).

/** Window title (OSC … BEL), clear screen (CSI 2J), CR and LF with forged error lines, C1 CSI, BS, DEL. */
const EVIL =
  'A\u001b]0;pwned-title\u0007B\u001b[2JC\rclova-cli: error: forged by the server\nclova-cli: error: forged again\u009b31mD\u0008\u007fE';
/** The same without BS and BEL (a plain-text error body with C0 controls below TAB is not shown at all). */
const EVIL_BODY = EVIL.replace('\u0008', '').replace('\u0007', '\u001b\\');
const TOKEN = 'tok-terminal-5e6f7a8b';

/** Any C0 control but \n, DEL, or a C1 control. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

function expectTerminalSafe(r: CliResult, what: string): void {
  for (const [name, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ] as const) {
    const bad = text.split('\n').filter((l) => CONTROL.test(l));
    expect(bad.map((l) => JSON.stringify(l)), `${what}: control characters on ${name}`).toEqual([]);
  }
  expect(r.stdout.split('\n').filter((l) => l.startsWith('clova-cli')), `${what}: stdout`).toEqual([]);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  const errorLines = lines.filter((l) => l.startsWith('clova-cli: error'));
  expect(errorLines, `${what}: one error line`).toHaveLength(1);
  expect(lines.at(-1), `${what}: the error line comes last`).toBe(errorLines[0]);
}

const everywhere: HostileScript = {
  pushes: () => [
    directive('Clova', 'RenderText', { text: `pushed ${EVIL}` }),
    directive('Notifier', 'Notify', { note: EVIL }),
    directive('Custom', `Name${EVIL}`, {}),
  ],
  // Only the request itself: the report events its DeviceControl causes get 204.
  answer: (_auth, index) => index > 0 ? undefined : ({
    status: 200,
    parts: [
      directive('SpeechRecognizer', 'ShowRecognizedText', { text: EVIL }),
      directive('Clova', 'RenderText', { text: EVIL }),
      directive('Clova', 'RenderTemplate', { type: 'Weather', title: { type: 'string', value: EVIL } }),
      directive('SpeechSynthesizer', 'Speak', { url: `https://example.invalid/${EVIL}` }),
      directive('DeviceControl', 'Increase', { target: EVIL }),
      directive('System', 'Exception', { code: '500', description: EVIL }),
    ],
  }),
};

describe('server text cannot drive the terminal (e2e, a hostile server)', () => {
  for (const flags of [[], ['--verbose']]) {
    it(`strips escapes and control characters from every field ${flags.join(' ') || '(human)'}`, async () => {
      const server = await hostileCic(everywhere);
      const r = await runCli(['text', 'hello', '--server', server.url, '--no-play', ...flags], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
      expect(r.code, r.stderr).toBe(4);
      expectTerminalSafe(r, flags.join(' ') || 'human');
      // The text itself is still shown: an answer keeps its lines, indented under it; one-line fields are joined.
      const answer = 'ABC\n       clova-cli: error: forged by the server\n       clova-cli: error: forged againDE';
      expect(r.stdout).toContain(`\nCLOVA: pushed ${answer} (downchannel)\n`);
      expect(r.stdout).toContain(`\nCLOVA: ${answer}\n`);
      expect(r.stdout).toContain('\n  heard: ABC clova-cli: error: forged by the server clova-cli: error: forged againDE\n');
      expect(r.stderr.trim().split('\n').at(-1)).toBe(
        'clova-cli: error: the server sent System.Exception 500: ABC clova-cli: error: forged by the server clova-cli: error: forged againDE',
      );
    });
  }

  it('keeps the exact strings in --json (stdout), and a clean stderr', async () => {
    const server = await hostileCic(everywhere);
    const r = await runCli(['text', 'hello', '--server', server.url, '--no-play', '--json'], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(4);
    const lines = ndjson(r.stdout);
    const texts = lines.filter((l) => l.type === 'directive' && l.directive.header.name === 'RenderText').map((l) => l.directive.payload.text);
    expect(texts).toEqual([`pushed ${EVIL}`, EVIL]);
    expect(lines.at(-1)).toEqual({ type: 'error', code: 'E_SERVER', exitCode: 4, message: `the server sent System.Exception 500: ${EVIL}` });
    expect(CONTROL.test(r.stderr)).toBe(false);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    // Issue 17: the NDJSON itself is terminal-safe: DEL and C1 (U+009B is a CSI) are \u escapes, not raw bytes.
    expect(CONTROL.test(r.stdout)).toBe(false);
    expect(r.stdout).toContain('\\u009b31m');
    expect(r.stdout).toContain('\\u007f');
  });

  const failures: Array<[string, HostileScript, number]> = [
    ['a 500 System.Exception', { answer: () => ({ status: 500, parts: [directive('System', 'Exception', { code: 500, description: EVIL })] }) }, 4],
    ['a plain-text 400 body', { answer: () => ({ status: 400, body: EVIL_BODY, contentType: 'text/plain' }) }, 4],
    [
      'a 403 on the downchannel',
      { downchannel: () => ({ status: 403, parts: [directive('System', 'Exception', { code: 403, description: EVIL })] }) },
      3,
    ],
  ];
  for (const [what, script, code] of failures) {
    it(`keeps the final error line one clean line with ${what}`, async () => {
      for (const flags of [[], ['--verbose']]) {
        const server = await hostileCic(script);
        const r = await runCli(['text', 'hello', '--server', server.url, '--no-play', ...flags], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
        expect(r.code, r.stderr).toBe(code);
        expectTerminalSafe(r, `${what} ${flags.join(' ')}`);
        expect(r.stderr).toContain('ABC clova-cli: error: forged by the server clova-cli: error: forged again');
      }
    });
  }

  it('removes bidirectional overrides and zero-width characters from human output; --json escapes them (issue 17)', async () => {
    const DISGUISED = 'pay \u202etxt.exe\u202c to \u2066evil\u2069 zero\u200bwidth\ufeff';
    const script: HostileScript = {
      answer: (_auth, index) => index > 0 ? undefined : { status: 200, parts: [directive('Clova', 'RenderText', { text: DISGUISED })] },
    };
    const server = await hostileCic(script);
    const human = await runCli(['text', 'hello', '--server', server.url, '--no-play'], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('CLOVA: pay txt.exe to evil zerowidth\n');
    expect(human.stdout + human.stderr).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/);
    const second = await hostileCic(script);
    const json = await runCli(['text', 'hello', '--server', second.url, '--no-play', '--json'], { env: { CLOVA_ACCESS_TOKEN: TOKEN } });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/);
    expect(json.stdout).toContain('\\u202e');
    const texts = ndjson(json.stdout).filter((l) => l.type === 'directive').map((l) => l.directive.payload.text);
    expect(texts).toEqual([DISGUISED]);
  });
});

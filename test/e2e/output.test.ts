import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { onTerminal, SCRIPT } from '../helpers/terminal.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { espeak } from '../helpers/wav.js';

// What a person reads (issue 7, section 2): colour, order, noise, local times.

const dir = mkdtempSync(join(tmpdir(), 'clova-output-'));
const script = SCRIPT;
const ESC = '\u001b[';

describe('colour: FORCE_COLOR, NO_COLOR, --no-color (e2e)', () => {
  it('piped stdout with FORCE_COLOR=1 is coloured; plain without it, with NO_COLOR alone, and with --no-color', async () => {
    const forced = await runCli(['text', 'hello', '--emulator'], { env: { FORCE_COLOR: '1' } });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`${ESC}1m${ESC}36mCLOVA:`);
    const plain = await runCli(['text', 'hello', '--emulator']);
    expect(plain.stdout).toContain('CLOVA:');
    expect(plain.stdout).not.toContain(ESC);
    const noColor = await runCli(['text', 'hello', '--emulator'], { env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain(ESC);
    const flag = await runCli(['text', 'hello', '--emulator', '--no-color'], { env: { FORCE_COLOR: '3' } });
    expect(flag.stdout).toContain('CLOVA:');
    expect(flag.stdout).not.toContain(ESC);
    // Documented precedence: FORCE_COLOR is set for one run, so it beats a standing NO_COLOR.
    const both = await runCli(['text', 'hello', '--emulator'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(both.stdout).toContain(`${ESC}36mCLOVA:`);
  });

  it('--json stays plain NDJSON whatever FORCE_COLOR says', async () => {
    const r = await runCli(['text', 'hello', '--emulator', '--json'], { env: { FORCE_COLOR: '3' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(ESC);
  });

  it.skipIf(!script)('on a terminal: coloured by default, plain with NO_COLOR or FORCE_COLOR=0', async () => {
    expect(await onTerminal(['text', 'hello', '--emulator', '--no-play'])).toContain(`${ESC}36mCLOVA:`);
    for (const env of [{ NO_COLOR: '1' }, { FORCE_COLOR: '0' }] as Array<Record<string, string>>) {
      const out = await onTerminal(['text', 'hello', '--emulator', '--no-play'], env);
      expect(out, JSON.stringify(env)).toContain('CLOVA:');
      expect(out, JSON.stringify(env)).not.toMatch(/\u001b\[\d+m/);
    }
  });
});

/** Index of the first line matching `re` (-1 when none). */
const lineOf = (text: string, re: RegExp) => text.split(/\r?\n/).findIndex((l) => re.test(l));

describe('lines in the order things happened (e2e)', () => {
  it('recognize: StopCapture (downchannel) is printed before the answer and the follow-up hint', async () => {
    const wav = join(dir, 'pizza.wav');
    await espeak('order a pizza', wav);
    const r = await runCli(['recognize', wav, '--emulator', '--no-play']);
    expect(r.code, r.stderr).toBe(0);
    const stop = lineOf(r.stdout, /SpeechRecognizer\.StopCapture/);
    expect(stop, r.stdout).toBeGreaterThanOrEqual(0);
    expect(stop, r.stdout).toBeLessThan(lineOf(r.stdout, /^CLOVA:/));
    expect(stop, r.stdout).toBeLessThan(lineOf(r.stdout, /SpeechSynthesizer\.Speak/));
    const hint = lineOf(r.stdout, /↪ to answer/);
    if (hint >= 0) expect(stop).toBeLessThan(hint);
  });

  it.skipIf(!script)('on a terminal too: the transcript, then StopCapture, then the answer', async () => {
    const wav = join(dir, 'pizza-tty.wav');
    await espeak('order a pizza', wav);
    const out = await onTerminal(['recognize', wav, '--emulator', '--no-play']);
    const stop = lineOf(out, /SpeechRecognizer\.StopCapture/);
    expect(stop, out).toBeGreaterThanOrEqual(0);
    expect(stop, out).toBeLessThan(lineOf(out, /CLOVA:/));
  });
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('no noise: ids, raw JSON and the save hint (e2e)', () => {
  it('two answers not played or saved: no ids, and the --save-audio hint once', async () => {
    const r = await runCli(['text', '-', '--emulator'], { input: 'hello\nwhat time is it\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(count(r.stdout, 'CLOVA:')).toBe(2);
    expect(r.stdout).toMatch(/♪ speech .*2?[\d,]+ bytes/);
    expect(r.stdout + r.stderr).not.toMatch(UUID);
    expect(count(r.stdout + r.stderr, '--save-audio')).toBe(1);
  });

  it('--verbose shows the ids', async () => {
    const r = await runCli(['text', 'hello', '--emulator', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`♪ speech ${UUID.source}`, 'i'));
  });

  it('no save hint when the speech was saved, nor when it was played', async () => {
    const saveDir = mkdtempSync(join(dir, 'saved-'));
    const saved = await runCli(['text', 'hello', '--emulator', '--save-audio', saveDir]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(readdirSync(saveDir).length).toBe(1);
    expect(saved.stdout).toContain('speech saved');
    expect(saved.stdout + saved.stderr).not.toContain('use --save-audio');

    const player = join(dir, 'player.sh');
    writeFileSync(player, '#!/bin/sh\ncat > /dev/null\n');
    chmodSync(player, 0o755);
    const played = await runCli(['text', '-', '--emulator', '--player', player], { input: 'hello\nwhat time is it\n' });
    expect(played.code, played.stderr).toBe(0);
    expect(count(played.stdout, 'playing speech')).toBe(2);
    expect(played.stdout + played.stderr).not.toContain('--save-audio');
    expect(played.stdout).not.toMatch(UUID);
  });

  it('a Notify push is told in words; its JSON only with --verbose', async () => {
    const emu = await emulator({ pushEverySeconds: 60 });
    const env = { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url };
    const r = await runCli(['text', 'hello'], { env });
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes('Notifier.Notify'));
    expect(line, r.stdout).toBeDefined();
    expect(line).toMatch(/notification/i);
    expect(line).not.toMatch(/[{}"]/);
    expect(line).not.toMatch(UUID);
    const v = await runCli(['text', 'hello', '--verbose'], { env });
    expect(v.stdout).toMatch(/Notifier\.Notify.*\{"assets"/);
  });
});

describe('times in the local time zone (e2e)', () => {
  it('the alarm is shown in TZ\'s local time; --json keeps the server\'s string', async () => {
    // The in-process emulator reads "7 am" in its own (the child's) zone, as CIC reads the user's.
    const seoul = await runCli(['text', 'set an alarm for seven am', '--emulator'], { env: { TZ: 'Asia/Seoul' } });
    expect(seoul.code, seoul.stderr).toBe(0);
    expect(seoul.stdout).toMatch(/Alerts\.SetAlert: alarm set for 07:00 \((Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}\)/);
    expect(seoul.stdout).not.toMatch(/T\d\d:\d\d:\d\dZ/);

    // A fixed instant shown in two zones: the server's 22:00 UTC is 07:00 next day in Seoul.
    const emu = await emulator({ now: () => new Date('2026-11-29T12:00:00Z') });
    const env = { CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url };
    const json = await runCli(['text', 'set an alarm for seven am', '--json'], { env: { ...env, TZ: 'Asia/Seoul' } });
    const alert = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.directive?.header?.name === 'SetAlert');
    const scheduled: string = alert.directive.payload.scheduledTime;
    expect(scheduled).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    const at = new Date(scheduled);
    const inZone = (timeZone: string) => {
      const f = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone, ...o }).format(at);
      return `${f({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })} (${f({ weekday: 'short', day: 'numeric', month: 'short' })})`;
    };
    for (const tz of ['Asia/Seoul', 'UTC']) {
      const r = await runCli(['text', 'set an alarm for seven am'], { env: { ...env, TZ: tz } });
      expect(r.stdout, tz).toContain(`alarm set for ${inZone(tz)}`);
    }
    expect(inZone('Asia/Seoul')).not.toBe(inZone('UTC'));
  });
});

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isValidUserAgent } from '../../src/protocol/user-agent.js';
import { baseEnv, CLI, ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';

const env = (url: string) => ({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url });

describe('clova-cli text (e2e against the emulator over real HTTP/2)', () => {
  it('prints the answer for people, on one connection, downchannel first', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'hello'], { env: env(emu.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CLOVA: .*(Hello|Hi)/i);
    expect(r.stdout).toContain('SpeechSynthesizer.Speak');
    expect(r.stdout).not.toMatch(/\u001b\[/); // no colour when stdout is not a terminal
    const rec = emu.record;
    expect(rec.connections).toHaveLength(1);
    expect(rec.downchannels).toHaveLength(1);
    expect(rec.events).toHaveLength(1);
    const dc = rec.requests.find((q) => q.path === '/v1/directives')!;
    const ev = rec.requests.find((q) => q.path === '/v1/events')!;
    expect(dc.at).toBeLessThanOrEqual(ev.at);
    expect(ev.connectionId).toBe(dc.connectionId);
    expect(rec.downchannels[0]!.helloAt!).toBeLessThanOrEqual(ev.at);
    for (const q of rec.requests) {
      expect(q.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(isValidUserAgent(String(q.headers['user-agent']))).toBe(true);
    }
    expect(String(ev.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=[0-9a-f]{32}$/);
    const e = rec.events[0]!;
    expect(e.message.event.header).toMatchObject({ namespace: 'TextRecognizer', name: 'Recognize' });
    expect(e.message.event.header.dialogRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.message.event.payload).toEqual({ text: 'hello' });
    expect(e.parts.map((p) => p.name)).toEqual(['metadata']);
    const ctx = e.message.context.map((c) => `${c.header.namespace}.${c.header.name}`);
    expect(ctx).toEqual(expect.arrayContaining(['Alerts.AlertsState', 'AudioPlayer.PlaybackState', 'Device.Audio', 'Device.Display', 'Speaker.VolumeState']));
  });

  it('words on the command line are one utterance, joined by single spaces, as echo does', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'what', 'is', 'the', 'weather', '--json'], { env: env(emu.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(emu.record.events.map((e) => e.message.event.payload.text)).toEqual(['what is the weather']);
    expect(ndjson(r.stdout).filter((l) => l.type === 'request')).toEqual([
      expect.objectContaining({ text: 'what is the weather', followUp: false }),
    ]);
    // The same with the embedded emulator, as a new user first types it.
    const offline = await runCli(['text', 'what', 'is', 'the', 'weather', '--emulator']);
    expect(offline.code).toBe(0);
    expect(offline.stdout.match(/^you: .*$/gm)).toEqual(['you: what is the weather']);
    expect(offline.stdout.match(/^CLOVA: /gm)).toHaveLength(1);
  });

  it('"-" followed by words is a usage error: nothing is read or connected', async () => {
    const emu = await emulator();
    const r = await runCli(['text', '-', 'more'], { env: env(emu.url), input: 'hello\n' });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^clova-cli: error: "-" reads the utterances from standard input and takes no words after it/),
    ]);
    expect(r.stdout).toBe('');
    expect(emu.record.connections).toEqual([]);
    // Elsewhere "-" is a word like any other.
    const math = await runCli(['text', '3', '-', '2', '--json'], { env: env(emu.url) });
    expect(math.code).toBe(0);
    expect(emu.record.events.map((e) => e.message.event.payload.text)).toEqual(['3 - 2']);
  });

  it('--json prints NDJSON only: every directive as received, with its dialogRequestId', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'what is the weather', '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    const dialog = emu.record.events[0]!.message.event.header.dialogRequestId;
    expect(lines[0]).toMatchObject({ type: 'request', text: 'what is the weather', dialogRequestId: dialog, followUp: false });
    const directives = lines.filter((l) => l.type === 'directive');
    expect(directives.map((d) => `${d.directive.header.namespace}.${d.directive.header.name}`)).toEqual(
      expect.arrayContaining(['SpeechSynthesizer.Speak', 'Clova.RenderText', 'Clova.RenderTemplate']),
    );
    for (const d of directives) {
      expect(Object.keys(d.directive).sort()).toEqual(['header', 'payload']);
      expect(d.directive.header.dialogRequestId).toBe(dialog);
      expect(d.source).toBe('event');
    }
    expect(lines.at(-1)).toMatchObject({ type: 'response', status: 200, dialogRequestId: dialog });
    expect(lines.filter((l) => l.type === 'audio')).toHaveLength(1);
  });

  it('--save-audio writes a 2 MB attachment byte-exact although it came in small frames', async () => {
    const emu = await emulator({ faults: ['attachment-size=2000000', 'slow-frames=997'] });
    const dir = join(mkdtempSync(join(tmpdir(), 'clova-e2e-')), 'speech');
    // 2,000 frames, each written after the last was flushed: slow on a loaded machine (seen: 30 s with
    // the whole suite on 2 cores), hence the generous limits; the speed itself is measured in the bench.
    const r = await runCli(['text', 'hello', '--json', '--save-audio', dir, '--timeout', '110000'], { env: env(emu.url), timeoutMs: 115000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const audio = ndjson(r.stdout).filter((l) => l.type === 'audio');
    expect(audio).toHaveLength(1);
    const saved = readFileSync(audio[0]!.path);
    expect(audio[0]!.path).toContain(audio[0]!.contentId);
    expect(saved.length).toBeGreaterThanOrEqual(2000000);
    expect(audio[0]!.bytes).toBe(saved.length);
    const sent = emu.record.attachments.find((a) => a.contentId === audio[0]!.contentId)!;
    expect(sent.bytes).toBe(saved.length);
    expect(createHash('sha256').update(saved).digest('hex')).toBe(sent.sha256);
    expect(readdirSync(dir)).toEqual([`speech-${audio[0]!.contentId}.mp3`]);
  }, 120_000);

  it('an answer that expects more says how to give it; --json stays pure NDJSON', async () => {
    const emu = await emulator();
    const r = await runCli(['text', 'order a pizza'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ExpectSpeech: CLOVA expects an answer, within 7 s/);
    expect(r.stdout).toContain("to answer, send the question and the answer in one run, one per line: printf 'order a pizza\\nlarge\\n' | clova-cli text -");
    const json = await runCli(['text', 'order a pizza', '--json'], { env: env(emu.url) });
    expect(() => ndjson(json.stdout)).not.toThrow();
    expect(json.stdout).not.toContain('to answer');
  });

  it('shows a directive pushed on the downchannel', async () => {
    const emu = await emulator({ pushEverySeconds: 30 });
    const r = await runCli(['text', 'hello', '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const push = ndjson(r.stdout).find((l) => l.type === 'directive' && l.source === 'downchannel');
    expect(push?.directive.header).toMatchObject({ namespace: 'Notifier', name: 'Notify' });
    const human = await runCli(['text', 'hello'], { env: env(emu.url) });
    expect(human.stdout).toMatch(/Notifier\.Notify.*\(downchannel\)/);
  });

  it('discards a late directive of an older dialog of this client', async () => {
    const emu = await emulator({ faults: ['stale-directive'] });
    const r = await runCli(['text', '-', '--json', '--verbose'], { env: env(emu.url), input: 'hello\nwhat time is it\n' });
    expect(r.code).toBe(0);
    const texts = ndjson(r.stdout)
      .filter((l) => l.type === 'directive' && l.directive.header.name === 'RenderText')
      .map((l) => l.directive.payload.text as string);
    expect(texts).toHaveLength(2);
    expect(texts.join('\n')).not.toContain('stale answer');
    expect(r.stderr).toMatch(/older dialog/);
    const [first, second] = emu.record.events.map((e) => e.message.event.header.dialogRequestId);
    expect(first).not.toBe(second);
  });

  it('skips an unknown directive and keeps the others', async () => {
    const emu = await emulator({ faults: ['unknown-directive'] });
    const r = await runCli(['text', 'hello', '--json', '--verbose'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const names = ndjson(r.stdout)
      .filter((l) => l.type === 'directive')
      .map((l) => `${l.directive.header.namespace}.${l.directive.header.name}`);
    expect(names).toEqual(['SpeechSynthesizer.Speak', 'Clova.RenderText']);
    expect(r.stderr).toMatch(/Unknown\.FutureDirective: unknown directive/);
  });

  it('keeps the order of 20 directives cut into tiny frames', async () => {
    const emu = await emulator({ faults: ['extra-directives=20', 'slow-frames=7'] });
    const r = await runCli(['text', 'hello', '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const extra = ndjson(r.stdout)
      .filter((l) => l.type === 'directive' && /^directive \d+$/.test(l.directive.payload.text ?? ''))
      .map((l) => l.directive.payload.text);
    expect(extra).toEqual(Array.from({ length: 20 }, (_, i) => `directive ${i + 1}`));
  });

  it('treats 204 as a normal, empty answer', async () => {
    const emu = await emulator({ faults: ['event-status=204'] });
    const r = await runCli(['text', 'hello', '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines.filter((l) => l.type === 'directive')).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ type: 'response', status: 204 });
    const human = await runCli(['text', 'hello'], { env: env(emu.url) });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('204');
  });

  it('follows a two-turn dialog: the follow-up carries the same dialogRequestId and the speechId', async () => {
    const emu = await emulator();
    const r = await runCli(['text', '-', '--json'], { env: env(emu.url), input: 'order a pizza\nlarge\n' });
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    const expect1 = lines.find((l) => l.type === 'directive' && l.directive.header.name === 'ExpectSpeech')!;
    const [first, second] = emu.record.events.map((e) => e.message.event);
    expect(second!.header.dialogRequestId).toBe(first!.header.dialogRequestId);
    expect(second!.payload).toMatchObject({ text: 'large', speechId: expect1.directive.payload.expectSpeechId, explicit: false });
    expect(lines.filter((l) => l.type === 'request').map((l) => l.followUp)).toEqual([false, true]);
    const last = lines.filter((l) => l.type === 'directive' && l.directive.header.name === 'RenderText').at(-1)!;
    expect(last.directive.payload.text).toMatch(/large/i);
  });

  it('reads utterances from stdin with "-"', async () => {
    const emu = await emulator();
    const r = await runCli(['text', '-', '--json'], { env: env(emu.url), input: 'hello\n\nwhat time is it\n' });
    expect(r.code).toBe(0);
    expect(emu.record.events.map((e) => e.message.event.payload.text)).toEqual(['hello', 'what time is it']);
  });

  it('with "-", sends each line as it arrives on one connection; no line at all is exit 0 without connecting', async () => {
    const { spawn } = await import('node:child_process');
    const emu = await emulator();
    const child = spawn(process.execPath, [CLI, 'text', '-', '--json'], {
      env: baseEnv({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stdin.write('hello\n');
    await emu.waitFor((r) => r.events.length === 1 && r.events[0]!.status === 200);
    expect(emu.record.events).toHaveLength(1); // the second line has not been typed yet
    child.stdin.end('what time is it\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(emu.record.events.map((e) => e.message.event.payload.text)).toEqual(['hello', 'what time is it']);
    expect(emu.record.connections).toHaveLength(1);
    expect(ndjson(stdout).filter((l) => l.type === 'response')).toHaveLength(2);

    // Nothing to send is not an error (`cat` of an empty file succeeds too): exit 0, silent, no connection.
    for (const input of ['\n  \n', '']) {
      const empty = await runCli(['text', '-'], { env: env(emu.url), input });
      expect(empty).toMatchObject({ code: 0, stdout: '', stderr: '' });
      const json = await runCli(['text', '-', '--json'], { env: env(emu.url), input });
      expect(json).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
    expect(emu.record.connections).toHaveLength(1);
  });

  it('answers Korean in Korean', async () => {
    const emu = await emulator();
    const r = await runCli(['text', '안녕', '--json'], { env: env(emu.url) });
    expect(r.code).toBe(0);
    const speak = ndjson(r.stdout).find((l) => l.type === 'directive' && l.directive.header.name === 'Speak')!;
    expect(speak.directive.payload.ttsLang).toBe('ko');
  });

  it('--emulator runs the embedded emulator with no token and no server', async () => {
    const r = await runCli(['text', 'hello', '--emulator']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CLOVA: /);
  });
});

describe('response quirks the client must accept (e2e)', () => {
  for (const fault of ['attachment-first', 'shuffle', 'content-id-brackets', 'quirky-content-type', 'form-data-response']) {
    it(`${fault}: answer shown and speech saved`, async () => {
      const emu = await emulator({ faults: [fault, 'slow-frames=5'] });
      const dir = mkdtempSync(join(tmpdir(), 'clova-quirk-'));
      const r = await runCli(['text', 'what is the weather', '--json', '--save-audio', dir], { env: env(emu.url) });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = ndjson(r.stdout);
      const names = lines.filter((l) => l.type === 'directive').map((l) => l.directive.header.name).sort();
      expect(names).toEqual(['RenderTemplate', 'RenderText', 'Speak']);
      const audio = lines.filter((l) => l.type === 'audio');
      expect(audio).toHaveLength(1);
      const sent = emu.record.attachments[0]!;
      expect(createHash('sha256').update(readFileSync(audio[0]!.path)).digest('hex')).toBe(sent.sha256);
    });
  }
});

describe('colour (e2e through a pseudo-terminal)', () => {
  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
  it.skipIf(!script)('colours on a terminal, never with NO_COLOR or when piped', async () => {
    const emu = await emulator();
    const cmd = `stty cols 100; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} text hello`;
    const { spawn } = await import('node:child_process');
    const run = (extra: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const child = spawn(script!, ['-qec', cmd, '/dev/null'], {
          env: baseEnv({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url, TERM: 'xterm', ...extra }),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.on('close', () => resolve(out));
        child.stdin.end();
      });
    const coloured = await run({});
    expect(coloured).toMatch(/\u001b\[1m.*Hello! Nice to meet you/);
    const plain = await run({ NO_COLOR: '1' });
    expect(plain).toContain('CLOVA: Hello! Nice to meet you.');
    expect(plain).not.toMatch(/\u001b\[(1|2|3\d)m/);
  });
});

describe('output pipe closed early (e2e)', () => {
  it('stops quietly when the reader goes away, like `| head -1`', async () => {
    const { spawn } = await import('node:child_process');
    const emu = await emulator({ faults: ['extra-directives=50', 'slow-frames=64'] });
    const child = spawn(process.execPath, [CLI, 'text', '-', '--json'], {
      env: baseEnv({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: emu.url }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end('hello\nwhat time is it\n');
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('text - typed at a terminal (e2e through a pseudo-terminal)', () => {
  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

  /** The CLI on a pseudo-terminal; what is typed goes through the terminal (Ctrl-D is end of input there). */
  async function onTerminal(args: string[], url: string) {
    const { spawn } = await import('node:child_process');
    const cmd = `stty cols 100; ${[process.execPath, CLI, ...args].map((a) => JSON.stringify(a)).join(' ')}`;
    const child = spawn(script!, ['-qec', cmd, '/dev/null'], {
      env: baseEnv({ CLOVA_ACCESS_TOKEN: TOKEN, CLOVA_CIC_URL: url, TERM: 'xterm', NO_COLOR: '1' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    const closed = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      }),
    );
    const until = async (predicate: (out: string) => boolean) => {
      while (!predicate(out)) await new Promise((r) => setTimeout(r, 20));
    };
    return { output: () => out, type: (s: string) => child.stdin.write(s), until, closed };
  }
  const prompts = (out: string) => out.split('› ').length - 1;

  it.skipIf(!script)('shows a prompt, redraws it after each answer, and Ctrl-D ends with exit 0', async () => {
    const emu = await emulator();
    const t = await onTerminal(['text', '-', '--no-play'], emu.url);
    await t.until((o) => o.includes('› '));
    expect(t.output()).toContain('type what to ask and press Enter, one utterance per line; Ctrl-D ends');
    expect(emu.record.connections).toEqual([]); // nothing typed yet: not connected
    t.type('hello\n');
    await t.until((o) => o.includes('CLOVA:') && prompts(o) === 2);
    expect(t.output().indexOf('CLOVA:')).toBeLessThan(t.output().lastIndexOf('› '));
    t.type('\u0004');
    expect(await t.closed).toBe(0);
    expect(t.output()).not.toMatch(/you: hello/); // the typed line is on the screen already
    expect(t.output()).not.toContain('error');
    expect(emu.record.events.map((e) => e.message.event.payload.text)).toEqual(['hello']);
  });

  it.skipIf(!script)('Ctrl-D with nothing typed: exit 0, no error, nothing connected', async () => {
    const emu = await emulator();
    const t = await onTerminal(['text', '-'], emu.url);
    await t.until((o) => o.includes('› '));
    t.type('\u0004');
    expect(await t.closed).toBe(0);
    expect(t.output()).not.toContain('error');
    expect(emu.record.connections).toEqual([]);
  });

  it.skipIf(!script)('--json draws no prompt (the output is for a program)', async () => {
    const emu = await emulator();
    const t = await onTerminal(['text', '-', '--json'], emu.url);
    t.type('hello\n');
    await t.until((o) => o.includes('"type":"response"'));
    t.type('\u0004');
    expect(await t.closed).toBe(0);
    expect(t.output()).not.toContain('›');
    expect(t.output()).not.toContain('Ctrl-D ends');
  });
});

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { startEmulatorCommand } from '../helpers/emulator-command.js';

const env = (url: string, token = TOKEN) => ({ CLOVA_ACCESS_TOKEN: token, CLOVA_CIC_URL: url });
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const INPUT = 'hello\nwhat time is it\nset a timer for 5 seconds\n';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** Starts `clova-cli emulator --replay <file>` as a separate process. */
async function replayServer(record: string) {
  const emu = startEmulatorCommand(['--replay', record]);
  stops.push(emu.stop);
  const { url } = await emu.ready;
  return { url, log: emu.log, stdout: emu.stdout, stop: emu.stop };
}

/** NDJSON lines with ids, save-audio folders and times made equal: what must match between a session and its replay. */
function normalise(stdout: string, dir: string, numbered = true): unknown[] {
  let text = stdout.split(dir).join('<dir>');
  // Numbered in order of appearance (an audio line names its Speak's messageId), unless lines may come in another order.
  const ids = new Map<string, string>();
  text = text.replace(UUID, (id) => {
    if (!ids.has(id)) ids.set(id, numbered ? `<id${ids.size}>` : '<id>');
    return ids.get(id)!;
  });
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = /(ms|Ms|At|time|Time)$/.test(k) && typeof x === 'number' ? '<time>' : strip(x);
    return out;
  };
  return ndjson(text).map(strip);
}

function files(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe('--record and emulator --replay (e2e: real CLI, real emulator processes, real HTTP/2)', () => {
  it('a text session recorded against the emulator and replayed gives the same NDJSON, byte-identical speech, and no token in the record', async () => {
    const work = tempDir('clova-record-');
    const record = join(work, 'session.jsonl');
    const saved1 = join(work, 'speech1');
    const saved2 = join(work, 'speech2');
    // One Notifier.Notify right after Hello: a downchannel push of no dialog.
    const emu = await emulator({ pushEverySeconds: 3600 });
    const first = await runCli(['text', '-', '--json', '--record', record, '--save-audio', saved1], { env: env(emu.url), input: INPUT });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    // The record: versioned, every kind of line, the token nowhere, no authorization header.
    const text = readFileSync(record, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(statSync(record).mode & 0o777).toBe(0o600);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines[0]).toMatchObject({ type: 'clova-cli-record', version: 1, audio: 'digest', attachments: 'inline' });
    for (const l of lines.filter((x) => x.type === 'request')) {
      expect(Object.keys(l.headers).map((k) => k.toLowerCase())).not.toContain('authorization');
      expect(l.headers['user-agent']).toMatch(/^clova-cli\//);
    }
    const events = lines.filter((l) => l.type === 'request' && l.kind === 'event');
    expect(events.map((l) => l.event.event.payload.text)).toEqual(['hello', 'what time is it', 'set a timer for 5 seconds']);
    const directives = lines.filter((l) => l.type === 'directive');
    expect(directives.filter((l) => l.source === 'downchannel').map((l) => l.message.directive.header.name)).toEqual(['Hello', 'Notify']);
    expect(directives.filter((l) => l.source === 'event').length).toBeGreaterThanOrEqual(7);
    for (const d of directives) expect(typeof d.stream).toBe('number');
    const digests = lines.filter((l) => l.type === 'attachment-end').map((l) => `${l.contentId} ${l.bytes} ${l.sha256}`);
    const savedDigests = [...files(saved1)].map(([f, b]) => `${f.slice('speech-'.length, -'.mp3'.length)} ${b.length} ${sha256(b)}`);
    expect(digests.sort()).toEqual(savedDigests.sort());
    const times = lines.slice(1).map((l) => l.t as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // The replay: a separate emulator process serving the record; the same input, another token.
    const replay = await replayServer(record);
    expect(replay.stdout()).toContain(`replaying ${record}`);
    const second = await runCli(['text', '-', '--json', '--save-audio', saved2], { env: env(replay.url, 'another-token-42'), input: INPUT });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);

    // Downchannel pushes of no dialog come at their time after Hello, so their place among the
    // lines of the turns may differ by a line: compared on their own, the rest line by line.
    const part = (out: string, downchannel: boolean) =>
      out
        .split('\n')
        .filter((l) => l.length > 0 && ((JSON.parse(l) as { source?: string }).source === 'downchannel') === downchannel)
        .join('\n');
    expect(normalise(part(second.stdout, false), saved2)).toEqual(normalise(part(first.stdout, false), saved1));
    const pushed = normalise(part(first.stdout, true), saved1);
    expect(normalise(part(second.stdout, true), saved2)).toEqual(pushed);
    expect(pushed).toEqual([expect.objectContaining({ type: 'directive', directive: expect.objectContaining({ header: expect.objectContaining({ name: 'Notify' }) }) })]);
    // Speech byte for byte, under the same names (the recorded Content-IDs).
    const speech1 = files(saved1);
    const speech2 = files(saved2);
    expect(speech1.size).toBe(3);
    expect([...speech2.keys()].sort()).toEqual([...speech1.keys()].sort());
    for (const [name, bytes] of speech1) expect(speech2.get(name)!.equals(bytes)).toBe(true);

    await replay.stop();
    expect(replay.log()).not.toContain('mismatch');
    expect(replay.log()).toContain('replay: pushed Notifier.Notify');
    expect(replay.log()).not.toContain('another-token-42');
  });

  it('a replay reports a mismatch: another utterance is logged, an event with no recorded answer gets a 400 System.Exception', async () => {
    const work = tempDir('clova-record-');
    const record = join(work, 'session.jsonl');
    const emu = await emulator();
    const first = await runCli(['text', '-', '--json', '--record', record], { env: env(emu.url), input: 'hello\nwhat time is it\n' });
    expect(first.code).toBe(0);
    const replay = await replayServer(record);
    const second = await runCli(['text', '-', '--json'], { env: env(replay.url), input: 'hello\nwhat is the weather\nthank you\n' });
    expect(second.code).toBe(4);
    const out = ndjson(second.stdout);
    expect(out.filter((l) => l.type === 'response').map((l) => l.status)).toEqual([200, 200]);
    expect(out.at(-1)).toMatchObject({ type: 'error', code: 'E_SERVER' });
    expect(second.stderr).toMatch(/status 400: Replay mismatch: TextRecognizer\.Recognize #3 has no recorded answer \(the record has 2/);
    await replay.stop();
    expect(replay.log()).toMatch(/replay mismatch: TextRecognizer\.Recognize #2 says "what is the weather" where the record says "what time is it"/);
    expect(replay.log()).toMatch(/replay mismatch: TextRecognizer\.Recognize #3 has no recorded answer/);
  });

  it('a voice turn replays: StopCapture on the downchannel before the answer, audio recorded as a digest or in full (--record-audio)', async () => {
    const work = tempDir('clova-record-');
    const wav = join(work, 'tone.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', wav, 'synth', '1.0', 'sine', '440', 'pad', '0', '1.5']);
    const pcm = readFileSync(wav).subarray(44);
    const record = join(work, 'voice.jsonl');
    const emu = await emulator();
    const first = await runCli(['recognize', wav, '--json', '--record', record, '--record-audio'], { env: env(emu.url) });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = readFileSync(record, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines[0]).toMatchObject({ audio: 'full' });
    const sent = Buffer.concat(lines.filter((l) => l.type === 'audio').map((l) => Buffer.from(l.data, 'base64')));
    expect(sent.equals(pcm)).toBe(true);
    const end = lines.find((l) => l.type === 'request-end' && l.audio)!;
    expect(end.audio).toMatchObject({ bytes: pcm.length, parts: Math.ceil(pcm.length / 6400) });
    expect(end.audio.sha256).toMatch(/^[0-9a-f]{64}$/);

    const replay = await replayServer(record);
    const second = await runCli(['recognize', wav, '--json'], { env: env(replay.url) });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const names = (out: string) =>
      ndjson(out)
        .filter((l) => l.type === 'directive')
        .map((l) => `${l.source} ${l.directive.header.namespace}.${l.directive.header.name}`);
    expect(names(second.stdout)).toEqual(names(first.stdout));
    expect(names(second.stdout)[0]).toBe('downchannel SpeechRecognizer.StopCapture');
    expect(normalise(second.stdout, work)).toEqual(normalise(first.stdout, work));
    await replay.stop();
    expect(replay.log()).not.toContain('mismatch');
  });

  it('refuses what it cannot do: --record-audio alone, an unwritable --record, a file that is no record', async () => {
    const work = tempDir('clova-record-');
    const alone = await runCli(['text', 'hello', '--emulator', '--record-audio']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--record-audio needs --record <file>');
    const unwritable = await runCli(['text', 'hello', '--emulator', '--record', join(work, 'no', 'such', 'dir', 'r.jsonl')]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain('cannot be written (ENOENT)');
    const notRecord = join(work, 'x.jsonl');
    execFileSync('sh', ['-c', `echo '{"hello":1}' > ${notRecord}`]);
    const emu = startEmulatorCommand(['--replay', notRecord]);
    emu.ready.catch(() => undefined); // it never gets ready: that is the point
    const code = await emu.exited;
    expect(code).toBe(2);
    expect(emu.log()).toContain('not a "clova-cli-record" header');
  });
});

describe('chat --record (e2e)', () => {
  it('a chat on a pipe, recorded and replayed, gives the same NDJSON: the report events are answered from the record too', async () => {
    const work = tempDir('clova-record-');
    const record = join(work, 'chat.jsonl');
    const emu = await emulator();
    const input = 'hello\nwhat time is it\n';
    const first = await runCli(['chat', '--json', '--record', record], { env: env(emu.url), input });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(readFileSync(record, 'utf8')).not.toContain(TOKEN);
    const replay = await replayServer(record);
    const second = await runCli(['chat', '--json'], { env: env(replay.url), input });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const server = (out: string, url: string) => out.split(url).join('<server>');
    const a = normalise(server(first.stdout, emu.url), work, false);
    const b = normalise(server(second.stdout, replay.url), work, false);
    expect(a.filter((l: any) => l.type === 'response')).toHaveLength(2);
    // The answer to the background Alerts.RequestSynchronizeAlert of the connection races the first
    // turn's, in the recorded session as in any: directives of no dialog are compared as a set.
    const background = (l: any) => l.type === 'directive' && l.directive.header.dialogRequestId === undefined;
    const sorted = (ls: unknown[]) => ls.map((l) => JSON.stringify(l)).sort();
    expect(b.filter((l) => !background(l))).toEqual(a.filter((l) => !background(l)));
    expect(sorted(b.filter(background))).toEqual(sorted(a.filter(background)));
    expect(a.filter(background)).toHaveLength(1);
    await replay.stop();
    expect(replay.log()).toContain('Alerts.RequestSynchronizeAlert');
    expect(replay.log()).not.toContain('mismatch');
    expect(replay.log()).not.toContain('were not sent');
  });
});

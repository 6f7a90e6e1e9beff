import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGLISH_FOLLOW_UPS, ENGLISH_PHRASES, ENGLISH_REQUESTS, followUp, understand } from '../../../src/emulator/intents.js';
import { DecodeAbortedError, jsgfGrammar, SpeechToText, withNoiseFloor } from '../../../src/emulator/speech-to-text.js';
import { canRecognise, espeak, silence, tone } from './pcm.js';

const DICT = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';

describe('jsgfGrammar', () => {
  it('lists the phrases as alternatives of one public rule', () => {
    expect(jsgfGrammar(['hello', 'What is  the weather', 'hello'])).toBe(
      '#JSGF V1.0;\ngrammar emulator;\npublic <utterance> = hello | what is the weather;\n',
    );
  });

  it('adds every leading run of words for interim decodes', () => {
    expect(jsgfGrammar(['order a pizza', 'order a drink'], true)).toBe(
      '#JSGF V1.0;\ngrammar emulator;\npublic <utterance> = order | order a | order a pizza | order a drink;\n',
    );
  });
});

describe('withNoiseFloor', () => {
  it('adds the same faint noise every time, whole samples only', () => {
    const pcm = Buffer.concat([silence(100), tone(100)]);
    const a = withNoiseFloor(Buffer.concat([pcm, Buffer.from([7])]));
    expect(a.length).toBe(pcm.length);
    expect(withNoiseFloor(pcm)).toEqual(a);
    let worst = 0;
    let nonZero = 0;
    for (let i = 0; i < pcm.length; i += 2) {
      const d = a.readInt16LE(i) - pcm.readInt16LE(i);
      worst = Math.max(worst, Math.abs(d));
      if (i < 3200 && d !== 0) nonZero++;
    }
    expect(worst).toBeLessThanOrEqual(16);
    expect(nonZero).toBeGreaterThan(1000); // the silence is no longer digital silence
    const loud = Buffer.alloc(4);
    loud.writeInt16LE(32767, 0);
    loud.writeInt16LE(-32768, 2);
    const clipped = withNoiseFloor(loud, 1000);
    expect(Math.abs(clipped.readInt16LE(0))).toBeLessThanOrEqual(32767);
    expect(clipped.readInt16LE(2)).toBeGreaterThanOrEqual(-32768);
  });
});

describe('SpeechToText', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'clova-stt-test-'));
  const hmm = path.join(dir, 'model');
  mkdirSync(hmm);
  writeFileSync(path.join(hmm, 'mdef'), '');
  writeFileSync(path.join(dir, 'dict'), '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function script(name: string, body: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it('says why it cannot run', async () => {
    expect(await new SpeechToText(['hello'], { binary: 'clova-no-such-decoder' }).unavailable()).toBe(
      'clova-no-such-decoder is not on PATH',
    );
    const binary = script('ok', 'exit 0');
    expect(await new SpeechToText(['hello'], { binary, hmm: path.join(dir, 'nowhere') }).unavailable()).toMatch(/^no acoustic model in /);
    expect(await new SpeechToText(['hello'], { binary, hmm, dict: path.join(dir, 'nodict') }).unavailable()).toMatch(/^no dictionary /);
    const stt = new SpeechToText(['hello'], { binary, hmm, dict: path.join(dir, 'dict') });
    expect(await stt.unavailable()).toBeUndefined();
    await expect(new SpeechToText(['hello'], { binary: 'clova-no-such-decoder' }).decode(silence(100))).rejects.toThrow(/not on PATH/);
  });

  it('runs the decoder on a temp copy of the audio and the grammar, joins its lines and cleans up', async () => {
    const log = path.join(dir, 'args.txt');
    const binary = script('echo', `echo "$@" > ${log}\nprintf 'what time\\n\\nis it\\n'`);
    const stt = new SpeechToText(['what time is it'], { binary, hmm, dict: path.join(dir, 'dict') });
    expect(await stt.decode(tone(200))).toBe('what time is it');
    const args = readFileSync(log, 'utf8').trim().split(' ');
    expect(args).toEqual([
      '-infile',
      expect.stringMatching(/clova-emulator-asr-\w+\/audio\.raw$/),
      '-hmm',
      hmm,
      '-dict',
      path.join(dir, 'dict'),
      '-jsgf',
      expect.stringMatching(/phrases\.gram$/),
      '-logfn',
      '/dev/null',
    ]);
    expect(existsSync(path.dirname(args[1]!))).toBe(false);
    await stt.decode(tone(200), { partial: true });
    expect(readFileSync(log, 'utf8')).toMatch(/prefixes\.gram/);
  });

  it('reports failures, kills a decoder that hangs, and can be cancelled', async () => {
    const opts = { hmm, dict: path.join(dir, 'dict') };
    const failing = new SpeechToText(['hello'], { ...opts, binary: script('fail', 'echo "bad model" >&2\nexit 4') });
    await expect(failing.decode(tone(100))).rejects.toThrow('pocketsphinx exited with 4: bad model');
    const hanging = script('hang', 'exec sleep 30');
    const slow = new SpeechToText(['hello'], { ...opts, binary: hanging, timeoutMs: 200 });
    const t0 = Date.now();
    await expect(slow.decode(tone(100))).rejects.toThrow('pocketsphinx took more than 200 ms');
    expect(Date.now() - t0).toBeLessThan(5000);
    const abort = new AbortController();
    const cancelled = new SpeechToText(['hello'], { ...opts, binary: hanging }).decode(tone(100), { signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await expect(cancelled).rejects.toBeInstanceOf(DecodeAbortedError);
  });
});

describe('the phrases the recogniser can hear', () => {
  it('are lowercase words, and every request has a real intent', () => {
    for (const p of ENGLISH_PHRASES) expect(p).toMatch(/^[a-z]+( [a-z]+)*$/);
    const now = new Date(2024, 2, 5, 19, 5, 0);
    for (const p of ENGLISH_REQUESTS) expect(understand(p, now).intent, p).not.toBe('fallback');
    expect(understand('set an alarm for seven am', now).text).toBe('OK, I set an alarm for 7:00 AM.');
    expect(understand('set an alarm for six pm', now).text).toBe('OK, I set an alarm for 6:00 PM.');
    for (const p of ENGLISH_FOLLOW_UPS) expect(followUp('pizza', p)).toBe(`Your ${p} pizza is on its way.`);
  });

  it.skipIf(!existsSync(DICT))('are all in the pronunciation dictionary (pocketsphinx refuses a grammar otherwise)', () => {
    const known = new Set(readFileSync(DICT, 'utf8').split('\n').map((l) => l.split(' ')[0]));
    const words = new Set(ENGLISH_PHRASES.flatMap((p) => p.split(' ')));
    expect([...words].filter((w) => !known.has(w))).toEqual([]);
  });

  it.skipIf(!canRecognise)('are recognised from espeak-ng speech by pocketsphinx (needs pocketsphinx, espeak-ng, sox)', async () => {
    const stt = new SpeechToText(ENGLISH_PHRASES);
    const misses: string[] = [];
    for (const phrase of ENGLISH_PHRASES) {
      // As VoiceCapture hands it over: the utterance with 300 ms of silence each side.
      const heard = await stt.decode(Buffer.concat([silence(300), espeak(phrase), silence(300)]));
      if (heard !== phrase) misses.push(`${phrase} -> ${heard}`);
    }
    // 52 of 52 on Debian 12's espeak-ng and pocketsphinx; allow a little drift in other versions.
    expect(misses.length, misses.join('; ')).toBeLessThanOrEqual(2);
  }, 180_000);
});

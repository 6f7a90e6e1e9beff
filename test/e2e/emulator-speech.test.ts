import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpeechToText } from '../../src/emulator/speech-to-text.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { l16, rms } from '../helpers/wav.js';

/**
 * The emulator's English answers (what RenderText shows) and the words a listener hears in them:
 * the JSGF grammar pocketsphinx decodes against. Each is a real answer of the intent engine
 * (intents.ts, intents-alerts.ts); the test checks RenderText for the ones it asks.
 */
const ANSWERS: readonly { answer: string; words: string }[] = [
  { answer: 'Hello! Nice to meet you.', words: 'hello nice to meet you' },
  { answer: 'What size would you like?', words: 'what size would you like' },
  { answer: 'Today in Seoul it is sunny and 23 degrees.', words: 'today in seoul it is sunny and twenty three degrees' },
  { answer: 'OK, a timer for 5 seconds, starting now.', words: 'ok a timer for five seconds starting now' },
  { answer: 'Your large pizza is on its way.', words: 'your large pizza is on its way' },
  { answer: 'Your small pizza is on its way.', words: 'your small pizza is on its way' },
  { answer: 'The alarm has been set.', words: 'the alarm has been set' },
  { answer: 'Sorry, I could not set the alarm.', words: 'sorry i could not set the alarm' },
  { answer: 'I heard no audio.', words: 'i heard no audio' },
];

const recogniser = new SpeechToText(ANSWERS.map((a) => a.words));
const hears = (await recogniser.unavailable()) === undefined;
const hasMpg123 = spawnSync('mpg123', ['--version'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'clova-emulator-speech-'));

/** The spoken answer the CLI saved for `question` (`text --emulator --save-audio`), with what RenderText said. */
async function spokenAnswer(question: string): Promise<{ mp3: Buffer; shown: string; lang: string }> {
  const r = await runCli(['text', question, '--emulator', '--json', '--no-play', '--save-audio', dir], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  const lines = ndjson(r.stdout);
  const audio = lines.find((l) => l.type === 'audio');
  const speak = lines.find((l) => l.type === 'directive' && l.directive.header.name === 'Speak');
  const render = lines.find((l) => l.type === 'directive' && l.directive.header.name === 'RenderText');
  expect(audio?.path).toBeTypeOf('string');
  return { mp3: readFileSync(audio!.path as string), shown: render!.directive.payload.text as string, lang: speak!.directive.payload.ttsLang as string };
}

/** mpg123 to 16 kHz mono 16-bit PCM (`-r 16000 -m`, as a client would give a recogniser). */
function decodeTo16k(mp3: Buffer): Buffer {
  const r = spawnSync('mpg123', ['-q', '-s', '-r', '16000', '-m', '-'], { input: mp3, maxBuffer: 64 * 1024 * 1024 });
  expect(r.status, r.stderr?.toString()).toBe(0);
  return r.stdout;
}

describe('the emulator speaks its answers (eSpeak NG)', () => {
  it.skipIf(!hears || !hasMpg123).each([
    ['hello', 'Hello! Nice to meet you.'],
    ['order a pizza', 'What size would you like?'],
    ['what is the weather', 'Today in Seoul it is sunny and 23 degrees.'],
    ['set a timer for five seconds', 'OK, a timer for 5 seconds, starting now.'],
  ])('"%s" is answered aloud: pocketsphinx hears "%s" in the MP3', async (question, answer) => {
    const { mp3, shown, lang } = await spokenAnswer(question);
    expect(shown).toBe(answer);
    expect(lang).toBe('en');
    const pcm = decodeTo16k(mp3);
    const heard = await recogniser.decode(pcm);
    expect(heard).toBe(ANSWERS.find((a) => a.answer === answer)!.words);
  }, 90_000);

  it.skipIf(!hasMpg123)('a Korean answer is spoken in the Korean voice, as long as its words take', async () => {
    const { mp3, shown, lang } = await spokenAnswer('안녕');
    expect(shown).toBe('안녕하세요. 만나서 반가워요.');
    expect(lang).toBe('ko');
    const pcm = l16(decodeTo16k(mp3));
    // Two short sentences: 2 to 4 s of speech, loud, with its pauses (not a tone: the level varies).
    expect(pcm.length / 16000).toBeGreaterThan(2);
    expect(pcm.length / 16000).toBeLessThan(4);
    expect(rms(pcm)).toBeGreaterThan(0.03);
    const windows = Array.from({ length: Math.floor(pcm.length / 1600) }, (_, i) => rms(pcm, i * 1600, (i + 1) * 1600));
    expect(windows.filter((w) => w < 0.005).length).toBeGreaterThan(0);
    expect(windows.filter((w) => w > 0.05).length).toBeGreaterThan(windows.length / 3);
  }, 60_000);
});

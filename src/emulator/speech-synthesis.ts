// eSpeak NG (GPL-3.0) compiled to WebAssembly by @echogarden/espeak-ng-emscripten: its voices and
// dictionaries come in the package (espeak-ng.data, 24 MB), so speaking needs no program and no
// download. One instance per process, loaded on the first answer that speaks (about 0.2 s and
// 90 MB of memory), never at start-up: a command that speaks nothing does not pay for it.
import type { ESpeakNGWorker } from '@echogarden/espeak-ng-emscripten';
import type { Lang } from './language.js';

/** The rate of the PCM eSpeak NG makes. */
const ESPEAK_RATE = 22050;
/** Speex quality of the conversion to the emulator's MP3 rate (as the client's last stage, pcm-convert.ts). */
const RESAMPLE_QUALITY = 7;
/** Words per minute: eSpeak NG's default, which pocketsphinx follows. */
const WORDS_PER_MINUTE = 175;
/** At most this many characters are spoken (the emulator repeats typed text back in its fallback answer). */
export const MAX_SPOKEN_CHARS = 300;

/** The eSpeak NG voice of each language the emulator answers in. */
export const VOICES: Readonly<Record<Lang, string>> = { en: 'en-us', ko: 'ko' };

let engine: Promise<ESpeakNGWorker> | undefined;

function loadEngine(): Promise<ESpeakNGWorker> {
  const loading = import('@echogarden/espeak-ng-emscripten')
    .then(async ({ default: factory }) => {
      // In `--emulator` mode stdout is the client's output: emscripten's prints must not reach it.
      const m = await factory({ print: () => undefined, printErr: () => undefined });
      const worker = new m.eSpeakNGWorker();
      worker.set_rate(WORDS_PER_MINUTE);
      return worker;
    });
  // A failed load is not kept: the next answer tries again.
  loading.catch(() => {
    if (engine === loading) engine = undefined;
  });
  return loading;
}

/** The text as eSpeak NG reads it: at most MAX_SPOKEN_CHARS, cut at a word, markup characters escaped (it parses SSML). */
export function spokenText(text: string): string {
  let t = text.trim();
  if ([...t].length > MAX_SPOKEN_CHARS) {
    t = [...t].slice(0, MAX_SPOKEN_CHARS).join('');
    const space = t.lastIndexOf(' ');
    if (space > MAX_SPOKEN_CHARS / 2) t = t.slice(0, space);
  }
  return t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `text` spoken by eSpeak NG in the voice of `lang`, as 16-bit mono PCM at `sampleRate` (converted
 * from eSpeak's 22,050 Hz by the Speex resampler). The synthesis itself runs synchronously: about
 * 10 ms per second of speech once the voice is loaded, 100-200 ms for a voice's first sentence.
 */
export async function synthesizeSpeech(text: string, lang: Lang, sampleRate: number): Promise<Int16Array> {
  engine ??= loadEngine();
  const worker = await engine;
  const blocks: Int16Array[] = [];
  worker.set_voice(VOICES[lang]);
  worker.synthesize(spokenText(text), (samples) => {
    if (samples.length > 0) blocks.push(samples);
  });
  const total = blocks.reduce((n, b) => n + b.length, 0);
  // 50 ms of silence after the speech pushes its end through the resampler's filter.
  const input = new Float32Array(total + Math.round(ESPEAK_RATE * 0.05));
  let at = 0;
  for (const b of blocks) {
    input.set(b, at);
    at += b.length;
  }
  const { createSpeexResampler } = await import('../audio/speex-resampler.js');
  const resampler = await createSpeexResampler(ESPEAK_RATE, sampleRate, RESAMPLE_QUALITY);
  try {
    const out = resampler.process(input);
    const pcm = new Int16Array(out.length);
    for (let i = 0; i < out.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(out[i]!)));
    return pcm;
  } finally {
    resampler.destroy();
  }
}

/** A language the emulator answers in. */
export type Lang = 'ko' | 'en';

/** `ko` when the text contains Hangul, else `en`: the language the emulator "speaks" it in. */
export function languageOf(text: string): Lang {
  return /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/.test(text) ? 'ko' : 'en';
}

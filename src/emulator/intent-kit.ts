/** What the emulator's intents share: the reply shape, what they may know of the device, words and numbers. */
import type { DirectiveMessage } from '../protocol/messages.js';
import type { AlertId, AlertPayload, PlayerActivity } from './device-state.js';
import type { Lang } from './language.js';
import type { Track } from './media-library.js';

export type IntentName =
  | 'greeting'
  | 'time'
  | 'weather'
  | 'alarm'
  | 'timer'
  | 'cancel'
  | 'stop'
  | 'music'
  | 'queue'
  | 'clear'
  | 'pause'
  | 'resume'
  | 'next'
  | 'previous'
  | 'playing'
  | 'volume'
  | 'mute'
  | 'unmute'
  | 'pizza'
  | 'fallback';

export interface IntentReply {
  intent: IntentName;
  /**
   * What the answer says (Speak and RenderText). Absent for answers that only act: volume, mute
   * and playback control come without a Speak (spec 5.7, 5.9).
   */
  text?: string;
  /** Further directives of the answer (after Speak, attachment and RenderText). */
  directives(dialogRequestId: string): DirectiveMessage[];
  /** Set when the answer asks a question: issue ExpectSpeech with this topic. */
  expects?: string;
}

/** What the intents know of the device that asked (its stored state and the event's context). */
export interface DeviceView {
  /** The alerts stored for it, soonest first. */
  alerts: readonly AlertPayload[];
  /** How many more alerts it may have. */
  alertRoom: number;
  /** The alerts ringing now. */
  ringing: readonly AlertId[];
  /** Its media player, and the track of the media when it is one of the emulator's. */
  playback: { activity: PlayerActivity; track?: Track };
  /** `scheme://host:port` the client reached the emulator at, for the URLs of served media. */
  baseUrl: string;
}

/** A device that has nothing: no alerts, nothing ringing, nothing playing. */
export function idleDevice(baseUrl = 'http://127.0.0.1'): DeviceView {
  return { alerts: [], alertRoom: Infinity, ringing: [], playback: { activity: 'IDLE' }, baseUrl };
}

/** A case-insensitive regular expression matching any of the alternatives as whole words. */
export function words(re: string): RegExp {
  return new RegExp(`\\b(?:${re})\\b`, 'i');
}

/** An answer that only speaks. */
export function simple(intent: IntentName, text: string): IntentReply {
  return { intent, text, directives: () => [] };
}

/** An answer that only acts, without speech. */
export function silent(intent: IntentName, directives: (dialogRequestId: string) => DirectiveMessage[]): IntentReply {
  return { intent, directives };
}

/** The text in the language of the request. */
export function inLang(lang: Lang, en: string, ko: string): string {
  return lang === 'ko' ? ko : en;
}

export const EN_NUMBERS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
const TEENS = ['thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** A regular expression source for a number in digits or English words (up to ninety-nine). */
export const COUNT_RE = `\\d+|(?:${TENS.join('|')})(?:[ -](?:${EN_NUMBERS.slice(1, 10).join('|')}))?|${TEENS.join('|')}|${EN_NUMBERS.join('|')}`;

/** COUNT_RE, and "a"/"an" for one ("a minute"). */
export const NUMBER_RE = `${COUNT_RE}|an?`;

/** The value of a number matched by NUMBER_RE. */
export function numberValue(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  if (t === 'a' || t === 'an') return 1;
  const small = EN_NUMBERS.indexOf(t);
  if (small >= 0) return small;
  const teen = TEENS.indexOf(t);
  if (teen >= 0) return 13 + teen;
  const m = /^([a-z]+)(?:[ -]([a-z]+))?$/.exec(t);
  const tens = m ? TENS.indexOf(m[1]!) : -1;
  if (tens < 0) return undefined;
  const unit = m![2] === undefined ? 0 : EN_NUMBERS.indexOf(m![2]);
  return unit < 1 && m![2] !== undefined ? undefined : 20 + 10 * tens + unit;
}

/**
 * `word` with the Korean particle that fits its last syllable: `withFinal` after a final consonant
 * (알람을, 알람이), `withoutFinal` after a vowel (타이머를, 타이머가).
 */
export function particle(word: string, withFinal: string, withoutFinal: string): string {
  const code = word.charCodeAt(word.length - 1) - 0xac00;
  const final = code >= 0 && code < 11172 && code % 28 !== 0;
  return `${word}${final ? withFinal : withoutFinal}`;
}

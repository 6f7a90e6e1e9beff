import { buildDirective, type DirectiveMessage } from '../protocol/messages.js';
import { newId } from '../protocol/ids.js';
import { languageOf, type Lang } from './language.js';

/**
 * The emulator's "brain" for typed text (NLU is outside the protocol, U-33): keyword intents in
 * English and Korean with deterministic answers, so clients and tests know what to expect.
 */
export interface IntentReply {
  intent: 'greeting' | 'time' | 'weather' | 'alarm' | 'volume' | 'pizza' | 'fallback';
  /** What the answer says (Speak and RenderText). */
  text: string;
  /** Further directives of the answer (after Speak, attachment and RenderText). */
  directives(dialogRequestId: string): DirectiveMessage[];
  /** Set when the answer asks a question: issue ExpectSpeech with this topic. */
  expects?: string;
}

const EN_NUMBERS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

/**
 * English requests the intent engine answers with a real intent, in lowercase words: the speech
 * grammar of the emulator's offline recogniser is built from them (voice-settings.ts), so a phrase
 * added here becomes speakable. Keep them acoustically distinct: measured with espeak-ng voices,
 * lone numbers and many alarm times made pocketsphinx confuse "ten", "twelve", "hey" and "two".
 */
export const ENGLISH_REQUESTS: readonly string[] = [
  'hello',
  'good morning',
  'good evening',
  'what time is it',
  'what is the time',
  'tell me the time',
  'what is the weather',
  'what is the weather today',
  'how is the weather today',
  'what is the forecast',
  'set an alarm',
  'set an alarm for seven am',
  'set an alarm for six pm',
  'wake me up at seven am',
  'turn up the volume',
  'turn down the volume',
  'volume up',
  'volume down',
  'louder',
  'quieter',
  'order a pizza',
  'i want a pizza',
  'i would like a pizza',
];

/** English answers to the emulator's questions (the pizza size), for the second turn of a dialog. */
export const ENGLISH_FOLLOW_UPS: readonly string[] = ['small', 'medium', 'large', 'extra large'];

/** Everything the offline recogniser can hear. */
export const ENGLISH_PHRASES: readonly string[] = [...ENGLISH_REQUESTS, ...ENGLISH_FOLLOW_UPS];

function words(re: string): RegExp {
  return new RegExp(`\\b(?:${re})\\b`, 'i');
}

const INTENTS: { intent: Exclude<IntentReply['intent'], 'fallback'>; en: RegExp; ko: RegExp }[] = [
  // Order matters: "set an alarm for 7" is an alarm, not a question about the time.
  { intent: 'pizza', en: words('pizzas?'), ko: /피자/ },
  { intent: 'alarm', en: words('alarms?|wake me'), ko: /알람|깨워/ },
  { intent: 'weather', en: words('weather|forecast'), ko: /날씨/ },
  { intent: 'volume', en: words('volume|louder|quieter'), ko: /볼륨|소리|음량/ },
  { intent: 'time', en: words('time|clock'), ko: /몇\s*시|시간|시각/ },
  { intent: 'greeting', en: words('hello|hi|hey|good morning|good evening'), ko: /안녕/ },
];

/** Picks the intent of a typed text and builds its answer. */
export function understand(text: string, now: Date): IntentReply {
  const lang = languageOf(text);
  const found = INTENTS.find((i) => i.en.test(text) || i.ko.test(text));
  switch (found?.intent) {
    case 'greeting':
      return simple('greeting', lang === 'ko' ? '안녕하세요. 만나서 반가워요.' : 'Hello! Nice to meet you.');
    case 'time':
      return simple('time', lang === 'ko' ? `지금은 ${koreanClock(now)}이에요.` : `It is ${englishClock(now)}.`);
    case 'weather':
      return weather(lang);
    case 'alarm':
      return alarm(text, lang, now);
    case 'volume':
      return volume(text, lang);
    case 'pizza':
      return {
        intent: 'pizza',
        text: lang === 'ko' ? '어떤 크기로 드릴까요?' : 'What size would you like?',
        directives: () => [],
        expects: 'pizza',
      };
    default:
      return simple(
        'fallback',
        lang === 'ko'
          ? `죄송해요. "${text}"에 대해서는 아직 도와드릴 수 없어요.`
          : `Sorry, I don't know how to help with "${text}" yet.`,
      );
  }
}

/** The answer to the second turn of a dialog that asked a question about `topic`. */
export function followUp(topic: string, text: string): string {
  const answer = text.trim().replace(/[.!?。]+$/, '');
  if (topic === 'pizza') {
    return languageOf(text) === 'ko' ? `${answer} 피자가 곧 도착해요.` : `Your ${answer} pizza is on its way.`;
  }
  return languageOf(text) === 'ko' ? `"${answer}"(이)라고 하셨군요.` : `You said "${answer}".`;
}

function simple(intent: IntentReply['intent'], text: string): IntentReply {
  return { intent, text, directives: () => [] };
}

/** "7:05 PM" in local time. */
export function englishClock(d: Date): string {
  const h = d.getHours();
  return `${h % 12 === 0 ? 12 : h % 12}:${String(d.getMinutes()).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
}

/** "오후 7시 5분" in local time. */
export function koreanClock(d: Date): string {
  const h = d.getHours();
  const m = d.getMinutes();
  return `${h < 12 ? '오전' : '오후'} ${h % 12 === 0 ? 12 : h % 12}시${m === 0 ? '' : ` ${m}분`}`;
}

function weather(lang: Lang): IntentReply {
  const ko = lang === 'ko';
  const text = ko ? '오늘 서울은 맑고 기온은 23도예요.' : 'Today in Seoul it is sunny and 23 degrees.';
  return {
    intent: 'weather',
    text,
    directives: (dialogRequestId) => [
      buildDirective(
        'Clova',
        'RenderTemplate',
        {
          type: 'TodayWeather',
          meta: { version: { type: 'string', value: 'v0.1' } },
          failureMessage: { type: 'string', value: text },
          location: { type: 'string', value: ko ? '서울' : 'Seoul' },
          temperature: { type: 'temperature-c', value: '23' },
          highTemperature: { type: 'temperature-c', value: '26' },
          lowTemperature: { type: 'temperature-c', value: '17' },
          condition: { type: 'string', value: ko ? '맑음' : 'sunny' },
          precipitationProbability: { type: 'percentage', value: '10' },
        },
        dialogRequestId,
      ),
    ],
  };
}

/** The hour and minute a text asks for ("7 am", "at 7:30", "seven pm", "오후 7시 반"), if any. */
export function requestedTime(text: string): { hour: number; minute: number } | undefined {
  const ko = /(오전|오후|아침|저녁|밤)?\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분|\s*(반))?/.exec(text);
  if (ko) {
    let hour = Number(ko[2]);
    const minute = ko[4] ? 30 : Number(ko[3] ?? 0);
    if ((ko[1] === '오후' || ko[1] === '저녁' || ko[1] === '밤') && hour < 12) hour += 12;
    if (ko[1] === '오전' && hour === 12) hour = 0;
    return valid(hour, minute);
  }
  const num = `(\\d{1,2}|${EN_NUMBERS.join('|')})`;
  const en =
    new RegExp(`\\b${num}(?::(\\d{2}))?\\s*(a\\.?m\\.?|p\\.?m\\.?|o'?clock)(?=\\W|$)`, 'i').exec(text) ??
    new RegExp(`\\b(?:at|for)\\s+${num}(?::(\\d{2}))?\\b()`, 'i').exec(text);
  if (!en) return undefined;
  const word = EN_NUMBERS.indexOf(en[1]!.toLowerCase());
  let hour = word >= 0 ? word : Number(en[1]);
  const minute = Number(en[2] ?? 0);
  const suffix = (en[3] ?? '').toLowerCase().replace(/\./g, '');
  if (suffix === 'pm' && hour < 12) hour += 12;
  if (suffix === 'am' && hour === 12) hour = 0;
  return valid(hour, minute);
}

function valid(hour: number, minute: number): { hour: number; minute: number } | undefined {
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 ? { hour, minute } : undefined;
}

/** The next moment after `now` at the requested local time, else the next full hour. */
export function alarmTime(text: string, now: Date): Date {
  const t = requestedTime(text);
  const at = new Date(now.getTime());
  if (t) {
    at.setHours(t.hour, t.minute, 0, 0);
    if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  } else {
    at.setMinutes(0, 0, 0);
    at.setHours(at.getHours() + 1);
  }
  return at;
}

/** `YYYY-MM-DDThh:mm:ssZ`, the alert time format (spec 3.3.2, U-34). */
export function alertTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function alarm(text: string, lang: Lang, now: Date): IntentReply {
  const at = alarmTime(text, now);
  return {
    intent: 'alarm',
    text: lang === 'ko' ? `${koreanClock(at)}에 알람을 맞췄어요.` : `OK, I set an alarm for ${englishClock(at)}.`,
    directives: (dialogRequestId) => [
      buildDirective('Alerts', 'SetAlert', { token: newId(), type: 'ALARM', scheduledTime: alertTimestamp(at) }, dialogRequestId),
    ],
  };
}

function volume(text: string, lang: Lang): IntentReply {
  const down = words('down|lower|decrease|quieter|softer|reduce').test(text) || /내려|줄여|작게|낮춰/.test(text);
  const reply = down
    ? lang === 'ko'
      ? '볼륨을 내릴게요.'
      : 'Turning the volume down.'
    : lang === 'ko'
      ? '볼륨을 올릴게요.'
      : 'Turning the volume up.';
  return {
    intent: 'volume',
    text: reply,
    directives: (dialogRequestId) => [
      buildDirective('DeviceControl', down ? 'Decrease' : 'Increase', { target: 'volume' }, dialogRequestId),
    ],
  };
}

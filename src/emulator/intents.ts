import { buildDirective } from '../protocol/messages.js';
import { idleDevice, inLang, simple, words, type DeviceView, type IntentName, type IntentReply } from './intent-kit.js';
import { alarm, cancel, englishClock, koreanClock, timer } from './intents-alerts.js';
import { clearQueue, music, mute, nowPlaying, pause, queue, resume, skip, stop, volume } from './intents-media.js';
import { languageOf, type Lang } from './language.js';

/**
 * The emulator's "brain" for typed and recognised text (NLU is outside the protocol, U-33): keyword
 * intents in English and Korean with deterministic answers, so clients and tests know what to
 * expect. Alerts and media intents look at the device (intent-kit.ts DeviceView): its stored alerts,
 * what rings, what plays.
 */
export type { DeviceView, IntentName, IntentReply } from './intent-kit.js';
export { alarmTime, alertTimestamp, englishClock, koreanClock, requestedDuration, requestedTime } from './intents-alerts.js';
export { requestedVolume } from './intents-media.js';

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
  'set an alarm for seven thirty',
  'wake me up at seven am',
  'set a timer for five seconds',
  'set a timer for thirty seconds',
  'set a timer for one minute',
  'set a timer for three minutes',
  'cancel my alarm',
  'cancel my alarms',
  'cancel the timer',
  'stop',
  'play some music',
  'play the radio',
  'add some music to the queue',
  'clear the queue',
  'pause',
  'pause the music',
  'resume',
  'resume the music',
  'next song',
  'previous song',
  'what is playing',
  'turn up the volume',
  'turn down the volume',
  'volume up',
  'volume down',
  'louder',
  'quieter',
  'set the volume to three',
  'set the volume to five',
  'set the volume to eight',
  'mute',
  'turn the sound back on',
  'order a pizza',
  'i want a pizza',
  'i would like a pizza',
];

/** English answers to the emulator's questions (the pizza size), for the second turn of a dialog. */
export const ENGLISH_FOLLOW_UPS: readonly string[] = ['small', 'medium', 'large', 'extra large'];

/** Everything the offline recogniser can hear. */
export const ENGLISH_PHRASES: readonly string[] = [...ENGLISH_REQUESTS, ...ENGLISH_FOLLOW_UPS];

type Matched = Exclude<IntentName, 'fallback' | 'unmute'>;

const INTENTS: { intent: Matched; en: RegExp; ko: RegExp }[] = [
  // Order matters: "cancel my alarm" is not setting one, "일시정지" (pause) is not "정지" (stop),
  // "다시 재생" (resume) is not "재생" (play), "stop the timer" is not setting one, "wake me up next
  // morning" is not a skip, and "set an alarm for 7" is not a question about the time.
  { intent: 'pizza', en: words('pizzas?'), ko: /피자/ },
  { intent: 'clear', en: words('(?:clear|empty) (?:the |my )?(?:queue|playlist)'), ko: /재생\s*목록\s*(?:을\s*)?(?:비워|삭제|지워)|대기열\s*(?:을\s*)?(?:비워|삭제|지워)/ },
  { intent: 'queue', en: words('queue|enqueue|play (?:\w+ )*after this'), ko: /재생\s*목록에\s*추가|대기열/ },
  { intent: 'cancel', en: words('cancel|delete|remove'), ko: /취소|삭제|지워/ },
  { intent: 'pause', en: words('pause'), ko: /일시\s*(?:정지|중지)|잠깐\s*멈춰/ },
  { intent: 'resume', en: words('resume|unpause|continue|keep playing'), ko: /다시\s*(?:재생|틀어|들려)|이어서|계속\s*(?:재생|틀어|들려)/ },
  { intent: 'playing', en: words("what(?:'s| is) playing|what song|which song"), ko: /무슨\s*(?:곡|노래|음악)|지금\s*나오는/ },
  { intent: 'stop', en: words('stop|dismiss|turn off the (?:alarm|timer|music)'), ko: /그만|멈춰|정지|(?:알람|타이머|음악|노래)\s*(?:꺼|끄)/ },
  { intent: 'timer', en: words('timers?'), ko: /타이머/ },
  { intent: 'alarm', en: words('alarms?|wake me'), ko: /알람|깨워/ },
  { intent: 'next', en: words('next|skip'), ko: /다음\s*(?:곡|노래|음악)|넘겨/ },
  { intent: 'previous', en: words('previous|go back|last song'), ko: /이전\s*(?:곡|노래|음악)|앞\s*(?:곡|노래)/ },
  { intent: 'mute', en: words('un-?mute|mute|sound (?:back )?on|sound off'), ko: /음소거|소리\s*(?:꺼|켜)/ },
  { intent: 'volume', en: words('volume|louder|quieter|softer'), ko: /볼륨|소리|음량/ },
  { intent: 'music', en: words('play|music|radio|jazz'), ko: /음악|틀어|재생|라디오|재즈|노래\s*(?:좀\s*)?(?:들려|켜)/ },
  { intent: 'weather', en: words('weather|forecast'), ko: /날씨/ },
  { intent: 'time', en: words('time|clock'), ko: /몇\s*시|시간|시각/ },
  { intent: 'greeting', en: words('hello|hi|hey|good morning|good evening'), ko: /안녕/ },
];

/** True for "unmute" / "turn the sound back on" / "음소거 해제" / "소리 켜줘". */
function isUnmute(text: string): boolean {
  return words('un-?mute|sound (?:back )?on').test(text) || /음소거\s*(?:해제|풀어|꺼)|소리\s*켜/.test(text);
}

/** Picks the intent of a text and builds its answer; `device` is what the asking client's device is known to have. */
export function understand(text: string, now: Date, device: DeviceView = idleDevice()): IntentReply {
  const lang = languageOf(text);
  const found = INTENTS.find((i) => i.en.test(text) || i.ko.test(text));
  switch (found?.intent) {
    case 'greeting':
      return simple('greeting', inLang(lang, 'Hello! Nice to meet you.', '안녕하세요. 만나서 반가워요.'));
    case 'time':
      return simple('time', inLang(lang, `It is ${englishClock(now)}.`, `지금은 ${koreanClock(now)}이에요.`));
    case 'weather':
      return weather(lang);
    case 'alarm':
      return alarm(text, lang, now, device);
    case 'timer':
      return timer(text, lang, now, device);
    case 'cancel':
      return cancel(text, lang, device);
    case 'stop':
      return stop(lang, device);
    case 'music':
      return music(text, lang, device);
    case 'queue':
      return queue(text, lang, device);
    case 'clear':
      return clearQueue();
    case 'pause':
      return pause(lang, device);
    case 'resume':
      return resume(lang, device);
    case 'next':
      return skip(1, device);
    case 'previous':
      return skip(-1, device);
    case 'playing':
      return nowPlaying(lang, device);
    case 'volume':
      return volume(text, lang);
    case 'mute':
      return mute(!isUnmute(text));
    case 'pizza':
      return {
        intent: 'pizza',
        text: inLang(lang, 'What size would you like?', '어떤 크기로 드릴까요?'),
        directives: () => [],
        expects: 'pizza',
      };
    default:
      return simple(
        'fallback',
        inLang(lang, `Sorry, I don't know how to help with "${text}" yet.`, `죄송해요. "${text}"에 대해서는 아직 도와드릴 수 없어요.`),
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

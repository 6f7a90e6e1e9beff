/** The alert intents (spec 5.8): timers, alarms, and cancelling them. */
import { buildDirective } from '../protocol/messages.js';
import { newId } from '../protocol/ids.js';
import type { AlertPayload } from './device-state.js';
import { EN_NUMBERS, inLang, NUMBER_RE, numberValue, particle, simple, words, type DeviceView, type IntentReply } from './intent-kit.js';
import type { Lang } from './language.js';

/** The longest timer the emulator sets. */
const MAX_TIMER_SECONDS = 24 * 60 * 60;

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

const MINUTE_WORDS: Record<string, number> = { "o'clock": 0, oclock: 0, fifteen: 15, thirty: 30, 'forty five': 45, 'forty-five': 45 };

/** The hour and minute a text asks for ("7 am", "at 7:30", "seven thirty pm", "오후 7시 반"), if any. */
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
  const minutes = `(?::(\\d{2})|\\s+(${Object.keys(MINUTE_WORDS).join('|')}))?`;
  const en =
    new RegExp(`\\b${num}${minutes}\\s*(a\\.?m\\.?|p\\.?m\\.?)(?=\\W|$)`, 'i').exec(text) ??
    new RegExp(`\\b(?:at|for)\\s+${num}${minutes}(?=\\W|$)()`, 'i').exec(text);
  if (!en) return undefined;
  const word = EN_NUMBERS.indexOf(en[1]!.toLowerCase());
  let hour = word >= 0 ? word : Number(en[1]);
  const minute = en[2] !== undefined ? Number(en[2]) : en[3] !== undefined ? MINUTE_WORDS[en[3].toLowerCase()]! : 0;
  const suffix = (en[4] ?? '').toLowerCase().replace(/\./g, '');
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

function tooMany(lang: Lang, intent: 'alarm' | 'timer'): IntentReply {
  return simple(intent, inLang(lang, 'You have too many alarms and timers. Cancel some first.', '알람과 타이머가 너무 많아요. 먼저 몇 개를 취소해 주세요.'));
}

/** "Set an alarm for 7:30": an ALARM at the next such local time (the next full hour without one). */
export function alarm(text: string, lang: Lang, now: Date, device: DeviceView): IntentReply {
  if (device.alertRoom <= 0) return tooMany(lang, 'alarm');
  const at = alarmTime(text, now);
  return {
    intent: 'alarm',
    text: inLang(lang, `OK, I set an alarm for ${englishClock(at)}.`, `${koreanClock(at)}에 알람을 맞췄어요.`),
    directives: (dialogRequestId) => [
      buildDirective('Alerts', 'SetAlert', { token: newId(), type: 'ALARM', scheduledTime: alertTimestamp(at) }, dialogRequestId),
    ],
  };
}

const UNITS: Record<string, number> = { hour: 3600, hr: 3600, minute: 60, min: 60, second: 1, sec: 1, 시간: 3600, 분: 60, 초: 1 };

/** The duration a text asks for, in seconds ("5 seconds", "one minute thirty seconds", "1분 30초"); 0 when none. */
export function requestedDuration(text: string): number {
  let seconds = 0;
  const en = new RegExp(`\\b(${NUMBER_RE})\\s*-?\\s*(hour|hr|minute|min|second|sec)s?\\b`, 'gi');
  for (const m of text.matchAll(en)) seconds += (numberValue(m[1]!) ?? 0) * UNITS[m[2]!.toLowerCase()]!;
  for (const m of text.matchAll(/(\d+)\s*(시간|분|초)/g)) seconds += Number(m[1]) * UNITS[m[2]!]!;
  return seconds;
}

/** "1 minute 30 seconds" / "1분 30초". */
function durationWords(seconds: number, lang: Lang): string {
  const parts: [number, string, string][] = [
    [Math.floor(seconds / 3600), 'hour', '시간'],
    [Math.floor((seconds % 3600) / 60), 'minute', '분'],
    [seconds % 60, 'second', '초'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, en, ko]) => (lang === 'ko' ? `${n}${ko}` : `${n} ${en}${n === 1 ? '' : 's'}`))
    .join(' ');
}

/** "Set a timer for N seconds/minutes": a TIMER at now + N (whole seconds, rounded up) with the timer bell. */
export function timer(text: string, lang: Lang, now: Date, device: DeviceView): IntentReply {
  const seconds = requestedDuration(text);
  if (seconds <= 0 || seconds > MAX_TIMER_SECONDS) {
    return simple(
      'timer',
      seconds > 0
        ? inLang(lang, 'A timer can run for at most 24 hours.', '타이머는 24시간까지 맞출 수 있어요.')
        : inLang(lang, 'For how long? Say, for example: set a timer for five minutes.', '몇 분으로 맞출까요? 예를 들어 "5분 타이머 맞춰줘"라고 말해 주세요.'),
    );
  }
  if (device.alertRoom <= 0) return tooMany(lang, 'timer');
  const at = new Date(Math.ceil((now.getTime() + seconds * 1000) / 1000) * 1000);
  const span = durationWords(seconds, lang);
  return {
    intent: 'timer',
    text: inLang(lang, `OK, a timer for ${span}, starting now.`, `${span} 타이머를 시작할게요.`),
    directives: (dialogRequestId) => {
      const assetId = newId();
      return [
        buildDirective(
          'Alerts',
          'SetAlert',
          {
            token: newId(),
            type: 'TIMER',
            scheduledTime: alertTimestamp(at),
            assets: [{ assetId, url: 'clova://alert/bell/timer' }],
            assetPlayOrder: [assetId],
          },
          dialogRequestId,
        ),
      ];
    },
  };
}

/** The alert types a cancel request names; undefined: all of them. */
function cancelledTypes(text: string): string[] | undefined {
  const types: string[] = [];
  if (words('timers?').test(text) || /타이머/.test(text)) types.push('TIMER');
  if (words('alarms?|wake').test(text) || /알람/.test(text)) types.push('ALARM');
  if (words('reminders?').test(text) || /리마인더/.test(text)) types.push('REMINDER');
  return types.length === 0 || words('all alerts|everything').test(text) ? undefined : types;
}

/** "Cancel my alarms" / "cancel the timer": DeleteAlert for every stored alert of those types. */
export function cancel(text: string, lang: Lang, device: DeviceView): IntentReply {
  const types = cancelledTypes(text);
  const doomed: AlertPayload[] = device.alerts.filter((a) => !types || types.includes(a.type));
  const only = types?.length === 1 ? types[0] : undefined;
  const [en, ko] = only === 'TIMER' ? ['timer', '타이머'] : only === 'ALARM' ? ['alarm', '알람'] : only === 'REMINDER' ? ['reminder', '리마인더'] : ['alert', '알림'];
  if (doomed.length === 0) {
    return simple('cancel', inLang(lang, `You have no ${en}s set.`, `취소할 ${particle(ko, '이', '가')} 없어요.`));
  }
  const n = doomed.length;
  return {
    intent: 'cancel',
    text: inLang(lang, n === 1 ? `I cancelled your ${en}.` : `I cancelled ${n} ${en}s.`, n === 1 ? `${particle(ko, '을', '를')} 취소했어요.` : `${ko} ${n}개를 취소했어요.`),
    directives: (dialogRequestId) =>
      doomed.map((a) => buildDirective('Alerts', 'DeleteAlert', { token: a.token, type: a.type }, dialogRequestId)),
  };
}

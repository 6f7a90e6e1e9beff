/**
 * The intents that play, control and turn up or down (spec 5.6, 5.7, 5.9): music from the
 * emulator's own library, pause, resume, stop (a ringing alert first), next and previous, what is
 * playing, volume and mute. Volume, mute and playback control act without a Speak (spec 5.7, 5.9).
 */
import { buildDirective } from '../protocol/messages.js';
import { COUNT_RE, inLang, numberValue, particle, silent, simple, words, type DeviceView, type IntentReply } from './intent-kit.js';
import type { Lang } from './language.js';
import { MUSIC_TRACK, neighbour, playDirective, RADIO_TRACK, TRACKS, type Track } from './media-library.js';

/** The volume range (spec 3.3.2: Speaker.VolumeState, 0-10). */
const MAX_VOLUME = 10;

const TARGET = { namespace: 'AudioPlayer' };

/** An answer that plays `track` (now, or after the queue with ENQUEUE), with the speech `text` (none for next/previous). */
function play(intent: 'music' | 'queue' | 'next' | 'previous', track: Track, device: DeviceView, text?: string): IntentReply {
  const behavior = intent === 'queue' ? 'ENQUEUE' : 'REPLACE_ALL';
  return {
    intent,
    ...(text !== undefined ? { text } : {}),
    directives: (dialogRequestId) => [playDirective(track, device.baseUrl, dialogRequestId, behavior)],
  };
}

/** The track a text names by its title, or by "radio"/"jazz". */
function namedTrack(text: string): Track | undefined {
  const lower = text.toLowerCase();
  return TRACKS.find((t) => lower.includes(t.title.toLowerCase())) ?? (words('radio|jazz').test(text) || /라디오|재즈/.test(text) ? RADIO_TRACK : undefined);
}

/** "Play some music", "play the radio", "put on some jazz", or a track by its title. */
export function music(text: string, lang: Lang, device: DeviceView): IntentReply {
  const track = namedTrack(text) ?? MUSIC_TRACK;
  return play(
    'music',
    track,
    device,
    inLang(lang, `Playing ${track.title} by ${track.artist}.`, `${track.artist}의 ${particle(track.title, '을', '를')} 재생할게요.`),
  );
}

/** "Add some music to the queue": a Play with ENQUEUE of the named track, else the one after what plays. */
export function queue(text: string, lang: Lang, device: DeviceView): IntentReply {
  const track = namedTrack(text) ?? neighbour(device.playback.track, 1);
  return play(
    'queue',
    track,
    device,
    inLang(lang, `Added ${track.title} to the queue.`, `${particle(track.title, '을', '를')} 재생 목록에 추가했어요.`),
  );
}

/** "Clear the queue": AudioPlayer.ClearQueue CLEAR_ALL (empties the queue and stops what plays), without speech. */
export function clearQueue(): IntentReply {
  return silent('clear', (id) => [buildDirective('AudioPlayer', 'ClearQueue', { clearBehavior: 'CLEAR_ALL' }, id)]);
}

const nothingPlaying = (lang: Lang) => inLang(lang, 'Nothing is playing.', '재생 중인 음악이 없어요.');

/** "Pause": PlaybackController.Pause while media plays. */
export function pause(lang: Lang, device: DeviceView): IntentReply {
  const { activity } = device.playback;
  if (activity === 'PLAYING') return silent('pause', (id) => [buildDirective('PlaybackController', 'Pause', { target: TARGET }, id)]);
  return simple('pause', activity === 'PAUSED' ? inLang(lang, 'The music is already paused.', '이미 일시정지했어요.') : nothingPlaying(lang));
}

/** "Resume": PlaybackController.Resume for paused or stopped media. */
export function resume(lang: Lang, device: DeviceView): IntentReply {
  const { activity } = device.playback;
  if (activity === 'PAUSED' || activity === 'STOPPED') {
    return silent('resume', (id) => [buildDirective('PlaybackController', 'Resume', { target: TARGET }, id)]);
  }
  return simple(
    'resume',
    activity === 'PLAYING' ? inLang(lang, 'The music is already playing.', '이미 재생 중이에요.') : inLang(lang, 'There is nothing to resume.', '다시 재생할 음악이 없어요.'),
  );
}

/** "Stop": StopAlert for every ringing alert; else PlaybackController.Stop for media; else nothing to stop. */
export function stop(lang: Lang, device: DeviceView): IntentReply {
  if (device.ringing.length > 0) {
    return silent('stop', (id) => device.ringing.map((a) => buildDirective('Alerts', 'StopAlert', { token: a.token, type: a.type }, id)));
  }
  const { activity } = device.playback;
  if (activity === 'PLAYING' || activity === 'PAUSED') {
    return silent('stop', (id) => [buildDirective('PlaybackController', 'Stop', { target: TARGET }, id)]);
  }
  return simple('stop', inLang(lang, 'There is nothing to stop.', '멈출 것이 없어요.'));
}

/** "Next song" / "previous song": a new Play of the neighbouring track (the first one when nothing played). */
export function skip(step: 1 | -1, device: DeviceView): IntentReply {
  return play(step === 1 ? 'next' : 'previous', neighbour(device.playback.track, step), device);
}

/** "What is playing": the title, and AudioPlayer.ExpectReportPlaybackState to refresh what the emulator knows. */
export function nowPlaying(lang: Lang, device: DeviceView): IntentReply {
  const { activity, track } = device.playback;
  if (!track || (activity !== 'PLAYING' && activity !== 'PAUSED')) return simple('playing', nothingPlaying(lang));
  return {
    intent: 'playing',
    text: inLang(lang, `This is ${track.title} by ${track.artist}.`, `${track.artist}의 ${track.title}이에요.`),
    directives: (id) => [buildDirective('AudioPlayer', 'ExpectReportPlaybackState', {}, id)],
  };
}

/** The volume level a text asks for ("set the volume to five", "볼륨 5로"), if any. */
export function requestedVolume(text: string): number | undefined {
  const en = new RegExp(`\\b(?:volume|sound)\\b(?:.*?\\b(?:to|at)\\s+(?:level\\s+)?|\\s+)(${COUNT_RE})\\b`, 'i').exec(text);
  if (en) return numberValue(en[1]!);
  const ko = /(?:볼륨|소리|음량)\S*\s*(\d{1,3})/.exec(text);
  return ko ? Number(ko[1]) : undefined;
}

/** "Volume up/down" (DeviceControl.Increase/Decrease) or "set the volume to N" (SetValue), without speech. */
export function volume(text: string, lang: Lang): IntentReply {
  const level = requestedVolume(text);
  if (level !== undefined) {
    if (level > MAX_VOLUME) return simple('volume', inLang(lang, `The volume goes from 0 to ${MAX_VOLUME}.`, `볼륨은 0부터 ${MAX_VOLUME}까지예요.`));
    return silent('volume', (id) => [buildDirective('DeviceControl', 'SetValue', { target: 'volume', value: String(level) }, id)]);
  }
  const down = words('down|lower|decrease|quieter|softer|reduce').test(text) || /내려|줄여|작게|낮춰/.test(text);
  return silent('volume', (id) => [buildDirective('DeviceControl', down ? 'Decrease' : 'Increase', { target: 'volume' }, id)]);
}

/** "Mute" / "unmute": PlaybackController.Mute / Unmute, without speech (spec 5.7). */
export function mute(on: boolean): IntentReply {
  return silent(on ? 'mute' : 'unmute', (id) => [buildDirective('PlaybackController', on ? 'Mute' : 'Unmute', {}, id)]);
}

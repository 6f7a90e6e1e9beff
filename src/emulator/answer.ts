import { buildDirective, type DirectiveMessage } from '../protocol/messages.js';
import { newId } from '../protocol/ids.js';
import type { FaultReader } from './active-faults.js';
import { languageOf } from './language.js';
import { resizeMp3, speechMp3 } from './mp3.js';
import { directivePart, type ResponsePart } from './wire.js';

/** A Speak directive and its MP3 attachment (`url: cid:<Content-ID>`, spec 1.7): `text` spoken (mp3.ts). */
export async function speakParts(faults: FaultReader, text: string, dialogRequestId?: string): Promise<ResponsePart[]> {
  const contentId = newId();
  const speak = buildDirective(
    'SpeechSynthesizer',
    'Speak',
    {
      format: 'AUDIO_MPEG',
      token: newId(),
      ttsLang: languageOf(text),
      url: `cid:${contentId}`,
      'x-clova-pause-before': 0,
    },
    dialogRequestId,
  );
  let mp3 = await speechMp3(text);
  const size = faults.get('attachment-size');
  if (size) mp3 = resizeMp3(mp3, size.bytes);
  return [directivePart(speak), { kind: 'attachment', contentId, bytes: mp3 }];
}

/** Speak + attachment + `Clova.RenderText`, then `extra` directives: a plain spoken answer. */
export async function spokenAnswer(
  faults: FaultReader,
  text: string,
  dialogRequestId: string | undefined,
  extra: readonly DirectiveMessage[] = [],
): Promise<ResponsePart[]> {
  return [
    ...(await speakParts(faults, text, dialogRequestId)),
    directivePart(buildDirective('Clova', 'RenderText', { text }, dialogRequestId)),
    ...extra.map(directivePart),
  ];
}

/**
 * The answer to a Recognize turn, with the answer-shaping faults applied: `stale-directive`
 * (a RenderText of the previous dialog first), `unknown-directive` (before RenderText, or last)
 * and `extra-directives` (appended). Without `text` the answer only acts: just the `extra`
 * directives (volume, mute and playback control come without a Speak, spec 5.7, 5.9).
 */
export async function recognizeAnswer(
  faults: FaultReader,
  text: string | undefined,
  dialogRequestId: string,
  previousDialogRequestId: string | undefined,
  extra: readonly DirectiveMessage[] = [],
): Promise<ResponsePart[]> {
  const parts = text === undefined ? extra.map(directivePart) : await spokenAnswer(faults, text, dialogRequestId, extra);
  if (faults.has('unknown-directive')) {
    const unknown = directivePart(
      buildDirective('Unknown', 'FutureDirective', { note: 'clients must skip this' }, dialogRequestId),
    );
    const at = parts.findIndex(
      (p) => p.kind === 'directive' && p.message.directive.header.namespace === 'Clova' && p.message.directive.header.name === 'RenderText',
    );
    parts.splice(at < 0 ? parts.length : at, 0, unknown);
  }
  const extraCount = faults.get('extra-directives')?.count ?? 0;
  for (let i = 1; i <= extraCount; i++) {
    parts.push(directivePart(buildDirective('Clova', 'RenderText', { text: `directive ${i}` }, dialogRequestId)));
  }
  // A follow-up turn reuses its dialog's id, so "the previous dialog" would not be stale at all.
  if (faults.has('stale-directive') && previousDialogRequestId && previousDialogRequestId !== dialogRequestId) {
    parts.unshift(
      directivePart(
        buildDirective('Clova', 'RenderText', { text: 'stale answer from an older dialog' }, previousDialogRequestId),
      ),
    );
  }
  return parts;
}

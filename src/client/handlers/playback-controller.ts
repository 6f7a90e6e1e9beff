import { applyVolumeCommand } from '../device/volume.js';
import type { HandlerContext, NamespaceHandler } from './types.js';

/** The Expect*Command directives and the button event each asks for (spec 5.7). */
const EXPECTED: Readonly<Record<string, string>> = {
  ExpectNextCommand: 'NextCommandIssued',
  ExpectPauseCommand: 'PauseCommandIssued',
  ExpectPreviousCommand: 'PreviousCommandIssued',
  ExpectResumeCommand: 'ResumeCommandIssued',
  ExpectStopCommand: 'StopCommandIssued',
};

/**
 * PlaybackController.* (spec 5.7). Mute, Unmute and the deprecated VolumeUp/VolumeDown change the
 * speaker (no event answers them). In a session that acts as a device, the media commands are
 * carried out by its media player (those aimed at `MediaPlayer`, which this client does not have,
 * are not), and an Expect*Command is answered as the button would be: with its *CommandIssued
 * event, `source` copied from `target`.
 */
export const playbackControllerHandler: NamespaceHandler = {
  namespace: 'PlaybackController',
  directives: new Set([
    'Pause',
    'Resume',
    'Stop',
    'Next',
    'Previous',
    'Replay',
    'Mute',
    'Unmute',
    'SetRepeatMode',
    'ExpectNextCommand',
    'ExpectPauseCommand',
    'ExpectPreviousCommand',
    'ExpectResumeCommand',
    'ExpectStopCommand',
    'ExpectPlayCommand',
    'TurnOnRepeatMode',
    'TurnOffRepeatMode',
    'VolumeUp',
    'VolumeDown',
  ]),
  handle(directive, ctx) {
    const name = directive.header.name;
    const p = directive.payload ?? {};
    if (name === 'Mute' || name === 'Unmute') {
      ctx.state.muted = name === 'Mute';
      ctx.volumeChanged?.();
      return;
    }
    if (name === 'VolumeUp' || name === 'VolumeDown') {
      if (applyVolumeCommand(ctx.state, name, undefined)) ctx.volumeChanged?.();
      return;
    }
    const media = ctx.media;
    if (!media) return;
    const target = targetNamespace(p.target);
    if (name in EXPECTED) return expected(ctx, EXPECTED[name]!, target);
    if (name === 'ExpectPlayCommand') {
      const copy: Record<string, unknown> = {};
      if (p.handover !== undefined) copy.handover = p.handover;
      if (p.token !== undefined) copy.token = p.token;
      ctx.report('PlaybackController', 'PlayCommandIssued', copy);
      return;
    }
    if (target !== undefined && target !== 'AudioPlayer') return; // MediaPlayer: not this client's
    switch (name) {
      case 'Pause':
        return media.pause();
      case 'Resume':
        return media.resume();
      case 'Stop':
        return media.stop();
      case 'Next':
        return media.next();
      case 'Previous':
        return media.previous();
      case 'Replay':
        return media.replay();
      case 'SetRepeatMode':
        return media.setRepeatMode(p.repeatMode);
      case 'TurnOnRepeatMode':
        return media.setRepeatMode('REPEAT_ONE');
      case 'TurnOffRepeatMode':
        return media.setRepeatMode('NONE');
    }
  },
};

function targetNamespace(target: unknown): string | undefined {
  const ns = target !== null && typeof target === 'object' ? (target as { namespace?: unknown }).namespace : undefined;
  return typeof ns === 'string' && ns.length > 0 ? ns : undefined;
}

/** As if the button had been pressed: its event, carrying `source.namespace` = `target.namespace` when a target was given. */
function expected(ctx: HandlerContext, event: string, target: string | undefined): void {
  ctx.report('PlaybackController', event, target !== undefined ? { source: { namespace: target } } : {});
}

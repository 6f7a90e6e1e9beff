import { buildDirective, type DirectiveMessage, type EventMessage } from '../../protocol/messages.js';
import { neighbour, playDirective } from '../media-library.js';
import { directivePart } from '../wire.js';
import { currentTrack } from './device-view.js';
import { noContent, type EventHandler, type HandlerContext, type NamespaceHandlers } from './types.js';

const TARGET = { namespace: 'AudioPlayer' };

/**
 * A button press the client reports and lets CLOVA decide on (spec 5.7): `decide` picks the
 * directive for the media as it is now, sent in the response; 204 when there is nothing to do, or
 * when the press was for something other than the AudioPlayer (`source.namespace`).
 */
function command(decide: (ctx: HandlerContext, event: EventMessage) => DirectiveMessage | undefined): EventHandler {
  return (event, ctx) => {
    const source = event.event.payload.source as { namespace?: unknown } | undefined;
    if (source && typeof source === 'object' && source.namespace !== undefined && source.namespace !== 'AudioPlayer') return { status: 204 };
    const directive = decide(ctx, event);
    return directive ? { status: 200, parts: [directivePart(directive)] } : { status: 204 };
  };
}

/** A PlaybackController directive when the media's activity is one of `when`. */
function control(name: 'Pause' | 'Resume' | 'Stop', when: readonly string[]): EventHandler {
  return command((ctx, event) => (when.includes(currentTrack(ctx, event).activity) ? buildDirective('PlaybackController', name, { target: TARGET }) : undefined));
}

/** A Play of the next or previous track, when there is media to skip from. */
function skip(step: 1 | -1): EventHandler {
  return command((ctx, event) => {
    const { activity, track } = currentTrack(ctx, event);
    if (activity === 'IDLE' && !track) return undefined;
    return playDirective(neighbour(track, step), ctx.baseUrl);
  });
}

/** PlaybackController (spec 5.7): the emulator decides on the button reports as CLOVA would. */
export const playbackControllerHandlers: NamespaceHandlers = {
  PauseCommandIssued: control('Pause', ['PLAYING']),
  ResumeCommandIssued: control('Resume', ['PAUSED', 'STOPPED']),
  StopCommandIssued: control('Stop', ['PLAYING', 'PAUSED']),
  NextCommandIssued: skip(1),
  PreviousCommandIssued: skip(-1),
  PlayCommandIssued: noContent,
  CustomCommandIssued: noContent,
  SetRepeatModeCommandIssued: noContent,
};

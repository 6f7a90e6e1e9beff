import type { EventMessage } from '../../protocol/messages.js';
import type { DeviceView } from '../intent-kit.js';
import { trackOfStream, type Track } from '../media-library.js';
import type { HandlerContext } from './types.js';

/** The emulator's track of the client's media now (from the event's context or the reports), if it is one. */
export function currentTrack(ctx: HandlerContext, event: EventMessage): { activity: DeviceView['playback']['activity']; track?: Track } {
  const playback = ctx.device.playbackNow(event);
  const track = trackOfStream(playback.stream ?? (playback.token !== undefined ? ctx.device.stream(playback.token) : undefined));
  return { activity: playback.activity, ...(track ? { track } : {}) };
}

/** What the intents may know of the client that sent `event`. */
export function deviceView(ctx: HandlerContext, event: EventMessage): DeviceView {
  return {
    alerts: ctx.device.storedAlerts(ctx.now()),
    alertRoom: ctx.device.alertRoom(),
    ringing: ctx.device.ringing(event),
    playback: currentTrack(ctx, event),
    baseUrl: ctx.baseUrl,
  };
}

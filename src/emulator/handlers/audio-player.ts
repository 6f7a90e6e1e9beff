import { streamDeliverDirective, trackOfStream } from '../media-library.js';
import { directivePart } from '../wire.js';
import type { EventHandler, HandlerResult, NamespaceHandlers } from './types.js';

/** A playback report: the emulator's idea of the client's player follows it; answered 204 (spec 7.8). */
const report: EventHandler = (event, ctx) => {
  ctx.device.playbackReport(event.event.header.name, event.event.payload);
  return { status: 204 };
};

/**
 * StreamRequested (spec 5.6): the client is about to play a Play whose `urlPlayable` was false; the
 * answer is StreamDeliver with the playable URL of the same track, in the response.
 */
const streamRequested: EventHandler = (event, ctx): HandlerResult => {
  const { audioItemId, audioStream } = event.event.payload as { audioItemId?: unknown; audioStream?: { token?: unknown } };
  if (typeof audioItemId !== 'string' || typeof audioStream !== 'object' || audioStream === null || typeof audioStream.token !== 'string') {
    return { status: 400, description: 'AudioPlayer.StreamRequested needs payload.audioItemId and payload.audioStream with a token' };
  }
  const track = trackOfStream(audioStream);
  if (!track) return { status: 400, description: 'AudioPlayer.StreamRequested: unknown stream (not one the emulator sent)' };
  return { status: 200, parts: [directivePart(streamDeliverDirective(track, audioItemId, audioStream.token, ctx.baseUrl))] };
};

/** AudioPlayer (spec 5.6). */
export const audioPlayerHandlers: NamespaceHandlers = {
  PlayStarted: report,
  PlayPaused: report,
  PlayResumed: report,
  PlayStopped: report,
  PlayFinished: report,
  ProgressReportDelayPassed: report,
  ProgressReportIntervalPassed: report,
  ProgressReportPositionPassed: report,
  PlaybackQueueCleared: report,
  ReportPlaybackState: report,
  StreamRequested: streamRequested,
};

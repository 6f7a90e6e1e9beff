import { noContent, type NamespaceHandlers } from './types.js';

/** AudioPlayer (spec 5.6): every playback report answers 204 (spec 7.8). */
export const audioPlayerHandlers: NamespaceHandlers = {
  PlayStarted: noContent,
  PlayPaused: noContent,
  PlayResumed: noContent,
  PlayStopped: noContent,
  PlayFinished: noContent,
  ProgressReportDelayPassed: noContent,
  ProgressReportIntervalPassed: noContent,
  ProgressReportPositionPassed: noContent,
  PlaybackQueueCleared: noContent,
  ReportPlaybackState: noContent,
  // The emulator never sends AudioPlayer.Play, so there is no stream to deliver.
  StreamRequested: noContent,
};

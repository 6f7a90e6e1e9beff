import { noContent, type NamespaceHandlers } from './types.js';

/** PlaybackController (spec 5.7): button reports answer 204; the emulator plays no media. */
export const playbackControllerHandlers: NamespaceHandlers = {
  NextCommandIssued: noContent,
  PauseCommandIssued: noContent,
  PlayCommandIssued: noContent,
  PreviousCommandIssued: noContent,
  ResumeCommandIssued: noContent,
  StopCommandIssued: noContent,
  CustomCommandIssued: noContent,
  SetRepeatModeCommandIssued: noContent,
};

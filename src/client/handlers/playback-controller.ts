import type { NamespaceHandler } from './types.js';

/** PlaybackController.* (spec 5.7): media remote control, shown only. */
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
};

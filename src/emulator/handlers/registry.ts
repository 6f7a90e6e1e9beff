import { alertsHandlers } from './alerts.js';
import { audioPlayerHandlers } from './audio-player.js';
import { deviceControlHandlers } from './device-control.js';
import { playbackControllerHandlers } from './playback-controller.js';
import { settingsHandlers } from './settings.js';
import { speechRecognizerHandlers } from './speech-recognizer.js';
import { speechSynthesizerHandlers } from './speech-synthesizer.js';
import { systemHandlers } from './system.js';
import { textRecognizerHandlers } from './text-recognizer.js';
import type { EventHandler, NamespaceHandlers } from './types.js';

/** Event handlers by namespace; adding a namespace is one file plus one line here. */
export const HANDLERS: Readonly<Record<string, NamespaceHandlers>> = {
  Alerts: alertsHandlers,
  AudioPlayer: audioPlayerHandlers,
  DeviceControl: deviceControlHandlers,
  PlaybackController: playbackControllerHandlers,
  Settings: settingsHandlers,
  SpeechRecognizer: speechRecognizerHandlers,
  SpeechSynthesizer: speechSynthesizerHandlers,
  System: systemHandlers,
  TextRecognizer: textRecognizerHandlers,
};

/** The handler of `namespace.name`, or undefined for an unknown event. */
export function findHandler(namespace: string, name: string): EventHandler | undefined {
  const ns = Object.hasOwn(HANDLERS, namespace) ? HANDLERS[namespace] : undefined;
  return ns && Object.hasOwn(ns, name) ? ns[name] : undefined;
}

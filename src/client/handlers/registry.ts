import type { Directive } from '../../protocol/messages.js';
import { alertsHandler } from './alerts.js';
import { audioPlayerHandler } from './audio-player.js';
import { clovaHandler } from './clova.js';
import { deviceControlHandler } from './device-control.js';
import { notifierHandler } from './notifier.js';
import { playbackControllerHandler } from './playback-controller.js';
import { settingsHandler } from './settings.js';
import { speechRecognizerHandler } from './speech-recognizer.js';
import { speechSynthesizerHandler } from './speech-synthesizer.js';
import { systemHandler } from './system.js';
import { templateRuntimeHandler } from './template-runtime.js';
import type { HandlerContext, NamespaceHandler } from './types.js';

export type { HandlerContext, NamespaceHandler } from './types.js';

/** Every namespace this client knows; adding one is a new file plus a line here. */
export const namespaceHandlers: readonly NamespaceHandler[] = [
  alertsHandler,
  audioPlayerHandler,
  clovaHandler,
  deviceControlHandler,
  notifierHandler,
  playbackControllerHandler,
  settingsHandler,
  speechRecognizerHandler,
  speechSynthesizerHandler,
  systemHandler,
  templateRuntimeHandler,
];

const byNamespace = new Map(namespaceHandlers.map((h) => [h.namespace, h]));

/** True when the client understands this directive; unknown ones are skipped one by one (spec 4.3). */
export function isKnownDirective(directive: Directive): boolean {
  return byNamespace.get(directive.header.namespace)?.directives.has(directive.header.name) ?? false;
}

/** Applies a known directive's side effects through its namespace handler. */
export function applyDirective(directive: Directive, ctx: HandlerContext): void {
  byNamespace.get(directive.header.namespace)?.handle?.(directive, ctx);
}

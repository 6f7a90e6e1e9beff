import type { Directive } from '../../protocol/messages.js';
import { alertsHandler, describeAlerts } from './alerts.js';
import { audioPlayerHandler, describeAudioPlayer } from './audio-player.js';
import { clovaHandler, describeClova } from './clova.js';
import { describeDeviceControl, deviceControlHandler } from './device-control.js';
import { plainDescription, type DescribeOptions, type DirectiveDescriber, type DirectiveDescription } from './description.js';
import { describeNotifier, notifierHandler } from './notifier.js';
import { describeSpeechRecognizer, speechRecognizerHandler } from './speech-recognizer.js';
import { describeSpeechSynthesizer, speechSynthesizerHandler } from './speech-synthesizer.js';
import { describeSystem, systemHandler } from './system.js';

export type { DescribeOptions, DirectiveDescriber, DirectiveDescription } from './description.js';

/** The namespaces that say more about their directives than the name; each describer lives beside its handler. */
const describers: ReadonlyMap<string, DirectiveDescriber> = new Map([
  [alertsHandler.namespace, describeAlerts],
  [audioPlayerHandler.namespace, describeAudioPlayer],
  [clovaHandler.namespace, describeClova],
  [deviceControlHandler.namespace, describeDeviceControl],
  [notifierHandler.namespace, describeNotifier],
  [speechRecognizerHandler.namespace, describeSpeechRecognizer],
  [speechSynthesizerHandler.namespace, describeSpeechSynthesizer],
  [systemHandler.namespace, describeSystem],
]);

/** How a directive is shown to a person, as its namespace describes it (else its name, and its payload when verbose). */
export function describeDirective(d: Directive, options: DescribeOptions = {}): DirectiveDescription {
  return describers.get(d.header.namespace)?.(d, options) ?? plainDescription(d, options);
}

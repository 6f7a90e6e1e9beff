import type { ClientState } from '../../protocol/context.js';
import type { Directive } from '../../protocol/messages.js';
import type { MediaPlayer } from '../device/media.js';
import type { NotifierDevice } from '../device/notifier.js';
import type { AlertsDevice } from '../device/alerts-device.js';

/** What a namespace handler may do in response to a directive. */
export interface HandlerContext {
  /** Current client-reported state (volume etc.), mutable by handlers. */
  state: ClientState;
  /** Records the expectSpeechId of an ExpectSpeech so the next turn is a follow-up. */
  expectSpeech(info: { expectSpeechId: string; explicit: boolean; timeoutInMilliseconds?: number; dialogRequestId?: string }): void;
  /** Sends a report event (no dialogRequestId) after the directive, e.g. DeviceControl.ActionExecuted. */
  report(namespace: string, name: string, payload: Record<string, unknown>): void;
  /** Queues a Speak for playback; false when this client does not play speech. */
  speak(directive: Directive): boolean;
  /** StopCapture arrived: the upload of that dialog (or of every dialog, without an id) stops at once. */
  stopCapture(dialogRequestId: string | undefined): void;
  /** KeepRecording arrived: the server is still working on that dialog (restarts the answer timer). */
  keepRecording(dialogRequestId: string | undefined): void;
  /** A directive changed the volume or mute in `state`: what plays takes the new level. */
  volumeChanged?(): void;
  /** The device's music (a session that acts as a device); undefined: AudioPlayer is shown only. */
  media?: MediaPlayer;
  /** The device's notifications (a session that acts as a device); undefined: shown only. */
  notifier?: NotifierDevice;
  /** The device's alerts (a session: the client's `device` option); undefined: alerts are shown, not kept. */
  alerts?: AlertsDevice;
}

/** One namespace's knowledge: which directive names exist, and optional behaviour. */
export interface NamespaceHandler {
  namespace: string;
  /** Directive names this client understands in the namespace. */
  directives: ReadonlySet<string>;
  /** Applies a directive's side effects (state changes); must not throw on odd payloads. */
  handle?(directive: Directive, ctx: HandlerContext): void;
}

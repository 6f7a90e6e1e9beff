import type { DirectiveMessage, EventMessage } from '../../protocol/messages.js';
import type { ClientDevice } from '../device-state.js';
import type { DialogState } from '../dialog.js';
import type { FaultReader } from '../active-faults.js';
import type { RecordedAudio } from '../record.js';
import type { VoiceSettings } from '../voice-settings.js';
import type { ResponsePart } from '../wire.js';

/** The rest of an event request after its metadata part. */
export interface EventBody {
  /**
   * Receives the bytes of every later part as they arrive. Register it synchronously in the
   * handler: bytes that arrive while nobody listens are discarded.
   */
  onData(listener: (partName: string | undefined, chunk: Buffer) => void): void;
  /** Resolves when the client has ended the body; rejects when it is malformed or the stream is reset. */
  readonly ended: Promise<void>;
}

/** What a handler may use. */
export interface HandlerContext {
  /** Opaque per-client key (the bearer token; never log it). */
  readonly client: string;
  readonly dialog: DialogState;
  /** The faults in force (read only: counted faults are used up by the exchange, not by handlers). */
  readonly faults: FaultReader;
  readonly body: EventBody;
  readonly userAgent: string | undefined;
  /** How SpeechRecognizer.Recognize listens (VAD, recogniser, optional directives). */
  readonly voice: VoiceSettings;
  /** This client's device as the emulator knows it: alerts it set and that ring, media it sent and that plays. */
  readonly device: ClientDevice;
  /** `scheme://host:port` the client used to reach the emulator: the base of the URLs of served media. */
  readonly baseUrl: string;
  /** The emulator's clock (injectable for deterministic answers). */
  now(): Date;
  /** Writes a directive to this client's open downchannel: resolves once it was handed to the stream; undefined when there is none. */
  push(message: DirectiveMessage): Promise<void> | undefined;
  /** One log line (the emulator's request log). */
  log(line: string): void;
  /** Merges fields into this event's `audio` record (created on first use). */
  recordAudio(update: Partial<RecordedAudio>): void;
  /** Resets this request's stream (RST_STREAM INTERNAL_ERROR); `body.ended` then rejects and nothing is answered. */
  reset(): void;
}

/** What a handler answers. Errors are sent at once; 200/204 after the client has ended the body. */
export type HandlerResult =
  | { status: 204 }
  | {
      status: 200;
      parts: ResponsePart[];
      /** Answer without waiting for the body to end, then reset the stream (U-16 forced answer). */
      resetAfter?: boolean;
    }
  | { status: number; description: string };

/** Handles one event. */
export type EventHandler = (event: EventMessage, ctx: HandlerContext) => HandlerResult | Promise<HandlerResult>;

/** The handlers of one namespace, by event name. */
export type NamespaceHandlers = Readonly<Record<string, EventHandler>>;

/** Answers 204: for report-type events (spec 7.8). */
export const noContent: EventHandler = () => ({ status: 204 });

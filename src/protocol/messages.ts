import { L16_FORMAT } from './audio-format.js';
import { newId } from './ids.js';

/** Header of an event or a directive (spec 0.2). */
export interface MessageHeader {
  namespace: string;
  name: string;
  messageId: string;
  dialogRequestId?: string;
  [extra: string]: unknown;
}

/** A context object: client state sent with every event (spec 3.3). */
export interface ContextObject {
  header: { namespace: string; name: string };
  payload: Record<string, unknown>;
}

/** A client-to-CIC event message: the JSON of the `metadata` part. */
export interface EventMessage {
  context: ContextObject[];
  event: { header: MessageHeader; payload: Record<string, unknown> };
}

/** The inner object of a directive message. */
export interface Directive {
  header: MessageHeader;
  payload: Record<string, unknown>;
  [extra: string]: unknown;
}

/** A CIC-to-client directive message `{"directive":{...}}`. */
export interface DirectiveMessage {
  directive: Directive;
}

/** Options for building an event. */
export interface EventOptions {
  dialogRequestId?: string;
  messageId?: string;
  context?: ContextObject[];
}

/** Builds an event message with a fresh v4 messageId. */
export function buildEvent(
  namespace: string,
  name: string,
  payload: Record<string, unknown>,
  options: EventOptions = {},
): EventMessage {
  const header: MessageHeader = { namespace, name, messageId: options.messageId ?? newId() };
  if (options.dialogRequestId !== undefined) header.dialogRequestId = options.dialogRequestId;
  return { context: options.context ?? [], event: { header, payload } };
}

/** Payload of TextRecognizer.Recognize (spec 5.2). */
export interface TextRecognizePayload {
  text: string;
  speechId?: string;
  explicit?: boolean;
}

/** Builds TextRecognizer.Recognize; dialogRequestId is mandatory for it. */
export function buildTextRecognize(
  payload: TextRecognizePayload,
  dialogRequestId: string,
  context: ContextObject[],
): EventMessage {
  const p: Record<string, unknown> = { text: payload.text };
  if (payload.speechId !== undefined) p.speechId = payload.speechId;
  if (payload.explicit !== undefined) p.explicit = payload.explicit;
  return buildEvent('TextRecognizer', 'Recognize', p, { dialogRequestId, context });
}

/** Payload of SpeechRecognizer.Recognize (spec 5.1.1) as this client fills it. */
export interface SpeechRecognizePayload {
  lang: 'ko' | 'en' | 'ja';
  /** How the user started speaking (spec 5.1.1): TAP for a key press, PRESS_AND_HOLD while a key is held. */
  initiator?: 'TAP' | 'PRESS_AND_HOLD';
  speechId?: string;
  explicit?: boolean;
}

/**
 * Builds SpeechRecognizer.Recognize (spec 5.1.2, 5.1.4): CLOSE_TALK, L16 16 kHz mono, and an
 * initiator without `payload` (it is optional; a CLI has no stable deviceUUID worth inventing).
 */
export function buildSpeechRecognize(
  payload: SpeechRecognizePayload,
  dialogRequestId: string,
  context: ContextObject[],
): EventMessage {
  const p: Record<string, unknown> = { lang: payload.lang, profile: 'CLOSE_TALK', format: L16_FORMAT };
  if (payload.initiator !== undefined) p.initiator = { type: payload.initiator, inputSource: 'SELF' };
  if (payload.speechId !== undefined) p.speechId = payload.speechId;
  if (payload.explicit !== undefined) p.explicit = payload.explicit;
  return buildEvent('SpeechRecognizer', 'Recognize', p, { dialogRequestId, context });
}

/** Builds a directive message (used by the emulator). */
export function buildDirective(
  namespace: string,
  name: string,
  payload: Record<string, unknown>,
  dialogRequestId?: string,
): DirectiveMessage {
  const header: MessageHeader = { namespace, name, messageId: newId() };
  if (dialogRequestId !== undefined) header.dialogRequestId = dialogRequestId;
  return { directive: { header, payload } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks that a parsed JSON value is a directive message; returns it or a reason why not. */
export function asDirectiveMessage(value: unknown): DirectiveMessage | string {
  if (!isRecord(value) || !isRecord(value.directive)) return 'no "directive" object';
  const d = value.directive;
  if (!isRecord(d.header)) return 'directive has no header';
  const h = d.header;
  if (typeof h.namespace !== 'string' || typeof h.name !== 'string') return 'directive header lacks namespace/name';
  if (h.dialogRequestId !== undefined && typeof h.dialogRequestId !== 'string') return 'dialogRequestId is not a string';
  if (d.payload !== undefined && !isRecord(d.payload)) return 'directive payload is not an object';
  return value as unknown as DirectiveMessage;
}

/** Checks that a parsed JSON value is an event message (spec 7.4); returns it or a reason why not. */
export function asEventMessage(value: unknown): EventMessage | string {
  if (!isRecord(value)) return 'metadata is not a JSON object';
  if (!isRecord(value.event)) return 'metadata has no "event" object';
  const e = value.event;
  if (!isRecord(e.header)) return 'event has no header';
  const h = e.header;
  for (const k of ['namespace', 'name', 'messageId'] as const) {
    if (typeof h[k] !== 'string' || (h[k] as string).length === 0) return `event header lacks ${k}`;
  }
  if (!isRecord(e.payload)) return 'event has no payload object';
  if (value.context !== undefined && !Array.isArray(value.context)) return 'context is not an array';
  return { context: (value.context as ContextObject[] | undefined) ?? [], event: e as EventMessage['event'] };
}

/** `Namespace.Name` of a message header. */
export function qualifiedName(header: { namespace: string; name: string }): string {
  return `${header.namespace}.${header.name}`;
}

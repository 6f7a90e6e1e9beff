import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { EventMessage } from '../protocol/messages.js';

/** One HTTP/2 request stream of the client, as a wire observer sees it. */
export interface WireStream {
  /** The connection's number in this client (the `conn#N` of traces). */
  connectionId: number;
  /** The HTTP/2 stream id (0 when not known). */
  streamId: number;
  kind: 'event' | 'downchannel';
}

/**
 * Sees what goes over the wire, as it goes: every request (its headers as sent, credentials
 * included: an observer that keeps them must redact), the audio parts of a voice request, every
 * response's status, every JSON part and attachment byte of every response body (event answers and
 * downchannels, Clova.Hello and skipped directives included), and how each response ended. Told
 * synchronously, in order; an observer must not throw and must not keep what it is given
 * (`clova-cli --record` writes each call out as it comes).
 */
export interface WireObserver {
  /** A request stream was opened; `event` is the metadata of an event request. */
  requestSent?(stream: WireStream, headers: OutgoingHttpHeaders, event?: EventMessage): void;
  /** One audio part of a voice request was written. */
  audioSent?(stream: WireStream, chunk: Buffer): void;
  /** The request body was closed (`why`: for a voice request, what ended the upload). */
  requestEnded?(stream: WireStream, why?: string): void;
  /** Response headers arrived. */
  responseStarted?(stream: WireStream, status: number, headers: IncomingHttpHeaders): void;
  /** A complete JSON part of a response body (a directive, or whatever JSON the server sent), as parsed. */
  jsonPart?(stream: WireStream, value: unknown): void;
  /** An attachment part began, continued, ended. */
  attachmentBegin?(stream: WireStream, contentId: string, mediaType: string): void;
  attachmentData?(stream: WireStream, contentId: string, chunk: Buffer): void;
  attachmentEnd?(stream: WireStream, contentId: string): void;
  /** The response ended: cleanly, with an error status (its System.Exception description), or broken off. */
  responseEnded?(stream: WireStream, outcome: { error?: string; description?: string }): void;
}

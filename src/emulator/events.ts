import { createHash, type Hash } from 'node:crypto';
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { multipartBoundary } from '../protocol/content-type.js';
import { MultipartError } from '../protocol/errors.js';
import { JsonPartAccumulator } from '../protocol/json-part.js';
import { asEventMessage, qualifiedName, type DirectiveMessage, type EventMessage } from '../protocol/messages.js';
import { MultipartDecoder } from '../protocol/multipart-decoder.js';
import type { ClientDevices } from './device-state.js';
import type { EventHandler } from './handlers/types.js';
import type { DialogState } from './dialog.js';
import { requestBaseUrl } from './media-library.js';
import type { ActiveFaults } from './active-faults.js';
import { findHandler } from './handlers/registry.js';
import type { EventBody, HandlerContext, HandlerResult } from './handlers/types.js';
import type { RecordedAudio, RecordedEvent, RecordedPart, RecordedRequest, Recorder } from './record.js';
import type { VoiceSettings } from './voice-settings.js';
import { arrangeParts, sendEmpty, sendException, sendMultipart, wireStyle } from './wire.js';

/** What an event exchange needs from the emulator. */
export interface EventServices {
  readonly recorder: Recorder;
  readonly dialog: DialogState;
  faults(): ActiveFaults;
  now(): Date;
  log(line: string): void;
  /** Writes to the client's open downchannel; false when it has none. */
  push(client: string, message: DirectiveMessage): Promise<void> | undefined;
  /** A new seed for the `shuffle` fault. */
  nextSeed(): number;
  /** Resolves after `ms`, or at once when the emulator closes. */
  sleep(ms: number): Promise<void>;
  /** How SpeechRecognizer.Recognize listens. */
  readonly voice: VoiceSettings;
  /** Every client's device as the emulator knows it (alerts, media). */
  readonly devices: ClientDevices;
  /** The emulator's own URL, for served media when a request does not tell how it reached it. */
  baseUrl(): string;
  /** Answers every event instead of the namespace handlers (a replay, emulator/replay.ts). */
  answerer?(event: EventMessage): EventHandler;
}

const DECODE_FAILED = 'Could not decode multipart';

/** Why the body promise rejected: nothing more to answer. */
class BodyAborted extends Error {}

/**
 * One `POST /v1/events` exchange: decodes the multipart body as it streams in, records the event,
 * runs its handler and answers (spec 3, 7.4-7.9).
 */
export class EventExchange {
  private readonly stream: ServerHttp2Stream;
  private readonly request: RecordedRequest;
  private readonly client: string;
  private readonly userAgent: string | undefined;
  private readonly baseUrl: string;
  private readonly services: EventServices;
  private readonly rawContentType: string;
  private decoder: MultipartDecoder | undefined;
  private metadata: JsonPartAccumulator | undefined;
  private readonly metadataPart: RecordedPart = { name: 'metadata', contentType: '', bytes: 0 };
  private partIndex = 0;
  private currentPart: RecordedPart | undefined;
  /** When the current part's last body byte arrived. */
  private lastDataAt: number | undefined;
  private audioHash: Hash | undefined;
  private bodyEndedAt: number | undefined;
  private dispatched = false;
  private recorded: RecordedEvent | undefined;
  private answered = false;
  private failed = false;
  private bodyDone = false;
  private readonly listeners: ((partName: string | undefined, chunk: Buffer) => void)[] = [];
  private resolveEnded!: () => void;
  private rejectEnded!: (err: Error) => void;
  private readonly ended: Promise<void>;

  constructor(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    request: RecordedRequest,
    client: string,
    services: EventServices,
  ) {
    this.stream = stream;
    this.request = request;
    this.client = client;
    this.services = services;
    this.userAgent = headers['user-agent'];
    this.baseUrl = requestBaseUrl(headers, services.baseUrl());
    this.rawContentType = headers['content-type'] ?? '';
    this.ended = new Promise<void>((resolve, reject) => {
      this.resolveEnded = resolve;
      this.rejectEnded = reject;
    });
    this.ended.catch(() => undefined);
  }

  /** Starts reading the request. */
  start(): void {
    const boundary = multipartBoundary(this.rawContentType, ['multipart/form-data']);
    this.stream.on('data', (chunk: Buffer) => this.onData(chunk));
    this.stream.on('end', () => this.onEnd());
    this.stream.on('close', () => {
      this.refreshAudioDigest();
      if (!this.bodyDone) this.rejectEnded(new BodyAborted('the request stream closed before its body ended'));
    });
    if (!boundary) {
      this.fail(`content-type ${JSON.stringify(this.rawContentType)} is not multipart/form-data with a boundary`);
      return;
    }
    this.decoder = new MultipartDecoder(boundary, {
      partBegin: (h) => {
        this.partIndex++;
        this.lastDataAt = undefined;
        if (this.partIndex === 1) {
          if (h.dispositionName !== 'metadata' || !h.isJson) throw new MultipartError('the first part is not name="metadata" JSON');
          this.metadata = new JsonPartAccumulator();
          this.metadataPart.contentType = h.get('content-type') ?? '';
          return;
        }
        const part: RecordedPart = { name: h.dispositionName, contentType: h.get('content-type') ?? '', bytes: 0 };
        this.currentPart = part;
        if (this.recorded) {
          this.services.recorder.addPart(this.recorded, part);
          if (part.name === 'audio') this.audioRecord();
          this.services.recorder.changed();
        }
      },
      partData: (chunk) => {
        if (chunk.length > 0) this.lastDataAt = Date.now();
        if (this.partIndex === 1) {
          this.metadataPart.bytes += chunk.length;
          if (!this.metadata!.add(chunk)) throw new MultipartError('the metadata part is too large');
          return;
        }
        const part = this.currentPart!;
        part.bytes += chunk.length;
        if (part.name === 'audio' && this.recorded) {
          const audio = this.audioRecord();
          audio.bytes += chunk.length;
          this.audioHash!.update(chunk);
        }
        for (const l of this.listeners) l(part.name, chunk);
        if (this.recorded) this.services.recorder.changed();
      },
      partEnd: () => {
        const part = this.partIndex === 1 ? this.metadataPart : this.currentPart!;
        part.at = this.lastDataAt ?? Date.now();
        if (part.name === 'audio') this.refreshAudioDigest();
        if (this.recorded) this.services.recorder.changed();
        if (this.partIndex === 1 && !this.dispatched) {
          let json: unknown;
          try {
            json = this.metadata!.parse();
          } catch {
            throw new MultipartError('the metadata part is not valid JSON');
          }
          this.dispatch(json);
        }
      },
    });
  }

  private onData(chunk: Buffer): void {
    if (this.failed || !this.decoder) return;
    try {
      this.decoder.write(chunk);
      // Hand the event out as soon as its JSON is complete rather than when the next delimiter arrives.
      if (this.partIndex === 1 && !this.dispatched && this.decoder.inBody) {
        const early = this.metadata!.tryEarly(this.decoder.heldBack());
        if (early !== undefined) {
          this.metadata!.deliveredEarly = true;
          this.dispatch(early);
        }
      }
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  private onEnd(): void {
    // Node also ends the readable side when the server closes the stream itself (reset, forced
    // answer); only an end while the stream is open is the client's END_STREAM.
    if (this.stream.closed || this.stream.destroyed) return;
    this.bodyDone = true;
    this.bodyEndedAt = Date.now();
    if (this.recorded?.audio) {
      this.recorded.audio.bodyEndedAt = this.bodyEndedAt;
      this.services.recorder.changed();
    }
    if (this.failed || !this.decoder) return;
    try {
      this.decoder.end();
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
      return;
    }
    if (!this.dispatched) {
      this.fail('the body has no metadata part');
      return;
    }
    this.refreshAudioDigest();
    this.resolveEnded();
  }

  /** The record of this event's audio, created on first use (needs `recorded`). */
  private audioRecord(): RecordedAudio {
    const rec = this.recorded!;
    if (!rec.audio) {
      this.audioHash = createHash('sha256');
      rec.audio = { bytes: 0, sha256: this.audioHash.copy().digest('hex'), shownTexts: [] };
      if (this.bodyEndedAt !== undefined) rec.audio.bodyEndedAt = this.bodyEndedAt;
    }
    return rec.audio;
  }

  /** Brings `audio.sha256` up to date with the bytes hashed so far. */
  private refreshAudioDigest(): void {
    const audio = this.recorded?.audio;
    if (!audio || !this.audioHash) return;
    audio.sha256 = this.audioHash.copy().digest('hex');
    this.services.recorder.changed();
  }

  /** A malformed body: answer 400 if nothing was answered yet, and keep draining what still comes. */
  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.rejectEnded(new BodyAborted(reason));
    this.services.log(`${this.where()} multipart error: ${reason}`);
    void this.answer({ status: 400, description: DECODE_FAILED }, false);
  }

  private dispatch(json: unknown): void {
    this.dispatched = true;
    const message = asEventMessage(json);
    if (typeof message === 'string') {
      void this.answer({ status: 400, description: message }, false);
      return;
    }
    this.recorded = {
      connectionId: this.request.connectionId,
      streamId: this.request.streamId,
      message,
      parts: [this.metadataPart],
      partCount: 1,
      at: Date.now(),
      rawContentType: this.rawContentType,
    };
    this.services.recorder.add('events', this.recorded);
    this.services.recorder.changed();

    const faults = this.services.faults();
    const injected = faults.take('event-status');
    if (injected) {
      this.services.log(`${this.where()} fault event-status: answering ${injected.status}`);
      void this.answer(
        injected.status === 204 ? { status: 204 } : { status: injected.status, description: `Injected fault: status ${injected.status}` },
        true,
      );
      return;
    }
    const { namespace, name } = message.event.header;
    const handler = this.services.answerer ? this.services.answerer(message) : findHandler(namespace, name);
    if (!handler) {
      void this.answer({ status: 400, description: 'Unknown event' }, true);
      return;
    }
    let result: HandlerResult | Promise<HandlerResult>;
    try {
      // Synchronously, so that a handler's onData listener sees every later part.
      result = handler(message, this.context(faults));
    } catch (err) {
      this.internalError(err);
      return;
    }
    Promise.resolve(result)
      .then((r) => this.finish(r))
      .catch((err: unknown) => {
        if (!(err instanceof BodyAborted)) this.internalError(err);
      });
  }

  private context(faults: ActiveFaults): HandlerContext {
    const body: EventBody = {
      onData: (l) => {
        this.listeners.push(l);
      },
      ended: this.ended,
    };
    return {
      client: this.client,
      dialog: this.services.dialog,
      faults,
      body,
      userAgent: this.userAgent,
      voice: this.services.voice,
      device: this.services.devices.of(this.client),
      baseUrl: this.baseUrl,
      now: () => this.services.now(),
      push: (m) => this.services.push(this.client, m),
      log: (line) => this.services.log(`${this.where()} ${line}`),
      recordAudio: (update) => {
        if (!this.recorded) return;
        Object.assign(this.audioRecord(), update);
        this.services.recorder.changed();
      },
      reset: () => {
        if (this.stream.destroyed || this.stream.closed) return;
        this.answered = true; // nothing more will be sent on this stream
        this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      },
    };
  }

  private async finish(result: HandlerResult): Promise<void> {
    if (this.answered) return;
    if ('parts' in result && result.resetAfter) {
      await this.answer(result, true);
      if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_NO_ERROR);
      return;
    }
    if (result.status < 400) {
      try {
        await this.ended; // answer once the client has sent everything (spec 3.5.2 step 6)
      } catch {
        return; // already answered 400, or the stream is gone
      }
    }
    await this.answer(result, true);
  }

  private internalError(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    this.services.log(`${this.where()} handler failed: ${msg}`);
    void this.answer({ status: 500, description: `Internal emulator error: ${msg}` }, true);
  }

  /** Sends the answer (after `event-delay` when `delayed`); only the first answer counts. */
  private async answer(answer: HandlerResult, delayed: boolean): Promise<void> {
    if (this.answered) return;
    this.answered = true;
    const faults = this.services.faults();
    const delay = delayed ? faults.get('event-delay') : undefined;
    if (delay && delay.ms > 0) await this.services.sleep(delay.ms);
    if (this.stream.destroyed || this.stream.closed) return;
    this.request.status = answer.status;
    if (this.recorded) this.recorded.status = answer.status;
    this.services.recorder.changed();
    const style = wireStyle(faults);
    if ('parts' in answer) {
      const parts = arrangeParts(answer.parts, faults, this.services.nextSeed());
      const device = this.services.devices.of(this.client);
      for (const p of parts) {
        if (p.kind === 'directive') device.sent(p.message);
        if (p.kind !== 'attachment') continue;
        this.services.recorder.add('attachments', {
          connectionId: this.request.connectionId,
          streamId: this.request.streamId,
          contentId: p.contentId,
          bytes: p.bytes.length,
          sha256: createHash('sha256').update(p.bytes).digest('hex'),
          at: Date.now(),
        });
      }
      this.services.recorder.changed();
      this.logAnswer(answer.status, `(${parts.length} parts)`);
      await sendMultipart(this.stream, answer.status, parts, style);
    } else if ('description' in answer) {
      this.logAnswer(answer.status, answer.description);
      await sendException(this.stream, answer.status, answer.description, style);
    } else {
      this.logAnswer(answer.status, '');
      sendEmpty(this.stream, answer.status);
    }
  }

  private logAnswer(status: number, detail: string): void {
    const name = this.recorded ? ` ${qualifiedName(this.recorded.message.event.header)}` : '';
    this.services.log(`${this.where()} POST /v1/events${name} -> ${status}${detail ? ` ${detail}` : ''}`);
  }

  private where(): string {
    return `conn ${this.request.connectionId} stream ${this.request.streamId}`;
  }
}

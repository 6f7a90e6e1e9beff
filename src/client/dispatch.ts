import { qualifiedName, type DirectiveMessage } from '../protocol/messages.js';
import type { AttachmentSink } from './attachments.js';
import { DialogRouter } from './dialog-router.js';
import { applyDirective, isKnownDirective, type HandlerContext } from './handlers/registry.js';
import { ResponseReader, type AudioInfo } from './response-reader.js';
import type { WireObserver } from './wire-observer.js';
import type { TurnTimer } from './timings.js';

/** A directive handed to the user, with where it came from. */
export interface ReceivedDirective {
  message: DirectiveMessage;
  source: 'event' | 'downchannel';
  connectionId: number;
}

/** A directive that was not handed on, and why. */
export interface SkippedDirective {
  message: DirectiveMessage;
  reason: 'stale' | 'unknown';
}

/** The payload of a System.Exception, as the server sent it (untrusted). */
export interface SystemException {
  code?: unknown;
  description?: string;
}

/**
 * One response body that directives come from: an event's answer or a downchannel. The dispatch
 * counts what it handed on from it and keeps the System.Exception it carried.
 */
export interface DirectiveOrigin {
  source: 'event' | 'downchannel';
  connectionId: number;
  /** The HTTP/2 stream the body arrives on (for a wire observer; 0 or undefined when not known). */
  streamId?: number;
  /** How trace lines of this body begin, e.g. `conn#1 stream 3` or `conn#1 downchannel`. */
  label: string;
  /** The event answered carried no dialogRequestId: its directives are processed regardless (spec 4.3). */
  answersEventWithoutDialog?: boolean;
  /** Set on a downchannel until its greeting: the first Clova.Hello goes here, not to the user (spec 2.2). */
  hello?: () => void;
  /** Directives handed on so far. */
  delivered: number;
  /** The (last) System.Exception in the body, if any. */
  exception?: SystemException;
  /** The turn this body answers, timed (--timings): its first directive and first speech byte. */
  timer?: TurnTimer;
}

/** Where the dispatch sends what it decided. */
export interface DispatchHooks {
  directive(d: ReceivedDirective): void;
  skipped(d: SkippedDirective): void;
  /** A complete attachment of a delivered directive. */
  audio(info: AudioInfo): void;
  trace(line: string): void;
  notice(line: string): void;
}

/** What a connection asks of the dispatch: a reader for a body it received. */
export interface DirectiveIntake {
  /** A reader whose directives and attachments go through the dispatch. */
  reader(boundary: string, origin: DirectiveOrigin): ResponseReader;
  /** Sees requests and responses on the wire, if anyone watches (CicClient's `wire` option). */
  readonly wire?: WireObserver;
}

/**
 * The one path of every directive, from whichever stream it came (as the AVS SDK's
 * MessageInterpreter → DirectiveSequencer → DirectiveProcessor): the downchannel's greeting is
 * taken aside, a System.Exception is noted for the request it answers, directives of an older
 * dialog (spec 4.3) and unknown ones are skipped one by one, and the rest go to their namespace's
 * handler and then to the user.
 */
export class DirectiveDispatch implements DirectiveIntake {
  /** The dialogs this client started, and which one is current. */
  readonly router = new DialogRouter();

  constructor(
    private readonly handlers: HandlerContext,
    private readonly hooks: DispatchHooks,
    private readonly sink: AttachmentSink | undefined,
    /** Sees every part of every body (CicClient's `wire` option). */
    readonly wire?: WireObserver,
  ) {}

  /** A reader for one body; the downchannel's hands each JSON part on as soon as it is complete. */
  reader(boundary: string, origin: DirectiveOrigin): ResponseReader {
    const { label, timer } = origin;
    return new ResponseReader(
      boundary,
      {
        directive: (m) => this.dispatch(m, origin),
        audio: (a) => this.hooks.audio(a),
        trace: (l) => this.hooks.trace(`${label}: ${l}`),
        notice: (l) => this.hooks.notice(l),
        attachmentData: timer ? () => timer.mark('firstSpeechByte') : undefined,
      },
      this.sink,
      origin.source === 'downchannel',
      this.wire ? { observer: this.wire, stream: { connectionId: origin.connectionId, streamId: origin.streamId ?? 0, kind: origin.source } } : undefined,
    );
  }

  /** Decides one directive's fate; 'discard' also drops the attachment it cites. */
  dispatch(message: DirectiveMessage, origin: DirectiveOrigin): 'deliver' | 'discard' {
    const d = message.directive;
    const name = qualifiedName(d.header);
    origin.timer?.mark('firstDirective');
    if (origin.source === 'downchannel') this.hooks.trace(`${origin.label}: ${name}`);
    if (origin.hello && d.header.namespace === 'Clova' && d.header.name === 'Hello') {
      const greeted = origin.hello;
      origin.hello = undefined;
      greeted();
      return 'discard';
    }
    if (d.header.namespace === 'System' && d.header.name === 'Exception') {
      const p = d.payload ?? {};
      origin.exception = { code: p.code, description: typeof p.description === 'string' ? p.description : undefined };
    }
    if (this.router.route(d.header, origin.answersEventWithoutDialog === true) === 'stale') {
      this.hooks.trace(`skip ${name}: dialogRequestId ${d.header.dialogRequestId} belongs to an older dialog`);
      this.hooks.skipped({ message, reason: 'stale' });
      return 'discard';
    }
    if (!isKnownDirective(d)) {
      this.hooks.trace(`skip ${name}: unknown directive`);
      this.hooks.skipped({ message, reason: 'unknown' });
      return 'discard';
    }
    try {
      applyDirective(d, this.handlers);
    } catch (err) {
      this.hooks.trace(`handler for ${name} failed: ${(err as Error).message}`);
    }
    this.hooks.trace(`directive ${name} (${origin.source}${d.header.dialogRequestId ? `, dialogRequestId=${d.header.dialogRequestId}` : ''})`);
    this.hooks.directive({ message, source: origin.source, connectionId: origin.connectionId });
    origin.delivered++;
    return 'deliver';
  }
}

import { performance } from 'node:perf_hooks';

// Where the time of a turn went (`--timings`): marks taken with performance.now() (sub-millisecond,
// monotonic) at the points the client already passes, collected in one small object per turn and
// per connection and handed out as the client's `timing` event when the turn has ended.

/** The stages of one turn, in the order they usually happen (ms from the start of the request). */
export const TURN_STAGES = [
  'headersSent',
  'firstAudio',
  'lastAudio',
  'stopCapture',
  'bodyClosed',
  'responseHeaders',
  'firstDirective',
  'firstSpeechByte',
  'lastByte',
] as const;
export type TurnStage = (typeof TURN_STAGES)[number];

/** The phases of opening a connection (ms from the start of the connection attempt). */
export const CONNECTION_STAGES = ['tcp', 'tls', 'settings', 'hello'] as const;
export type ConnectionStage = (typeof CONNECTION_STAGES)[number];

/**
 * Which stage each stage cannot come before, where that is defined: the body closes after the
 * headers and the audio went out, the answer's bytes come after its headers, StopCapture after the
 * audio part it answers. (Response headers may come before any audio: a server answers at once.)
 */
export const STAGE_ORDER: ReadonlyArray<readonly [TurnStage, TurnStage]> = [
  ['headersSent', 'firstAudio'],
  ['firstAudio', 'lastAudio'],
  ['lastAudio', 'stopCapture'],
  ['headersSent', 'bodyClosed'],
  ['lastAudio', 'bodyClosed'],
  ['headersSent', 'responseHeaders'],
  ['responseHeaders', 'firstDirective'],
  ['responseHeaders', 'firstSpeechByte'],
  ['firstDirective', 'lastByte'],
  ['firstSpeechByte', 'lastByte'],
  ['responseHeaders', 'lastByte'],
];

/** The opening of one connection, as told with the first turn on it. */
export interface ConnectionTiming {
  /** The connection's number in its client (conn#N). */
  id: number;
  /** ms from the start of the attempt: TCP connected, TLS done (https only), HTTP/2 SETTINGS, Clova.Hello. */
  stages: Partial<Record<ConnectionStage, number>>;
}

/** Where the time of one turn went: the client's `timing` event. */
export interface TurnTiming {
  /** The event's qualified name, e.g. `TextRecognizer.Recognize`. */
  event: string;
  dialogRequestId?: string;
  connectionId?: number;
  streamId?: number;
  /** ms from the start of the request (the event about to be sent) to each stage that happened. */
  stages: Partial<Record<TurnStage, number>>;
  /** ms from the last audio part sent before StopCapture to StopCapture's arrival. */
  stopCaptureAfterLastAudioMs?: number;
  /** The opening of the connection, on the first turn it carried. */
  connection?: ConnectionTiming;
}

/** Rounded to the microsecond: sub-millisecond, without the float noise. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Marks of one connection's opening. */
export class ConnectionTimer {
  readonly start = performance.now();
  private readonly marks: Partial<Record<ConnectionStage, number>> = {};
  /** True once a turn has told it. */
  told = false;

  constructor(readonly id: number) {}

  mark(stage: ConnectionStage): void {
    this.marks[stage] ??= performance.now();
  }

  timing(): ConnectionTiming {
    const stages: Partial<Record<ConnectionStage, number>> = {};
    for (const s of CONNECTION_STAGES) {
      const at = this.marks[s];
      if (at !== undefined) stages[s] = ms(at - this.start);
    }
    return { id: this.id, stages };
  }
}

/** Marks of one turn: each stage once (the first time), but `lastAudio` every time a part goes. */
export class TurnTimer {
  private start = performance.now();
  private marks: Partial<Record<TurnStage, number>> = {};
  private connection: ConnectionTimer | undefined;
  private connectionId: number | undefined;
  private streamId: number | undefined;
  private audioBeforeStop: number | undefined;

  constructor(
    readonly event: string,
    readonly dialogRequestId: string | undefined,
  ) {}

  mark(stage: TurnStage): void {
    const now = performance.now();
    if (stage === 'lastAudio') {
      if (this.marks.stopCapture === undefined) this.marks.lastAudio = now;
      this.marks.firstAudio ??= now;
      return;
    }
    if (stage === 'stopCapture' && this.marks.stopCapture === undefined) this.audioBeforeStop = this.marks.lastAudio;
    this.marks[stage] ??= now;
  }

  /** The request goes out (again, after a refusal) on `conn`: what an earlier attempt marked is forgotten. */
  attempt(connectionId: number, connection: ConnectionTimer | undefined): void {
    this.start = performance.now();
    this.marks = {};
    this.audioBeforeStop = undefined;
    this.connectionId = connectionId;
    this.connection = connection;
  }

  stream(id: number | undefined): void {
    this.streamId = id;
  }

  /** The turn's timing; the connection's opening is told with the first turn on it only. */
  timing(): TurnTiming {
    const stages: Partial<Record<TurnStage, number>> = {};
    for (const s of TURN_STAGES) {
      const at = this.marks[s];
      if (at !== undefined) stages[s] = ms(Math.max(0, at - this.start));
    }
    const t: TurnTiming = { event: this.event, stages };
    if (this.dialogRequestId !== undefined) t.dialogRequestId = this.dialogRequestId;
    if (this.connectionId !== undefined) t.connectionId = this.connectionId;
    if (this.streamId !== undefined) t.streamId = this.streamId;
    if (this.marks.stopCapture !== undefined && this.audioBeforeStop !== undefined) {
      t.stopCaptureAfterLastAudioMs = ms(this.marks.stopCapture - this.audioBeforeStop);
    }
    if (this.connection && !this.connection.told) {
      this.connection.told = true;
      t.connection = this.connection.timing();
    }
    return t;
  }
}

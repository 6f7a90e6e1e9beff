import { buildDirective } from '../protocol/messages.js';
import type { HandlerContext } from './handlers/types.js';
import type { RecordedAudio } from './record.js';
import { DecodeAbortedError } from './speech-to-text.js';
import { BYTES_PER_MS, VoiceActivityDetector, type SpeechSpan } from './vad.js';
import type { VoiceSettings } from './voice-settings.js';

/** What a capture uses of its handler's context. */
export type CaptureContext = Pick<HandlerContext, 'voice' | 'faults' | 'body' | 'log' | 'push' | 'recordAudio' | 'reset'>;

/** Interim texts kept (the last ones): under `stop-capture-after=600000` one could come every second for 10 min. */
const MAX_SHOWN = 100;
/** How long the answer waits for StopCapture to be handed to a downchannel the client may have stopped reading. */
const STOP_CAPTURE_FLUSH_MS = 2000;

/** Resolves when `work` settles or after `ms`, whichever is first. */
function boundedWait(work: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Audio kept around the speech for the recogniser: 300 ms each side. */
const MARGIN_BYTES = 300 * BYTES_PER_MS;

/** What ended the utterance (the record's `endOfSpeech`). */
export type EndOfSpeech = NonNullable<RecordedAudio['endOfSpeech']>;

/** What the emulator made of the audio of one Recognize. */
export type Heard =
  | { kind: 'text'; text: string; speechBytes: number }
  | { kind: 'no-speech'; audioBytes: number }
  | {
      kind: 'unrecognised';
      speechBytes: number;
      /** off: recognition turned off; unavailable: pocketsphinx missing; no-match: it heard nothing it knows; failed: it crashed or timed out. */
      why: 'off' | 'unavailable' | 'no-match' | 'failed';
    };

/** "1.5" for 48,000 bytes: seconds of L16 audio with one decimal. */
export function audioSeconds(bytes: number): string {
  return String(Math.round(bytes / (BYTES_PER_MS * 100)) / 10);
}

/** "1 second", "1.5 seconds": an amount of L16 audio for answers. */
export function secondsOfAudio(bytes: number): string {
  const s = audioSeconds(bytes);
  return `${s} second${s === '1' ? '' : 's'}`;
}

/**
 * The audio side of one SpeechRecognizer.Recognize (spec 3.5, 5.1, 7.5): feeds the `audio` parts to
 * the VAD, decides the end of speech (in priority order: the `stop-capture-after` fault, the VAD, the
 * no-speech timeout, the 10 s cap, the client ending its body), pushes interim
 * `ShowRecognizedText`s, recognises the utterance, then pushes `StopCapture` (unless the
 * `no-stop-capture` fault says otherwise). Audio after the end is read and discarded (spec 3.5.4).
 * Construct it synchronously in the handler so that it sees every audio byte.
 */
export class VoiceCapture {
  /** Resolves with what was heard once the end of speech is handled (StopCapture pushed or skipped). */
  readonly heard: Promise<Heard>;
  /** Resolves `answerDeadlineMs` after StopCapture was pushed; never without a StopCapture. */
  readonly deadline: Promise<void>;
  private readonly ctx: CaptureContext;
  private readonly settings: VoiceSettings;
  private readonly dialogRequestId: string;
  private readonly vad: VoiceActivityDetector;
  private readonly stopAfterBytes: number | undefined;
  private readonly resetAfterBytes: number | undefined;
  private readonly noStopCapture: boolean;
  /** The audio kept for decoding, bounded by the cap. */
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private readonly keepLimit: number;
  private bytes = 0;
  private decided: EndOfSpeech | undefined;
  private disposed = false;
  private wasReset = false;
  private resolveHeard!: (h: Heard) => void;
  private resolveDeadline!: () => void;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private interim: AbortController | undefined;
  private interimFrom: number | undefined;
  private interimBroken = false;
  private final: AbortController | undefined;
  private readonly shown: string[] = [];

  constructor(ctx: CaptureContext, dialogRequestId: string) {
    this.ctx = ctx;
    this.settings = ctx.voice;
    this.dialogRequestId = dialogRequestId;
    this.keepLimit = Math.round(this.settings.vad.maxAudioMs * BYTES_PER_MS);
    this.heard = new Promise((resolve) => (this.resolveHeard = resolve));
    this.deadline = new Promise((resolve) => (this.resolveDeadline = resolve));
    const stopAfter = ctx.faults.get('stop-capture-after');
    const reset = ctx.faults.get('reset-recognize');
    // In scripted mode the VAD only locates the speech: its timeouts must not fire before the fault.
    this.vad = new VoiceActivityDetector(
      stopAfter ? { ...this.settings.vad, noSpeechMs: stopAfter.ms, maxAudioMs: stopAfter.ms } : this.settings.vad,
    );
    this.noStopCapture = ctx.faults.has('no-stop-capture');
    this.stopAfterBytes = stopAfter ? stopAfter.ms * BYTES_PER_MS : undefined;
    this.resetAfterBytes = reset ? reset.ms * BYTES_PER_MS : undefined;
    ctx.recordAudio({});
    ctx.body.onData((name, chunk) => {
      if (name === 'audio') this.audio(chunk);
    });
    // Faults at 0 ms act before any audio (U-15: StopCapture may come before any audio).
    if (this.resetAfterBytes === 0) this.reset();
    else if (this.stopAfterBytes === 0) this.decide('fault');
  }

  /** The client ended its body: the end of speech if nothing ended it before (spec 7.5 (d)). */
  clientEnded(): void {
    this.decide('client');
  }

  /** Stops timers and decoders; nothing is pushed after this. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.deadlineTimer);
    this.interim?.abort();
    this.final?.abort();
  }

  private audio(chunk: Buffer): void {
    if (this.disposed || this.wasReset) return;
    const before = this.bytes;
    this.bytes += chunk.length;
    if (this.resetAfterBytes !== undefined && this.bytes >= this.resetAfterBytes) {
      this.reset();
      return;
    }
    if (this.decided) return; // read and discarded (spec 3.5.4)
    if (this.keptBytes < this.keepLimit) {
      const piece = chunk.subarray(0, this.keepLimit - this.keptBytes);
      this.kept.push(Buffer.from(piece));
      this.keptBytes += piece.length;
    }
    // Scripted mode (spec 7.5 (a)): the VAD still locates the speech, but only the fault ends it.
    const scripted = this.stopAfterBytes !== undefined;
    const judged = scripted ? chunk.subarray(0, this.stopAfterBytes! - before) : chunk;
    for (const event of this.vad.push(judged)) {
      if (event.type === 'speech') {
        this.interimFrom = event.startByte;
        this.ctx.log(`voice: speech from ${audioSeconds(event.startByte)} s of audio`);
      } else if (!scripted) this.decide(event.reason, event.atByte);
    }
    if (scripted && this.bytes >= this.stopAfterBytes!) this.decide('fault', this.stopAfterBytes);
    if (!this.decided) this.maybeInterim();
  }

  private reset(): void {
    this.wasReset = true;
    this.ctx.log(`fault reset-recognize: stream reset after ${audioSeconds(this.bytes)} s of audio`);
    this.ctx.recordAudio({ resetAt: Date.now() });
    this.dispose();
    this.ctx.reset();
  }

  /** The kept audio from `start` to `end` bytes. */
  private pcm(start: number, end: number): Buffer {
    const all = Buffer.concat(this.kept, this.keptBytes);
    return all.subarray(Math.max(0, start), Math.min(end, all.length));
  }

  /** Starts an interim decode when speech is on, none runs, and a second of audio passed since the last. */
  private maybeInterim(): void {
    const { recognizer, showRecognizedText, interimEveryMs } = this.settings;
    if (!recognizer || !showRecognizedText || this.interimBroken || this.interim || this.interimFrom === undefined) return;
    if (this.bytes - this.interimFrom < interimEveryMs * BYTES_PER_MS) return;
    this.interimFrom = this.bytes;
    const abort = new AbortController();
    this.interim = abort;
    recognizer
      .decode(this.pcm(this.vad.speech!.startByte - MARGIN_BYTES, this.bytes), { partial: true, signal: abort.signal })
      .then((text) => {
        if (!this.decided && !this.disposed && text !== '') this.show(text);
      })
      .catch((err: unknown) => {
        if (err instanceof DecodeAbortedError) return;
        this.interimBroken = true;
        this.ctx.log(`voice: interim decode failed, no more interim results: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        if (this.interim === abort) this.interim = undefined;
      });
  }

  /** Pushes ShowRecognizedText unless it repeats the last one. */
  private show(text: string): void {
    if (!this.settings.showRecognizedText || this.shown.at(-1) === text) return;
    const delivered = this.ctx.push(buildDirective('SpeechRecognizer', 'ShowRecognizedText', { text }, this.dialogRequestId));
    if (delivered === undefined) return;
    this.shown.push(text);
    if (this.shown.length > MAX_SHOWN) this.shown.shift();
    this.ctx.recordAudio({ shownTexts: [...this.shown] });
    this.ctx.log(`ShowRecognizedText ${this.dialogRequestId} "${text}"`);
  }

  private decide(reason: EndOfSpeech, atByte = this.bytes): void {
    if (this.decided || this.disposed) return;
    this.decided = reason;
    this.interim?.abort();
    const speech = this.vad.speech;
    this.ctx.recordAudio(speech ? { endOfSpeech: reason, speech } : { endOfSpeech: reason });
    const at = `at ${audioSeconds(atByte)} s of audio`;
    const what = speech
      ? `speech ${audioSeconds(speech.startByte)}-${audioSeconds(speech.endByte)} s`
      : 'no speech';
    this.ctx.log(`voice: end of speech (${describe(reason)}) ${at}, ${what}`);
    void this.conclude(atByte, speech).then(this.resolveHeard);
  }

  private async conclude(atByte: number, speech: SpeechSpan | undefined): Promise<Heard> {
    const heard: Heard = speech
      ? await this.recognise(speech.startByte - MARGIN_BYTES, Math.min(atByte, speech.endByte + MARGIN_BYTES), speech.endByte - speech.startByte)
      : { kind: 'no-speech', audioBytes: atByte };
    if (this.disposed) return heard;
    if (heard.kind === 'text') this.show(heard.text);
    if (this.noStopCapture) {
      this.ctx.log(`fault no-stop-capture: StopCapture ${this.dialogRequestId} withheld`);
      return heard;
    }
    const payload = this.settings.recognizedText && heard.kind === 'text' ? { recognizedText: heard.text } : {};
    const written = this.ctx.push(buildDirective('SpeechRecognizer', 'StopCapture', payload, this.dialogRequestId));
    const delivered = written !== undefined;
    if (delivered) {
      this.ctx.recordAudio({ stopCaptureAt: Date.now() });
      this.deadlineTimer = setTimeout(this.resolveDeadline, this.settings.answerDeadlineMs);
      this.deadlineTimer.unref();
    }
    this.ctx.log(`StopCapture ${this.dialogRequestId} (${describe(this.decided!)})${delivered ? '' : ': no open downchannel'}`);
    // CIC sends StopCapture before the answer. Building the answer can hold the event loop (lamejs
    // takes ~0.5 s the first time), and a downchannel write leaves only once the loop turns: so the
    // answer waits until StopCapture is on its way, bounded in case the client stopped reading.
    if (written) await boundedWait(written, STOP_CAPTURE_FLUSH_MS);
    return heard;
  }

  /** Recognises the audio from `start` to `end` bytes. */
  private async recognise(start: number, end: number, speechBytes: number): Promise<Heard> {
    const { recognizer } = this.settings;
    if (!recognizer) {
      this.ctx.log('voice: not recognised: recognition is off');
      return { kind: 'unrecognised', speechBytes, why: 'off' };
    }
    const missing = await recognizer.unavailable();
    if (missing !== undefined) {
      this.ctx.log(`voice: not recognised: ${missing} (apt-get install pocketsphinx pocketsphinx-en-us)`);
      return { kind: 'unrecognised', speechBytes, why: 'unavailable' };
    }
    const started = Date.now();
    this.final = new AbortController();
    try {
      const text = await recognizer.decode(this.pcm(start, end), { signal: this.final.signal });
      this.ctx.recordAudio({ recognizedText: text });
      if (text === '') {
        this.ctx.log(`voice: not recognised: no known phrase matched (${Date.now() - started} ms)`);
        return { kind: 'unrecognised', speechBytes, why: 'no-match' };
      }
      this.ctx.log(`voice: recognised "${text}" (${Date.now() - started} ms)`);
      return { kind: 'text', text, speechBytes };
    } catch (err) {
      if (!(err instanceof DecodeAbortedError)) {
        this.ctx.log(`voice: not recognised: ${err instanceof Error ? err.message : String(err)}`);
      }
      return { kind: 'unrecognised', speechBytes, why: 'failed' };
    }
  }
}

function describe(reason: EndOfSpeech): string {
  switch (reason) {
    case 'vad':
      return 'silence after speech';
    case 'cap':
      return 'audio cap';
    case 'no-speech':
      return 'no speech';
    case 'client':
      return 'the client ended the body';
    case 'fault':
      return 'fault stop-capture-after';
  }
}

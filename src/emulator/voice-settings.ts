import { MAX_TIMER_MS } from '../protocol/timer-range.js';
import { ENGLISH_PHRASES } from './intents.js';
import { SpeechToText, type SpeechToTextOptions } from './speech-to-text.js';
import { vadOptions, type VadOptions } from './vad.js';

/** How SpeechRecognizer.Recognize listens; one per emulator. */
export interface VoiceSettings {
  readonly vad: VadOptions;
  /** The offline recogniser; undefined when recognition is off. */
  readonly recognizer: SpeechToText | undefined;
  /** Put the final text in `StopCapture.payload.recognizedText` (spec 5.1: off by default in CIC). */
  readonly recognizedText: boolean;
  /** Push `SpeechRecognizer.ShowRecognizedText` interim results while audio arrives. */
  readonly showRecognizedText: boolean;
  /** Audio between two interim decodes, in ms of audio. */
  readonly interimEveryMs: number;
  /** How long after StopCapture the client may keep its body open before the answer is forced (U-16). */
  readonly answerDeadlineMs: number;
}

/** The voice options of EmulatorOptions. */
export interface VoiceOptions {
  /**
   * Offline recognition of SpeechRecognizer.Recognize audio: 'auto' (default) uses pocketsphinx with
   * the en-us model when installed, 'off' never recognises (answers say how much speech was heard).
   */
  recognizer?: 'auto' | 'off';
  /** Where the recogniser's program and model are (default pocketsphinx_continuous on PATH, Debian's en-us model). */
  speechToText?: SpeechToTextOptions;
  /** Put the recognised text in StopCapture.payload.recognizedText (default false, as in CIC, spec 5.1). */
  recognizedText?: boolean;
  /** Push SpeechRecognizer.ShowRecognizedText interim results on the downchannel (default true). */
  showRecognizedText?: boolean;
  /** End-of-speech detection, in ms of audio (defaults: threshold 500, frameMs 20, minSpeechMs 300, silenceMs 800, noSpeechMs 5000, maxAudioMs 10000). */
  vad?: Partial<VadOptions>;
  /** After StopCapture, how long to wait for the client to end its body before answering anyway and resetting the stream (default 10000, U-16). */
  answerDeadlineMs?: number;
}

/** Voice settings from the emulator's options; throws Error with a one-line message on bad values. */
export function voiceSettings(options: VoiceOptions = {}): VoiceSettings {
  const mode = options.recognizer ?? 'auto';
  if (mode !== 'auto' && mode !== 'off') throw new Error(`recognizer must be "auto" or "off", not ${JSON.stringify(mode)}`);
  const deadline = options.answerDeadlineMs ?? 10_000;
  // (within Node's timer range: a longer timer fires after 1 ms)
  if (!Number.isFinite(deadline) || deadline < 0 || deadline > MAX_TIMER_MS) throw new Error(`answerDeadlineMs must be a number of 0 to ${MAX_TIMER_MS}`);
  return {
    vad: vadOptions(options.vad),
    recognizer:
      mode === 'off'
        ? undefined
        : options.speechToText
          ? new SpeechToText(ENGLISH_PHRASES, options.speechToText)
          : sharedSpeechToText(),
    recognizedText: options.recognizedText === true,
    showRecognizedText: options.showRecognizedText !== false,
    interimEveryMs: 1000,
    answerDeadlineMs: deadline,
  };
}

let shared: SpeechToText | undefined;

/** The process-wide recogniser over the emulator's English phrases (so detection runs once). */
export function sharedSpeechToText(): SpeechToText {
  shared ??= new SpeechToText(ENGLISH_PHRASES);
  return shared;
}

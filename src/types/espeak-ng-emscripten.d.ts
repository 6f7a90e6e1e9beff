// The package ships an emscripten module (eSpeak NG with WebIDL bindings) without types: only what
// emulator/speech-synthesis.ts uses.
declare module '@echogarden/espeak-ng-emscripten' {
  export interface ESpeakNGWorker {
    /** An eSpeak NG voice name ('en-us', 'ko', ...). */
    set_voice(name: string): void;
    /** Words per minute (80..450; eSpeak's default 175). */
    set_rate(wpm: number): void;
    get_samplerate(): number;
    /** Synthesises `text` (SSML is parsed) synchronously; `callback` gets each block of 16-bit samples (a copy). */
    synthesize(text: string, callback: (samples: Int16Array, events: unknown[]) => boolean | void): void;
  }
  export interface ESpeakNGModule {
    eSpeakNGWorker: new () => ESpeakNGWorker;
  }
  const factory: (moduleArg?: object) => Promise<ESpeakNGModule>;
  export default factory;
}

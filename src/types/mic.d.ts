// Minimal types for mic 2.1.2 (a CommonJS module without its own), covering what src/audio uses.
declare module 'mic' {
  import type { Transform } from 'node:stream';

  namespace mic {
    interface MicOptions {
      endian?: 'big' | 'little';
      bitwidth?: string | number;
      encoding?: 'signed-integer' | 'unsigned-integer';
      rate?: string | number;
      channels?: string | number;
      /** arecord's -D; the library's own default is plughw:1,0. */
      device?: string;
      exitOnSilence?: number;
      /** `-t` for rec on macOS; arecord on Linux gets no -t and writes WAV. */
      fileType?: string;
      /** Logs to stdout with console.log: keep it off. */
      debug?: boolean;
    }

    interface MicInstance {
      /** Spawns the recorder (synchronously); a second call is ignored. */
      start(): void;
      /** Sends SIGTERM. */
      stop(): void;
      pause(): void;
      resume(): void;
      /** The recorder's stdout piped through a pass-through silence detector. */
      getAudioStream(): Transform;
    }
  }

  function mic(options?: mic.MicOptions): mic.MicInstance;
  export = mic;
}

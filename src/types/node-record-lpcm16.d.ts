// Minimal types for node-record-lpcm16 1.0.1 (a CommonJS module without its own), covering what src/audio uses.
declare module 'node-record-lpcm16' {
  import type { ChildProcess } from 'node:child_process';
  import type { Readable } from 'node:stream';

  namespace lpcm16 {
    interface RecordOptions {
      sampleRate?: number;
      channels?: number;
      /** Which recorder module builds the command line. */
      recorder?: 'sox' | 'rec' | 'arecord';
      /** `-t` of the recorder: 'raw' gives headerless PCM, the default 'wav' a header first. */
      audioType?: string;
      /** `-D` for arecord, AUDIODEV for sox; ignored by rec. */
      device?: string | null;
      threshold?: number;
      thresholdStart?: number | null;
      thresholdEnd?: number | null;
      silence?: string;
      endOnSilence?: boolean;
    }

    interface Recording {
      /** The spawned recorder; it has no 'error' listener of its own. */
      readonly process: ChildProcess;
      readonly cmd: string;
      readonly args: string[];
      /** The recorder's stdout; emits 'error' with a string when the recorder exits non-zero. */
      stream(): Readable;
      /** Sends SIGTERM. */
      stop(): void;
      pause(): void;
      resume(): void;
      isPaused(): boolean;
    }

    /** Spawns the recorder at once. */
    function record(options?: RecordOptions): Recording;
  }

  export = lpcm16;
}

export * from './protocol/index.js';
export * from './client/index.js';
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator/index.js';
export {
  openAudioInput,
  openAudioStream,
  type AudioInput,
  type AudioInputInfo,
  type AudioStreamOptions,
  type ShortInput,
} from './audio/audio-input.js';
export { chunkPcm, pace, PART_BYTES } from './audio/chunker.js';
export { openMicrophone, type Microphone, type MicrophoneOptions } from './audio/microphone.js';
export { playMp3, checkPlayer, DEFAULT_PLAYER } from './audio/player.js';
// Exit statuses are the CLI's policy, not the errors': a library user who wants them asks cli/exit.ts.
export { ExitCode, exitCodeFor, type ExitCodeValue } from './cli/exit.js';
export { describeDirective, type DescribeOptions, type DirectiveDescription } from './client/handlers/describe.js';

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

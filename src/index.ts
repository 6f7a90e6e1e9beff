export * from './protocol/index.js';
export * from './client/index.js';
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator/index.js';

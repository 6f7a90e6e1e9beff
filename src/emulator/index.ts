export { startEmulator } from './server.js';
export type { Emulator, EmulatorOptions } from './api.js';
export type {
  EmulatorRecord,
  RecordedAttachment,
  RecordedAuthRequest,
  RecordedMediaRequest,
  RecordedAudio,
  RecordedConnection,
  RecordedDownchannel,
  RecordedEvent,
  RecordedPart,
  RecordedRequest,
} from './record.js';
export { DEFAULT_VAD, type VadOptions } from './vad.js';
export type { SpeechToTextOptions } from './speech-to-text.js';
export {
  parseFault,
  parseFaults,
  formatFaultTable,
  FAULT_TABLE,
  type Fault,
  type FaultName,
  type FaultDescription,
  type FaultSite,
} from './faults.js';

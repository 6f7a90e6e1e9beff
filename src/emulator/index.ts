export { startEmulator, type Emulator, type EmulatorOptions } from './server.js';
export type {
  EmulatorRecord,
  RecordedAttachment,
  RecordedConnection,
  RecordedDownchannel,
  RecordedEvent,
  RecordedRequest,
} from './record.js';
export {
  parseFault,
  parseFaults,
  formatFaultTable,
  FAULT_TABLE,
  type Fault,
  type FaultName,
  type FaultDescription,
} from './faults.js';

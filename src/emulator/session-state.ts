import type { Downchannel } from './downchannel.js';

/** What the emulator keeps per HTTP/2 session. */
export interface SessionState {
  connectionId: number;
  /** Set once the `goaway-after-hello` fault sent GOAWAY on this session. */
  goawaySent: boolean;
  /** Its downchannels whose stream has not closed yet. */
  downchannels: Set<Downchannel>;
  /** Streams not yet closed, so that a GOAWAY'd session can be torn down once it is idle. */
  openStreams: number;
  onIdle?: () => void;
}

/** A fresh state for a session of connection `connectionId` (0 while unknown). */
export function newSessionState(connectionId: number): SessionState {
  return { connectionId, goawaySent: false, downchannels: new Set(), openStreams: 0 };
}

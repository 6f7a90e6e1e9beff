/** The emulator's public shape: how to run one (EmulatorOptions) and what a running one offers (Emulator). */
import type { DirectiveMessage } from '../protocol/messages.js';
import type { EmulatorRecord } from './record.js';
import type { ReplayStatus } from './replay.js';
import type { VoiceOptions } from './voice-settings.js';

/** How to run the emulator. */
export interface EmulatorOptions extends VoiceOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: ephemeral). */
  port?: number;
  /** Serve h2 over TLS (ALPN h2); default false = h2c with prior knowledge. */
  tls?: boolean;
  /** PEM certificate and key for TLS; without them a self-signed one is generated. */
  cert?: string;
  key?: string;
  /**
   * When set, `Bearer <token>` is always accepted, and otherwise only tokens the Auth API issued
   * (while valid); unset, any non-empty bearer token except an issued one that expired or was deleted.
   */
  token?: string;
  /** Lifetime of the access tokens the Auth API issues, in whole seconds (default 3600). */
  tokenLifetimeSeconds?: number;
  /** When set, the Auth API requires this client_id (400 `invalid_client` otherwise). */
  clientId?: string;
  /** When set, `/token` requires this client_secret (401 `invalid_client` otherwise). */
  clientSecret?: string;
  /** Fault specs (see FAULT_TABLE); an invalid spec makes startEmulator throw. */
  faults?: string[];
  /** Push Notifier.Notify on every downchannel right after Hello and then every N seconds (at most 2,147,483: Node's timer range). */
  pushEverySeconds?: number;
  /**
   * Entries kept in each list of `record` (connections, requests, downchannels, events,
   * attachments); beyond it the oldest go, so a long-running emulator stays small (default 1000;
   * Infinity keeps everything).
   */
  recordLimit?: number;
  /** Part entries kept per recorded event (default 250, i.e. 50 s of 200 ms audio parts; Infinity: all); `partCount` counts every part. */
  recordPartLimit?: number;
  /** Seconds a connection may take to send the HTTP/2 preface (or an HTTP/1.1 request's first bytes) before it is closed (default 10). */
  handshakeTimeoutSeconds?: number;
  /** Seconds an HTTP/2 session may stay without an open stream before it is closed (default 300; a held downchannel is an open stream). */
  idleTimeoutSeconds?: number;
  /** Connections open at once; more are refused with a log line (default 256). */
  maxConnections?: number;
  /** Answer a missing or malformed User-Agent with 400 (spec 1.5, U-03). */
  strictUserAgent?: boolean;
  /** Clock for answers that tell the time (deterministic tests). */
  now?: () => Date;
  /**
   * Serve this session record (`--record`, README "Record format") instead of the emulator's own
   * answers: each event gets the recorded answer of its name, in order; downchannel directives are
   * pushed at their recorded times. A mismatch is logged (and answered 400 when nothing is left).
   */
  replay?: string;
  /** Receives one line per request, stream and fault; never contains the bearer token, nor control characters a client sent. */
  log?: (line: string) => void;
}

/** A running emulator. */
export interface Emulator {
  /** A URL that reaches it from this machine (for 0.0.0.0, http://127.0.0.1:port). */
  readonly url: string;
  readonly port: number;
  /** The address it listens on, as bound: "127.0.0.1", "::1", "0.0.0.0" or "::" (all interfaces), … */
  readonly address: string;
  readonly certPath?: string;
  readonly certPem?: string;
  readonly record: EmulatorRecord;
  /** How the replay goes (only with the `replay` option). */
  readonly replay?: ReplayStatus;
  /** Replaces the faults in force (counted faults start counting again). */
  setFaults(faults: string[]): void;
  /** Writes a directive to every open downchannel now; returns how many got it. */
  push(message: DirectiveMessage): number;
  /** Resolves when the predicate holds (checked on every record change); rejects after timeoutMs (default 5000). */
  waitFor(predicate: (r: EmulatorRecord) => boolean, timeoutMs?: number): Promise<void>;
  /** Ends downchannels, closes sessions and the server; never hangs. */
  close(): Promise<void>;
}

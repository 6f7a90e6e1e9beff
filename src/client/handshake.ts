import { ConnectionError } from '../protocol/errors.js';
import { probeCleartext, probeTls, type PeerKind } from './peer-probe.js';
import type { Timers } from './timers.js';

// Turning a failed connection attempt into one line that says what the peer is and what to do:
// kept apart from the connection itself, which only has to know that the attempt failed.

/** The longest a diagnosis of a peer that does not speak HTTP/2 may take. */
const PROBE_TIMEOUT_MS = 3000;

/** The first line of a message; OpenSSL's are `<hex>:error:<code>:SSL routines:<function>:<reason>:<file>:<line>:`. */
export function oneLine(message: string): string {
  const ssl = /SSL routines:[^:]*:([^:\n]+)/.exec(message);
  return ssl ? ssl[1]!.trim() : (message.split('\n')[0] ?? '').trim();
}

/** A TLS client error that means the peer did not answer with TLS at all. */
function isNotTls(err: NodeJS.ErrnoException): boolean {
  return (
    /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|HTTP_REQUEST|RECORD_LAYER_FAILURE)$/.test(err.code ?? '') ||
    /wrong version number|packet length too long|unknown protocol/i.test(err.message) ||
    err.code === 'ECONNRESET'
  );
}

/** The server's TLS stack refused ALPN h2. */
function isAlpnRefusal(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' || /no application protocol/i.test(err.message);
}

function describeKind(k: PeerKind): string {
  switch (k.kind) {
    case 'http1':
      return `${k.version} ${k.status}`;
    case 'other':
      return `bytes "${k.sample}"`;
    default:
      return k.kind;
  }
}

/** Turns a socket/TLS error into a one-line ConnectionError that says what to do. */
export function connectError(url: URL, err: NodeJS.ErrnoException): ConnectionError {
  const where = url.origin;
  const code = err.code ?? '';
  const detail = oneLine(err.message);
  let msg: string;
  if (code === 'ECONNREFUSED') msg = `cannot connect to ${where}: connection refused; is the server (or \`clova-cli emulator\`) running?`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') msg = `cannot resolve ${url.hostname}; check --server / CLOVA_CIC_URL`;
  else if (code === 'ETIMEDOUT') msg = `connecting to ${where} timed out`;
  else if (code === 'ECONNRESET' || code === 'EPIPE') msg = `connection to ${where} was reset`;
  else if (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ALTNAME/.test(code) ||
    /certificate/i.test(err.message)
  )
    msg = `TLS handshake with ${where} failed (${code || detail}); trust the server's CA with --ca-file <pem> or NODE_EXTRA_CA_CERTS (or, for testing, --insecure)`;
  else if (/EPROTO|wrong version|ALPN/i.test(code + err.message))
    msg = `TLS/HTTP2 negotiation with ${where} failed (${detail}); is it an https:// HTTP/2 server?`;
  else msg = `connection to ${where} failed: ${detail}${code ? ` (${code})` : ''}`;
  return new ConnectionError(msg, 'E_CONNECT', { cause: err });
}

/** What the diagnosis of a failed handshake needs to know about the attempt. */
export interface HandshakeTarget {
  url: URL;
  timers: Timers;
  /** The bound of the attempt; a probe takes at most this (and never more than 3 s). */
  helloTimeoutMs: number;
  /** Trace lines of the probe, already prefixed with the connection. */
  trace(line: string): void;
}

/**
 * Why the HTTP/2 handshake with `url` failed, in one line; probes the peer when it does not speak
 * HTTP/2 (or TLS). `socketUp`: the TCP (and TLS) connection was made; `alpn`: what TLS agreed.
 */
export async function handshakeFailure(
target: HandshakeTarget,
err: NodeJS.ErrnoException | undefined,
socketUp: boolean,
alpn: string | false | undefined,
): Promise<ConnectionError> {
const { url, timers, helloTimeoutMs, trace } = target;
  const where = `the server at ${url.origin}`;
  const probeMs = Math.min(helloTimeoutMs, PROBE_TIMEOUT_MS);
  const notH2 = (message: string) => new ConnectionError(message, 'E_NOT_HTTP2', err ? { cause: err } : undefined);
  const setupFailed = () =>
    err ? connectError(url, err) : new ConnectionError(`connection to ${url.origin} closed during setup`, 'E_CONNECT');
  if (url.protocol === 'https:') {
    if (!socketUp && err && isAlpnRefusal(err)) {
      return notH2(`${where} speaks TLS but not HTTP/2 (it refused ALPN h2); is it an HTTP/1.1 server? check --server`);
    }
    if (!socketUp && err && isNotTls(err)) {
      const found = await probeCleartext(url, timers, probeMs);
      trace(`cleartext probe: ${describeKind(found)}`);
      if (found.kind === 'h2') return notH2(`${where} does not speak TLS: it is a cleartext HTTP/2 server: use http://${url.host}`);
      if (found.kind === 'http1') return notH2(`${where} does not speak TLS: it answered ${found.version} ${found.status} in cleartext; check --server`);
      if (found.kind === 'other') return notH2(`${where} does not speak TLS (it sent "${found.sample}"); check --server`);
      return setupFailed();
    }
    if (!socketUp) return setupFailed();
    return alpn !== 'h2'
      ? notH2(`${where} speaks TLS but did not agree to HTTP/2 (no ALPN h2); is it an HTTP/1.1 server? check --server`)
      : notH2(`${where} agreed to HTTP/2 but did not speak it${err ? ` (${oneLine(err.message)})` : ' (it closed the connection)'}; check --server`);
  }
  if (!socketUp) return setupFailed();
  // Cleartext: the socket was up but no HTTP/2 SETTINGS came. See what the peer says to the preface.
  let found = await probeCleartext(url, timers, probeMs);
  if (found.kind === 'silent' && (await probeTls(url, timers, probeMs))) found = { kind: 'tls' };
  trace(`probe: ${describeKind(found)}`);
  switch (found.kind) {
    case 'http1':
      return notH2(`${where} answered ${found.version} ${found.status}, not HTTP/2; check --server`);
    case 'tls':
      return notH2(`${where} speaks TLS: use https://${url.host}`);
    case 'other':
      return notH2(`${where} does not speak HTTP/2 (it sent "${found.sample}"); check --server`);
    case 'silent':
      return notH2(`${where} closed the connection without speaking HTTP/2; check --server`);
    case 'h2':
      return new ConnectionError(
        `HTTP/2 with ${where} failed during setup${err ? ` (${oneLine(err.message)})` : ''}; try again`,
        'E_CONNECT',
        err ? { cause: err } : undefined,
      );
  }
}

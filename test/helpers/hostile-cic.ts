/**
 * A hostile CIC server on 127.0.0.1 for e2e tests that spawn the real CLI: it greets the downchannel
 * with Clova.Hello, then sends whatever the test scripts, built from the Authorization header it
 * received (so that it can echo the token back in every string it sends).
 */
import http2, { type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { buildDirective, type DirectiveMessage } from '../../src/protocol/messages.js';
import { MultipartEncoder } from '../../src/protocol/multipart-encoder.js';

const JSON_PART = [['Content-Type', 'application/json; charset=utf-8']] as const;

/** One part of a scripted answer: a directive, or an attachment with its Content-ID. */
export type ScriptedPart = DirectiveMessage | { contentId: string; bytes: Buffer };

/** How /v1/events is answered: a multipart with parts, or a status with a raw body. */
export type ScriptedAnswer =
  | { status: number; parts: ScriptedPart[] }
  | { status: number; body: string; contentType: string };

export interface HostileScript {
  /** Written on the downchannel right after Hello. */
  pushes?: (authorization: string) => DirectiveMessage[];
  /** Answers POST /v1/events number `index` (0 first) once its body ended; default 204. */
  answer?: (authorization: string, index: number) => ScriptedAnswer | undefined;
  /** Answers GET /v1/directives with this instead of a downchannel. */
  downchannel?: (authorization: string) => ScriptedAnswer | undefined;
  /** Told of every POST /v1/events stream as it opens (number `index`, 0 first). */
  onEventStream?: (stream: ServerHttp2Stream, index: number) => void;
}

export interface HostileServer {
  url: string;
  /** Authorization headers received, in order. */
  authorizations: string[];
}

const servers: http2.Http2Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await new Promise<void>((r) => {
      s.close(() => r());
      setTimeout(r, 1000).unref();
    });
  }
});

function encodePart(enc: MultipartEncoder, part: ScriptedPart): Buffer {
  if ('contentId' in part) {
    return enc.part(
      [
        ['Content-ID', part.contentId],
        ['Content-Type', 'application/octet-stream'],
      ],
      part.bytes,
    );
  }
  return enc.part(JSON_PART, JSON.stringify(part));
}

function send(stream: ServerHttp2Stream, answer: ScriptedAnswer): void {
  if (stream.destroyed || stream.closed) return;
  if ('parts' in answer) {
    if (answer.status === 204) {
      stream.respond({ ':status': 204 }, { endStream: true });
      return;
    }
    const enc = new MultipartEncoder();
    stream.respond({ ':status': answer.status, 'content-type': enc.contentType('multipart/related') });
    stream.end(Buffer.concat([...answer.parts.map((p) => encodePart(enc, p)), enc.end()]));
    return;
  }
  stream.respond({ ':status': answer.status, 'content-type': answer.contentType });
  stream.end(answer.body);
}

/** Starts the server (closed after the test). */
export async function hostileCic(script: HostileScript): Promise<HostileServer> {
  const server = http2.createServer();
  servers.push(server);
  const authorizations: string[] = [];
  let events = 0;
  server.on('session', (s) => {
    s.on('error', () => undefined);
    server.once('close', () => s.destroy());
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const auth = String(headers.authorization ?? '');
    authorizations.push(auth);
    if (headers[':path'] === '/v1/directives') {
      const instead = script.downchannel?.(auth);
      if (instead) {
        stream.resume();
        send(stream, instead);
        return;
      }
      const enc = new MultipartEncoder();
      stream.respond({ ':status': 200, 'content-type': enc.contentType('multipart/related') });
      stream.write(enc.part(JSON_PART, JSON.stringify(buildDirective('Clova', 'Hello', {}))));
      const pushes = script.pushes?.(auth) ?? [];
      for (const d of pushes) stream.write(encodePart(enc, d));
      // A part ends only where the next delimiter starts: open one more part so the last push is complete.
      if (pushes.length > 0) stream.write(enc.beginPart(JSON_PART));
      return;
    }
    const index = events++;
    script.onEventStream?.(stream, index);
    stream.resume();
    stream.on('end', () => send(stream, script.answer?.(auth, index) ?? { status: 204, parts: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorizations };
}

/** A directive with a header name of our choosing (hostile servers do not stick to known names). */
export function directive(namespace: string, name: string, payload: Record<string, unknown>, dialogRequestId?: string): DirectiveMessage {
  return buildDirective(namespace, name, payload, dialogRequestId);
}

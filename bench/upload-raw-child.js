// The baseline of the whole-path upload figure: the least a Node program must do to send a 16 kHz
// mono WAV file to the emulator as one SpeechRecognizer.Recognize. A bare node:http2 session opens
// the downchannel, waits for Hello (the emulator requires it, spec 1.3), then POSTs the metadata part
// and the file's samples as 6400-byte audio parts, waiting for 'drain' whenever write() says so, and
// reads the answer. Prints one JSON line shaped like the CLI's --json "response" line.
// Usage: node bench/upload-raw-child.js <file.wav> <emulator url>   (env CLOVA_ACCESS_TOKEN)
import { createReadStream } from 'node:fs';
import http2 from 'node:http2';
import { once } from 'node:events';
import {
  AUDIO_PART_HEADERS,
  METADATA_PART_HEADERS,
  MultipartEncoder,
  buildContext,
  buildSpeechRecognize,
  defaultClientState,
  newId,
} from '../dist/protocol/index.js';
import { benchUserAgent } from './stats.js';

const [file, url] = process.argv.slice(2);
const PART = 6400;
const auth = { authorization: `Bearer ${process.env.CLOVA_ACCESS_TOKEN ?? 'bench'}`, 'user-agent': benchUserAgent() };
const fail = (why) => {
  process.stderr.write(`upload-raw-child: ${why}\n`);
  process.exit(4);
};
const deadline = setTimeout(() => fail('no answer within 10 minutes'), 600_000);

const session = http2.connect(url);
session.on('error', (e) => fail(`session: ${e.message}`));
await once(session, 'connect');
const downchannel = session.request({ ':method': 'GET', ':path': '/v1/directives', ...auth }, { endStream: true });
downchannel.on('error', () => undefined);
await new Promise((resolve, reject) => {
  let seen = '';
  downchannel.on('data', (c) => {
    if (seen.length < 65536) seen += c.toString('latin1');
    if (seen.includes('"Hello"')) resolve();
  });
  downchannel.on('close', () => reject(new Error('downchannel closed before Hello')));
}).catch((e) => fail(e.message));

const encoder = new MultipartEncoder();
const event = buildSpeechRecognize({ lang: 'en', initiator: 'TAP' }, newId(), buildContext(defaultClientState()));
const post = session.request({ ':method': 'POST', ':path': '/v1/events', ...auth, 'content-type': encoder.contentType() });
post.on('error', (e) => fail(`POST: ${e.message}`));
let status = 0;
let answerBytes = 0;
post.on('response', (h) => {
  status = Number(h[':status']);
});
post.on('data', (c) => {
  answerBytes += c.length;
});
const answered = once(post, 'end');
post.write(encoder.part(METADATA_PART_HEADERS, JSON.stringify(event)));

let audioBytes = 0;
let pending = Buffer.alloc(0);
const send = async (part) => {
  audioBytes += part.length;
  if (!post.write(encoder.part(AUDIO_PART_HEADERS, part))) await once(post, 'drain');
};
for await (const chunk of createReadStream(file, { start: 44, highWaterMark: 64 * 1024 })) {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  let at = 0;
  for (; pending.length - at >= PART; at += PART) await send(pending.subarray(at, at + PART));
  pending = pending.subarray(at);
}
if (pending.length) await send(pending);
post.end(encoder.end());
await answered;
clearTimeout(deadline);
process.stdout.write(JSON.stringify({ type: 'response', status, audioBytes, uploadEnded: 'end-of-input', answerBytes }) + '\n');
downchannel.close(http2.constants.NGHTTP2_CANCEL);
session.close();

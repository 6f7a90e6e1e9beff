// The baseline of the `text hello` start-up figure: the least a Node program must do for one typed
// request. Node built-ins only (no dist/, no packages): a bare node:http2 session opens the
// downchannel, waits for Clova.Hello (the emulator requires it, spec 1.3), POSTs one
// TextRecognizer.Recognize as a multipart/form-data body with its metadata part (spec 5.2), reads the
// whole answer and exits. Prints the answer's status and size; exit 4 on any failure.
// Usage: node bench/text-raw-child.js <emulator url> [text]   (env CLOVA_ACCESS_TOKEN)
import http2 from 'node:http2';
import { randomUUID } from 'node:crypto';

const [url, text = 'hello'] = process.argv.slice(2);
const fail = (why) => {
  process.stderr.write(`text-raw-child: ${why}\n`);
  process.exit(4);
};
const deadline = setTimeout(() => fail('no answer within 30 s'), 30_000);
const auth = {
  authorization: `Bearer ${process.env.CLOVA_ACCESS_TOKEN ?? 'bench'}`,
  'user-agent': 'bench/text-raw/1.0.0 (Linux;raw)',
};

const session = http2.connect(url);
session.on('error', (e) => fail(`session: ${e.message}`));
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

const boundary = randomUUID().replaceAll('-', '');
const event = {
  context: [],
  event: {
    header: { namespace: 'TextRecognizer', name: 'Recognize', messageId: randomUUID(), dialogRequestId: randomUUID() },
    payload: { text },
  },
};
const body =
  `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n` +
  `${JSON.stringify(event)}\r\n--${boundary}--\r\n`;
const post = session.request({
  ':method': 'POST',
  ':path': '/v1/events',
  ...auth,
  'content-type': `multipart/form-data; boundary=${boundary}`,
});
post.on('error', (e) => fail(`POST: ${e.message}`));
let status = 0;
let bytes = 0;
post.on('response', (h) => {
  status = Number(h[':status']);
});
post.on('data', (c) => {
  bytes += c.length;
});
post.end(body);
await new Promise((resolve) => post.on('end', resolve));
clearTimeout(deadline);
if (status !== 200) fail(`status ${status}`);
process.stdout.write(`status ${status}, ${bytes} bytes\n`);
downchannel.close(http2.constants.NGHTTP2_CANCEL);
session.close();

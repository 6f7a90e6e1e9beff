// clova-cli as a library: one typed turn and one voice turn on one connection, speech saved as MP3.
//
//   npm run build && node examples/library.mjs [question.wav]
//
// Without CLOVA_CIC_URL it starts the local CIC emulator in this process (any token works);
// with CLOVA_CIC_URL and CLOVA_ACCESS_TOKEN it talks to that server. Without a WAV file it
// writes one (a second of a 440 Hz tone) and sends that.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { CicClient, DirectoryAttachmentSink, chunkPcm, isValidUserAgent, openAudioInput, startEmulator } from 'clova-cli';

const outDir = 'out';
await mkdir(outDir, { recursive: true }); // the sink writes speech-<Content-ID>.mp3 files into it

let url = process.env.CLOVA_CIC_URL;
let token = process.env.CLOVA_ACCESS_TOKEN;
const emulator = url ? undefined : await startEmulator({ port: 0 });
if (emulator) {
  url = emulator.url;
  token ??= 'example-token';
}
if (!token) throw new Error('CLOVA_ACCESS_TOKEN is not set (it is needed with CLOVA_CIC_URL)');

// Maker/Product/SemVer (OS;HW): the grammar of spec 1.5, checked before it is sent.
const userAgent = `example/clova-library-example/1.0.0 (${os.type()};${os.arch()})`;
if (!isValidUserAgent(userAgent)) throw new Error(`bad User-Agent: ${userAgent}`);

const wav = process.argv[2] ?? (await writeTone(join(outDir, 'question.wav')));

const client = new CicClient({ url, token, userAgent, attachments: new DirectoryAttachmentSink(outDir) });
client.on('directive', (d) => {
  const { header, payload } = d.message.directive;
  const text = header.namespace === 'Clova' && header.name === 'RenderText' ? `: ${payload.text}` : '';
  console.log(`${d.source} directive ${header.namespace}.${header.name}${text}`);
});
client.on('audio', (a) => console.log(`speech saved: ${a.path} (${a.bytes} bytes)`));
try {
  await client.connect();
  const typed = await client.sendText('hello');
  console.log(`text turn: HTTP ${typed.status}, ${typed.directives} directives`);

  // Voice: any AsyncIterable of L16 16 kHz mono buffers; chunkPcm cuts them into 200 ms audio parts.
  const input = await openAudioInput(wav);
  console.log(`voice input: ${wav} (${input.info.description})`);
  const spoken = await client.recognize(chunkPcm(input.pcm), { lang: 'en' });
  console.log(`voice turn: HTTP ${spoken.status}, ${spoken.directives} directives, ${spoken.audioBytes} bytes of audio sent (${spoken.uploadEnded})`);
} finally {
  await client.close();
  await emulator?.close();
}

/** Writes one second of a 440 Hz tone as a 16 kHz mono 16-bit PCM WAV file; returns its path. */
async function writeTone(path) {
  const rate = 16000;
  const samples = Buffer.alloc(rate * 2);
  for (let i = 0; i < rate; i++) samples.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // bytes per frame
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36);
  header.writeUInt32LE(samples.length, 40);
  await writeFile(path, Buffer.concat([header, samples]));
  return path;
}

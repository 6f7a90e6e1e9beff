// Reads a WAV file the bench wrote, the way `clova-cli recognize <file>` does up to the upload
// (openAudioInput: file read, WAV parsing, conversion; chunkPcm: 6400-byte parts), or the same file
// through sox or a bare byte counter (the baselines), and prints one JSON line: seconds of audio,
// wall time, and resident memory sampled over the run.
// Usage: node bench/audio-child.js <ours|sox|count> <file.wav> <rate> <channels> <seconds>
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { openAudioInput } from '../dist/audio/audio-input.js';
import { chunkPcm } from '../dist/audio/chunker.js';

const [mode = 'ours', file, rateArg, channelsArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const channels = Number(channelsArg);
const seconds = Number(secondsArg);

const samples = [];
const sample = () => samples.push(process.memoryUsage.rss());
const timer = setInterval(sample, 50);
const t0 = process.hrtime.bigint();
let out = 0;
if (mode === 'ours') {
  const input = await openAudioInput(file);
  try {
    for await (const part of chunkPcm(input.pcm)) out += part.length;
  } finally {
    input.close();
  }
} else if (mode === 'sox') {
  const sox = spawn('sox', ['-q', '-t', 'wav', file, '-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed', '-', 'rate', '-v', '16000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  sox.stdout.on('data', (c) => (out += c.length));
  await new Promise((resolve, reject) => {
    sox.on('error', reject);
    sox.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sox exited ${code}`))));
  });
} else {
  for await (const c of createReadStream(file, { highWaterMark: 64 * 1024 })) out += c.length;
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
clearInterval(timer);
sample();
const q = (from, to) => Math.max(...samples.slice(Math.floor(samples.length * from), Math.max(Math.floor(samples.length * to), Math.floor(samples.length * from) + 1)));
process.stdout.write(
  JSON.stringify({ mode, rate, channels, seconds, wall, out, peakRss: Math.max(...samples), firstQuarterRss: q(0, 0.25), lastQuarterRss: q(0.75, 1) }) + '\n',
);

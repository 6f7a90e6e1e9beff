// Converts a long WAV generated on the fly (never held in memory) with the CLI's audio pipeline,
// or pipes the same bytes through sox or a bare byte counter (the baselines), and prints one JSON
// line: seconds of audio, wall time, and resident memory sampled over the run.
// Usage: node bench/audio-child.js <ours|sox|count> <rate> <channels> <seconds>
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { openAudioStream } from '../dist/audio/audio-input.js';
import { chunkPcm } from '../dist/audio/chunker.js';

const [mode = 'ours', rateArg = '16000', channelsArg = '1', secondsArg = '60'] = process.argv.slice(2);
const rate = Number(rateArg);
const channels = Number(channelsArg);
const seconds = Number(secondsArg);
const dataBytes = rate * channels * 2 * seconds;

function header() {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** One second of a 440 Hz tone, repeated: the source is lazy, so only this block is in memory. */
function source() {
  const block = Buffer.alloc(rate * channels * 2);
  for (let i = 0; i < rate; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 12000);
    for (let c = 0; c < channels; c++) block.writeInt16LE(v, (i * channels + c) * 2);
  }
  let sent = -1;
  return new Readable({
    read() {
      // setImmediate: a source that never yields to the event loop keeps its chunks alive (Node 20).
      setImmediate(() => {
        if (sent < 0) {
          sent = 0;
          this.push(header());
        } else if (sent < seconds) {
          sent++;
          this.push(Buffer.from(block));
        } else this.push(null);
      });
    },
  });
}

const samples = [];
const sample = () => samples.push(process.memoryUsage.rss());
const timer = setInterval(sample, 50);
const t0 = process.hrtime.bigint();
let out = 0;
if (mode === 'ours') {
  const input = await openAudioStream(source(), { name: 'bench' });
  for await (const part of chunkPcm(input.pcm)) out += part.length;
} else if (mode === 'sox') {
  const sox = spawn('sox', ['-q', '-t', 'wav', '-', '-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed', '-', 'rate', '-v', '16000'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  sox.stdout.on('data', (c) => (out += c.length));
  source().pipe(sox.stdin);
  await new Promise((resolve, reject) => {
    sox.on('error', reject);
    sox.on('close', resolve);
  });
} else {
  for await (const c of source()) out += c.length;
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
clearInterval(timer);
sample();
const q = (from, to) => Math.max(...samples.slice(Math.floor(samples.length * from), Math.max(Math.floor(samples.length * to), Math.floor(samples.length * from) + 1)));
process.stdout.write(
  JSON.stringify({ mode, rate, channels, seconds, wall, out, peakRss: Math.max(...samples), firstQuarterRss: q(0, 0.25), lastQuarterRss: q(0.75, 1) }) + '\n',
);

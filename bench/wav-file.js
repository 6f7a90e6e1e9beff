// WAV files for the benches, written to a temp dir by the bench itself (never committed): a 440 Hz
// tone, one second generated once and written again and again, so a 2 h file costs no memory.
import { closeSync, openSync, writeSync } from 'node:fs';

/** The canonical 44-byte PCM WAV header. */
export function wavHeader(rate, channels, dataBytes) {
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

/** One second of a 440 Hz tone at 12000/32768 of full scale, interleaved on every channel. */
export function toneSecond(rate, channels) {
  const block = Buffer.alloc(rate * channels * 2);
  for (let i = 0; i < rate; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 12000);
    for (let c = 0; c < channels; c++) block.writeInt16LE(v, (i * channels + c) * 2);
  }
  return block;
}

/** Writes a 16-bit PCM WAV of `seconds` of tone to `path`; returns its description. */
export function writeToneWav(path, rate, channels, seconds) {
  const dataBytes = rate * channels * 2 * seconds;
  const block = toneSecond(rate, channels);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, wavHeader(rate, channels, dataBytes));
    for (let s = 0; s < seconds; s++) writeSync(fd, block);
  } finally {
    closeSync(fd);
  }
  return { path, rate, channels, seconds, dataBytes, fileBytes: 44 + dataBytes };
}

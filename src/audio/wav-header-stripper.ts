import { L16_BITS_PER_SAMPLE, L16_CHANNELS, L16_SAMPLE_RATE } from '../protocol/audio-format.js';
import { ClovaError } from '../protocol/errors.js';
import { RecorderError } from './recorder-error.js';
import { WavHeaderReader, type WavFormat } from './wav-header.js';

/** "RIFF", a size, "WAVE": the bytes that tell a WAV header from raw PCM. */
const SNIFF_BYTES = 12;
/** A recorder's header is a few dozen bytes; this much input without a data chunk means none is coming. */
const MAX_HEADER_BYTES = 65536;

/**
 * Removes a WAV header from the front of a recorder's byte stream (arecord without -t writes one).
 * The chunks are walked by the same WavHeaderReader that reads WAV files, not by assuming 44
 * bytes; a stream not starting with RIFF…WAVE passes through untouched.
 */
export class WavHeaderStripper {
  /** Bytes held until the first SNIFF_BYTES show whether a header is there. */
  private head: Buffer = Buffer.alloc(0);
  private reader: WavHeaderReader | undefined;
  private fed = 0;
  private done = false;

  /** Feeds bytes; returns the PCM they hold (undefined while the header is still incomplete). */
  push(chunk: Buffer): Buffer | undefined {
    if (this.done) return chunk;
    if (this.reader !== undefined) return this.feed(chunk);
    const buf = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    const wav = looksLikeWav(buf);
    if (wav === undefined) {
      this.head = buf;
      return undefined;
    }
    this.head = Buffer.alloc(0);
    if (!wav) {
      this.done = true;
      return buf;
    }
    this.reader = new WavHeaderReader();
    return this.feed(buf);
  }

  private feed(bytes: Buffer): Buffer | undefined {
    this.fed += bytes.length;
    let found: ReturnType<WavHeaderReader['push']>;
    try {
      found = this.reader!.push(bytes);
    } catch (err) {
      // The reader's advice is for files ("export it again"); this header came from the recorder.
      if (err instanceof ClovaError) {
        throw new RecorderError(`the recorder wrote a WAV header that cannot be used (${err.message}): try --recorder lpcm16`, 'E_RECORDER', { cause: err });
      }
      throw err;
    }
    if (found === undefined) {
      if (this.fed > MAX_HEADER_BYTES) throw new RecorderError('the recorder wrote a WAV header without a data chunk');
      return undefined;
    }
    requireL16(found.header.format);
    this.done = true;
    return found.rest;
  }
}

/** True or false once the first bytes tell; undefined while too few have arrived. */
function looksLikeWav(buf: Buffer): boolean | undefined {
  if (buf.length >= 4 && buf.toString('latin1', 0, 4) !== 'RIFF') return false;
  if (buf.length < SNIFF_BYTES) return undefined;
  return buf.toString('latin1', 8, 12) === 'WAVE';
}

/** The recorder was asked for L16 16 kHz mono; anything else would be sent as noise. */
function requireL16(format: WavFormat): void {
  const { formatTag, encoding, channels, sampleRate, bitsPerSample } = format;
  if (encoding !== 'pcm' || channels !== L16_CHANNELS || sampleRate !== L16_SAMPLE_RATE || bitsPerSample !== L16_BITS_PER_SAMPLE) {
    throw new RecorderError(
      `the recorder delivers ${sampleRate} Hz, ${channels} channel(s), ${bitsPerSample}-bit (format ${formatTag}), not 16 kHz mono 16-bit PCM: try --recorder lpcm16`,
    );
  }
}

import { UsageError } from '../protocol/errors.js';

/** How samples are stored: integers or IEEE floats. */
export type SampleEncoding = 'pcm' | 'float';

/** The sample layout a fmt chunk describes, already checked to be one we can convert. */
export interface WavFormat {
  /** wFormatTag as written: 0xFFFE for WAVE_FORMAT_EXTENSIBLE. */
  formatTag: number;
  /** The effective tag: 1 (PCM) or 3 (IEEE float), from the subformat GUID when extensible. */
  subFormat: number;
  encoding: SampleEncoding;
  channels: number;
  sampleRate: number;
  /** Container size of one sample: 8, 16, 24 or 32 (PCM), 32 or 64 (float). */
  bitsPerSample: number;
  /** Bytes per frame (one sample of every channel). */
  blockAlign: number;
}

/** What the header walker found when it reached the start of the sample data. */
export interface WavHeader {
  format: WavFormat;
  /** Offset of the first sample byte from the start of the input. */
  dataOffset: number;
  /** Sample bytes the data chunk declares, or undefined when the size means "until end of input". */
  dataSize: number | undefined;
}

export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 768000;

export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Data sizes recorders write when they cannot seek back to fix the header. sox and espeak-ng
 * writing to a pipe put 0x7FFFF000 there (measured), others 0 or 0xFFFFFFFF; anything from
 * 0x7FFFF000 up is treated as a placeholder too, because a real 2 GiB data chunk read to end of input
 * gives the same samples.
 */
const PLACEHOLDER_DATA_SIZE = 0x7ffff000;

/** Common non-PCM format tags, so the error can name the codec. */
const FORMAT_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0002, 'MS ADPCM'],
  [0x0006, 'A-law'],
  [0x0007, 'µ-law'],
  [0x0011, 'IMA ADPCM'],
  [0x0022, 'TrueSpeech'],
  [0x0031, 'GSM 6.10'],
  [0x0040, 'G.721 ADPCM'],
  [0x0050, 'MPEG'],
  [0x0055, 'MP3'],
  [0x0092, 'AC-3'],
  [0x00ff, 'AAC'],
  [0x0161, 'WMA'],
  [0x0162, 'WMA Pro'],
  [0x0163, 'WMA Lossless'],
  [0x1610, 'HE-AAC'],
  [0x2000, 'AC-3'],
  [0x2001, 'DTS'],
  [0x674f, 'Ogg Vorbis'],
  [0x6750, 'Ogg Vorbis'],
  [0x6751, 'Ogg Vorbis'],
  [0x6771, 'Ogg Vorbis'],
  [0xf1ac, 'FLAC'],
]);

/** The codec name of a WAV format tag, when it is a well-known one. */
export function formatTagName(tag: number): string | undefined {
  if (tag === WAVE_FORMAT_PCM) return 'PCM';
  if (tag === WAVE_FORMAT_IEEE_FLOAT) return 'IEEE float';
  return FORMAT_NAMES.get(tag);
}

/** `0x0055` style, as format tags are usually written. */
export function hexTag(tag: number): string {
  return '0x' + tag.toString(16).toUpperCase().padStart(4, '0');
}

/** Error for input that has no RIFF/WAVE header at all. */
export function notWavError(): UsageError {
  return new UsageError('not a WAV file (no RIFF/WAVE header); use --raw for headerless L16 16 kHz mono', 'E_AUDIO_FORMAT');
}

function invalidHeader(detail: string): UsageError {
  return new UsageError(
    `invalid WAV header: ${detail}; the file is damaged: export it again or convert it with sox or ffmpeg`,
    'E_AUDIO_FORMAT',
  );
}

function unsupported(what: string): UsageError {
  return new UsageError(`${what} is not supported; convert it with sox or ffmpeg`, 'E_AUDIO_FORMAT');
}

/** Decodes a fmt chunk body; throws UsageError for anything we cannot convert, naming the codec when known. */
export function parseFmtChunk(body: Buffer): WavFormat {
  if (body.length < 16) throw invalidHeader(`fmt chunk is ${body.length} bytes, at least 16 expected`);
  const formatTag = body.readUInt16LE(0);
  const channels = body.readUInt16LE(2);
  const sampleRate = body.readUInt32LE(4);
  const blockAlign = body.readUInt16LE(12);
  const bitsPerSample = body.readUInt16LE(14);
  let subFormat = formatTag;
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    // cbSize 22: valid bits (2), channel mask (4), subformat GUID (16) whose first two bytes are the tag.
    if (body.length < 40) throw invalidHeader(`extensible fmt chunk is ${body.length} bytes, 40 expected`);
    subFormat = body.readUInt16LE(24);
  }
  if (subFormat !== WAVE_FORMAT_PCM && subFormat !== WAVE_FORMAT_IEEE_FLOAT) {
    const name = FORMAT_NAMES.get(subFormat);
    throw unsupported(`WAV format ${hexTag(subFormat)}${name ? ` (${name})` : ''}`);
  }
  const encoding: SampleEncoding = subFormat === WAVE_FORMAT_PCM ? 'pcm' : 'float';
  if (channels === 0) throw invalidHeader('0 channels');
  if (sampleRate === 0) throw invalidHeader('sample rate 0');
  if (bitsPerSample === 0) throw invalidHeader('0 bits per sample');
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw unsupported(`WAV sample rate ${sampleRate} Hz (outside ${MIN_SAMPLE_RATE}..${MAX_SAMPLE_RATE})`);
  }
  const depths = encoding === 'pcm' ? [8, 16, 24, 32] : [32, 64];
  if (!depths.includes(bitsPerSample)) {
    throw unsupported(`WAV ${bitsPerSample}-bit ${encoding === 'pcm' ? 'PCM' : 'float'}`);
  }
  const expectedAlign = (channels * bitsPerSample) / 8;
  if (blockAlign !== expectedAlign) {
    throw invalidHeader(`block align ${blockAlign} does not match ${channels} channel(s) of ${bitsPerSample} bits (${expectedAlign})`);
  }
  return { formatTag, subFormat, encoding, channels, sampleRate, bitsPerSample, blockAlign };
}

/** The most of a fmt chunk worth keeping: the extensible layout is 40 bytes; the rest is skipped. */
const FMT_KEEP_MAX = 64;

type State =
  | { kind: 'riff' }
  | { kind: 'chunk-header' }
  | { kind: 'fmt'; size: number; keep: number }
  | { kind: 'skip'; remaining: number; what: 'fmt' | 'chunk' };

/**
 * Incremental RIFF/WAVE header walker. Feed it input in pieces of any size until it returns the
 * header; chunks it does not need (LIST, fact, JUNK, bext, ...) are skipped without being buffered,
 * so only a few dozen bytes are ever held whatever the header contains.
 */
export class WavHeaderReader {
  private state: State = { kind: 'riff' };
  private pending: Buffer = Buffer.alloc(0);
  private consumed = 0;
  private format: WavFormat | undefined;
  private done = false;

  /** Feeds the next bytes; returns the header and the sample bytes after it once the data chunk starts. */
  push(bytes: Buffer): { header: WavHeader; rest: Buffer } | undefined {
    if (this.done) throw new Error('WavHeaderReader: push after the header was complete');
    let input = bytes;
    for (;;) {
      const state = this.state;
      if (state.kind === 'skip') {
        const n = Math.min(state.remaining, input.length);
        state.remaining -= n;
        this.consumed += n;
        input = input.subarray(n);
        if (state.remaining > 0) return undefined;
        this.state = { kind: 'chunk-header' };
        continue;
      }
      const need = state.kind === 'riff' ? 12 : state.kind === 'chunk-header' ? 8 : state.keep;
      const taken = this.take(input, need);
      input = input.subarray(taken.used);
      if (state.kind === 'riff') this.checkMagic();
      if (!taken.complete) return undefined;
      const block = this.pending;
      this.pending = Buffer.alloc(0);
      this.consumed += block.length;
      if (state.kind === 'riff') {
        // The RIFF size is not trusted (streaming writers leave 0, 0xFFFFFFFF or 0x7FFFF024 there).
        this.state = { kind: 'chunk-header' };
      } else if (state.kind === 'fmt') {
        this.format = parseFmtChunk(block);
        this.state = skipState(state.size - state.keep + (state.size & 1), 'fmt');
      } else {
        const id = block.toString('latin1', 0, 4);
        const size = block.readUInt32LE(4);
        if (id === 'data') {
          if (!this.format) throw invalidHeader('the data chunk comes before the fmt chunk');
          this.done = true;
          const dataSize = size === 0 || size >= PLACEHOLDER_DATA_SIZE ? undefined : size;
          return { header: { format: this.format, dataOffset: this.consumed, dataSize }, rest: input };
        }
        if (id === 'fmt ' && !this.format) {
          if (size < 16) throw invalidHeader(`fmt chunk is ${size} bytes, at least 16 expected`);
          this.state = { kind: 'fmt', size, keep: Math.min(size, FMT_KEEP_MAX) };
        } else {
          // A RIFF chunk of odd size is followed by one pad byte.
          this.state = skipState(size + (size & 1), 'chunk');
        }
      }
    }
  }

  /** Call at end of input before the header was complete: always throws the UsageError that explains why. */
  end(): never {
    const state = this.state;
    const total = this.consumed + this.pending.length;
    if (state.kind === 'riff') {
      if (this.pending.length >= 4) throw truncated(total);
      throw notWavError();
    }
    if (state.kind === 'fmt' || this.pending.length > 0) throw truncated(total);
    if (state.kind === 'skip' && state.what === 'fmt') throw truncated(total);
    if (!this.format) throw invalidHeader(`no fmt chunk before the end of input (${total} bytes)`);
    throw new UsageError(
      `WAV file has no data chunk (input ends after ${total} bytes); the file is incomplete: record or export it again`,
      'E_AUDIO_FORMAT',
    );
  }

  /** Moves up to `need` bytes in total into `pending`; reports how many of `input` it used. */
  private take(input: Buffer, need: number): { used: number; complete: boolean } {
    const missing = need - this.pending.length;
    const used = Math.min(missing, input.length);
    if (used > 0) this.pending = Buffer.concat([this.pending, input.subarray(0, used)]);
    return { used, complete: this.pending.length >= need };
  }

  /** Rejects non-WAV input as soon as its first bytes show it, not only after 12 bytes. */
  private checkMagic(): void {
    const p = this.pending;
    const magicLength = Math.min(p.length, 4);
    const magic = p.toString('latin1', 0, magicLength);
    if (magicLength === 4 && magic === 'RIFX') throw unsupported('big-endian WAV (RIFX)');
    // RF64 (64-bit WAV) keeps its real sizes in a ds64 chunk and writes 0xFFFFFFFF in data: read to end.
    if (!'RIFF'.startsWith(magic) && !'RF64'.startsWith(magic)) throw notWavError();
    if (p.length >= 12 && p.toString('latin1', 8, 12) !== 'WAVE') throw notWavError();
  }
}

function skipState(remaining: number, what: 'fmt' | 'chunk'): State {
  return remaining === 0 ? { kind: 'chunk-header' } : { kind: 'skip', remaining, what };
}

function truncated(total: number): UsageError {
  return new UsageError(
    `WAV header is truncated (input ends after ${total} bytes); the file is incomplete: record or export it again`,
    'E_AUDIO_FORMAT',
  );
}

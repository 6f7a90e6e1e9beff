import { constants, fstatSync, openSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { L16_BITS_PER_SAMPLE, L16_CHANNELS, L16_SAMPLE_RATE } from '../protocol/audio-format.js';
import { UsageError } from '../protocol/errors.js';
import { foreignFormatError, identifyAudio, IDENTIFY_BYTES } from './audio-format.js';
import { PcmConverter, isPassthrough, type SampleFormat } from './pcm-convert.js';
import { WAVE_FORMAT_PCM, WavHeaderReader, type WavHeader } from './wav-header.js';

/** What the input is, for display and for the request's expectations. */
export interface AudioInputInfo {
  container: 'wav' | 'raw';
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  encoding: 'pcm' | 'float';
  /** The fmt chunk's wFormatTag (0xFFFE when extensible; `encoding` is the effective format); 1 for raw. */
  formatTag: number;
  /** True when the bytes are sent as they are (L16 16 kHz mono already). */
  passthrough: boolean;
  /** Duration from a size we can trust (a regular file's size, or a real data chunk size). */
  expectedSeconds?: number;
  /** One line such as "WAV 44100 Hz stereo 16-bit PCM → L16 16 kHz mono". */
  description: string;
}

/** An opened, validated audio input. */
export interface AudioInput {
  info: AudioInputInfo;
  /** L16 16 kHz mono LE, arbitrary sizes, never empty buffers */
  pcm: AsyncIterable<Buffer>;
  /** stop reading and release the source (idempotent) */
  close(): void;
}

export interface AudioStreamOptions {
  /** Headerless L16 16 kHz mono input. */
  raw?: boolean;
  /** How errors name the input ("stdin", a path). */
  name?: string;
  /** The path the user gave, '-' for standard input: conversion hints show it so they can be pasted. */
  path?: string;
  /** The input's total size in bytes, when known (a regular file). */
  knownSize?: number;
  /** Called once when the input ends before the audio its WAV header declared (see ShortInput). */
  onShortInput?: (short: ShortInput) => void;
}

/**
 * A stream that ended before its WAV header's data size (a regular file, or a stream that ends
 * within the first read-ahead, is refused at open instead: its size is known before sending).
 */
export interface ShortInput {
  /** Seconds of audio the input held. */
  readSeconds: number;
  /** Seconds of audio the WAV header declared. */
  declaredSeconds: number;
}

/** How much audio `open` reads ahead, so short inputs are validated completely before anything is sent. */
const PREFETCH_SECONDS = 0.5;
/** ...but never more than this: half a second of 768 kHz 8-channel 64-bit float would be 24 MB. */
const PREFETCH_MAX_BYTES = 4 * 1024 * 1024;

const RAW_FORMAT: SampleFormat = { encoding: 'pcm', bitsPerSample: L16_BITS_PER_SAMPLE, channels: L16_CHANNELS, sampleRate: L16_SAMPLE_RATE };

/** `path` is a file path or '-' (then `stdin` is read; default process.stdin). */
export async function openAudioInput(
  path: string,
  options: { raw?: boolean; stdin?: NodeJS.ReadableStream; onShortInput?: (short: ShortInput) => void } = {},
): Promise<AudioInput> {
  const { onShortInput } = options;
  if (path === '-') {
    const stdin = options.stdin ?? process.stdin;
    // `< file.wav` makes stdin a regular file whose size we can trust for the duration and the odd-size check.
    const knownSize = options.stdin === undefined ? regularFileSize(() => fstatSync(0)) : undefined;
    return openAudioStream(stdin, { raw: options.raw, name: 'stdin', path, knownSize, onShortInput });
  }
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw fileError(path, error);
  }
  if (info.isDirectory()) throw new UsageError(`${path} is a directory, not an audio file; give a WAV file`, 'E_AUDIO_INPUT');
  let stream: NodeJS.ReadableStream & { destroy(): void };
  if (info.isFIFO() || info.isSocket()) {
    // A plain open of a FIFO blocks a thread-pool thread until a writer comes, and the process can
    // then never exit, whatever signal it gets. Opened without blocking and read as a pipe (as
    // stdin is): it waits for its writer as stdin does, and a signal still ends the command.
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (error) {
      throw fileError(path, error);
    }
    stream = new Socket({ fd, readable: true, writable: false });
  } else {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw fileError(path, error);
    }
    stream = handle.createReadStream({ highWaterMark: 64 * 1024 });
  }
  try {
    return await openAudioStream(stream, { raw: options.raw, name: path, path, knownSize: info.isFile() ? info.size : undefined, onShortInput });
  } catch (error) {
    stream.destroy();
    throw error;
  }
}

/** Opens any byte stream as audio: reads and checks the header and the first half second before resolving. */
export async function openAudioStream(
  source: NodeJS.ReadableStream | AsyncIterable<Buffer>,
  options: AudioStreamOptions = {},
): Promise<AudioInput> {
  const name = options.name ?? 'input';
  const raw = options.raw === true;
  // /proc files and the like report size 0 and still have content: only a positive size is trusted.
  const knownSize = options.knownSize !== undefined && options.knownSize > 0 ? options.knownSize : undefined;
  const reader = new ByteReader(source, name);
  try {
    // An MP3 (or M4A, FLAC, ...) is named as such, with the command that converts it, with or
    // without --raw: before the WAV header is parsed and before the odd-size check.
    const head = await readHead(reader, IDENTIFY_BYTES);
    const found = identifyAudio(head, { strict: raw });
    if (found.kind === 'foreign') throw foreignFormatError(found.format, name, options.path);
    if (raw && knownSize !== undefined && knownSize % 2 === 1) throw oddRawError(name, knownSize);
    const start = raw ? rawStart(head) : await readWavHeader(reader, name, head);
    const declared = start.header?.dataSize;
    if (start.header && declared !== undefined && knownSize !== undefined) {
      checkHeldAudio(name, start, declared, Math.max(0, knownSize - start.header.dataOffset));
    }
    return await prefetchAndOpen(reader, start, { name, raw, knownSize, onShortInput: options.onShortInput });
  } catch (error) {
    reader.close();
    throw error;
  }
}

/** Where the sample data begins, and how it is laid out. */
interface DataStart {
  format: SampleFormat;
  formatTag: number;
  blockAlign: number;
  header: WavHeader | undefined;
  /** Sample bytes read along with the header. */
  rest: Buffer;
  /** Bytes read so far, header included. */
  bytesRead: number;
}

function rawStart(head: Buffer): DataStart {
  return { format: RAW_FORMAT, formatTag: WAVE_FORMAT_PCM, blockAlign: 2, header: undefined, rest: head, bytesRead: 0 };
}

/** Reads until at least `bytes` bytes or the end of input; returns what it read (maybe more, maybe empty). */
async function readHead(reader: ByteReader, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const buf = await reader.read();
    if (buf === undefined) break;
    chunks.push(buf);
    length += buf.length;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

async function readWavHeader(reader: ByteReader, name: string, head: Buffer): Promise<DataStart> {
  const walker = new WavHeaderReader();
  let bytesRead = 0;
  for (let first = true; ; first = false) {
    const buf = first && head.length > 0 ? head : await reader.read();
    if (buf === undefined) {
      if (bytesRead === 0) throw emptyError(name);
      return walker.end();
    }
    bytesRead += buf.length;
    const found = walker.push(buf);
    if (found) {
      const { format } = found.header;
      return { format, formatTag: format.formatTag, blockAlign: format.blockAlign, header: found.header, rest: found.rest, bytesRead };
    }
  }
}

async function prefetchAndOpen(
  reader: ByteReader,
  start: DataStart,
  opts: { name: string; raw: boolean; knownSize: number | undefined; onShortInput: ((short: ShortInput) => void) | undefined },
): Promise<AudioInput> {
  const { format, blockAlign } = start;
  const declared = start.header?.dataSize;
  // Sample bytes still to read: the declared data size, or unbounded ("until end of input").
  let remaining = declared ?? Infinity;
  let dataBytes = 0;
  let ended = false;
  /** The part of `buf` that is sample data; sets `ended` when the declared size is reached. */
  const clip = (buf: Buffer): Buffer => {
    const piece = buf.length > remaining ? buf.subarray(0, remaining) : buf;
    remaining -= piece.length;
    dataBytes += piece.length;
    if (remaining === 0) ended = true;
    return piece;
  };
  const prefetched: Buffer[] = [];
  const first = clip(start.rest);
  if (first.length > 0) prefetched.push(first);
  const target = Math.max(blockAlign, Math.min(PREFETCH_MAX_BYTES, Math.ceil(format.sampleRate * blockAlign * PREFETCH_SECONDS)));
  while (!ended && dataBytes < target) {
    const buf = await reader.read();
    if (buf === undefined) {
      ended = true;
      // The whole input is read before anything is sent: a short one is refused like a short file.
      if (declared !== undefined) checkHeldAudio(opts.name, start, declared, dataBytes);
    } else {
      const piece = clip(buf);
      if (piece.length > 0) prefetched.push(piece);
    }
  }
  if (start.bytesRead + dataBytes === 0) throw emptyError(opts.name);
  if (opts.raw && ended && dataBytes % 2 === 1) throw oddRawError(opts.name, dataBytes);
  if (dataBytes < blockAlign) {
    throw new UsageError(
      `${opts.name} has no audio (no whole sample frame before the end of input); record or export it again`,
      'E_AUDIO_INPUT',
    );
  }
  // The declared size was reached: the rest of the file (trailing chunks) is not ours to read.
  if (ended) reader.close();

  const converter = await PcmConverter.create(format);
  const info = describeInput(start, opts.knownSize);
  let closed = false;
  // The generator checks `closed` after every yield and await, so it never touches a destroyed converter.
  const close = (): void => {
    if (closed) return;
    closed = true;
    reader.close();
    converter.destroy();
  };

  async function* pcm(): AsyncGenerator<Buffer> {
    try {
      if (closed) return;
      for (const buf of prefetched.splice(0)) {
        const out = converter.push(buf);
        if (out.length > 0) yield out;
        if (closed) return;
      }
      while (!ended) {
        const buf = await reader.read();
        if (closed) return;
        if (buf === undefined) {
          if (declared !== undefined && wholeFrames(dataBytes, blockAlign) < wholeFrames(declared, blockAlign)) {
            opts.onShortInput?.({ readSeconds: seconds(dataBytes, start), declaredSeconds: seconds(declared, start) });
          }
          break;
        }
        const piece = clip(buf);
        if (piece.length === 0) continue;
        const out = converter.push(piece);
        if (out.length > 0) yield out;
        if (closed) return;
      }
      if (opts.raw && dataBytes % 2 === 1) throw oddRawError(opts.name, dataBytes);
      const tail = converter.end();
      if (tail.length > 0) yield tail;
    } finally {
      close();
    }
  }

  return { info, pcm: pcm(), close };
}

function describeInput(start: DataStart, knownSize: number | undefined): AudioInputInfo {
  const { format, blockAlign, header } = start;
  const passthrough = isPassthrough(format);
  let dataBytes: number | undefined;
  if (header === undefined) dataBytes = knownSize;
  else if (knownSize !== undefined) dataBytes = Math.min(header.dataSize ?? Infinity, Math.max(0, knownSize - header.dataOffset));
  else dataBytes = header.dataSize;
  const expectedSeconds = dataBytes === undefined ? undefined : Math.floor(dataBytes / blockAlign) / format.sampleRate;
  const container = header ? 'wav' : 'raw';
  const channels = format.channels === 1 ? 'mono' : format.channels === 2 ? 'stereo' : `${format.channels}-channel`;
  const sample = format.encoding === 'float' ? `${format.bitsPerSample}-bit float` : `${format.bitsPerSample}-bit PCM`;
  const description =
    container === 'raw'
      ? 'raw L16 16 kHz mono (sent as is)'
      : passthrough
        ? 'WAV 16000 Hz mono 16-bit PCM (L16 16 kHz mono, sent as is)'
        : `WAV ${format.sampleRate} Hz ${channels} ${sample} → L16 16 kHz mono`;
  return {
    container,
    sampleRate: format.sampleRate,
    channels: format.channels,
    bitsPerSample: format.bitsPerSample,
    encoding: format.encoding,
    formatTag: start.formatTag,
    passthrough,
    ...(expectedSeconds === undefined ? {} : { expectedSeconds }),
    description,
  };
}

/** Pulls non-empty Buffers from a stream or async iterable; after close() it reports end of input. */
class ByteReader {
  private readonly source: NodeJS.ReadableStream | AsyncIterable<Buffer>;
  private readonly iterator: AsyncIterator<unknown>;
  private closed = false;

  constructor(
    source: NodeJS.ReadableStream | AsyncIterable<Buffer>,
    private readonly name = 'the input',
  ) {
    this.source = source;
    this.iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }

  async read(): Promise<Buffer | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      let next: IteratorResult<unknown>;
      try {
        next = await this.iterator.next();
      } catch (error) {
        // Closing mid-read makes a stream fail its pending read; that is the stop we asked for.
        if (this.closed) return undefined;
        // A read error of the input (EIO from /proc/self/mem, a device gone) is bad input: exit 2.
        const code = (error as NodeJS.ErrnoException | undefined)?.code;
        if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) throw fileError(this.name, error);
        throw error;
      }
      if (this.closed || next.done) return undefined;
      const buf = toBuffer(next.value);
      if (buf.length > 0) return buf;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const stream = this.source as { destroy?: () => void };
    if (typeof stream.destroy === 'function') stream.destroy();
    // Not awaited: a generator still inside next() would make return() wait for it.
    else void Promise.resolve(this.iterator.return?.()).catch(() => undefined);
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') throw new TypeError('audio source yields strings: do not set an encoding on it');
  throw new TypeError(`audio source yields ${typeof chunk}, not bytes`);
}

const wholeFrames = (bytes: number, blockAlign: number) => Math.floor(bytes / blockAlign);

function seconds(bytes: number, start: DataStart): number {
  return wholeFrames(bytes, start.blockAlign) / start.format.sampleRate;
}

/**
 * Refuses input that holds fewer whole sample frames than its WAV header declares: a truncated
 * recording, which would otherwise be sent without a word. A placeholder size never gets here.
 */
function checkHeldAudio(name: string, start: DataStart, declared: number, held: number): void {
  if (wholeFrames(held, start.blockAlign) >= wholeFrames(declared, start.blockAlign)) return;
  throw new UsageError(
    `${name} is truncated: its WAV header declares ${formatSeconds(seconds(declared, start))} of audio but it holds ` +
      `${formatSeconds(seconds(held, start))} (${declared - held} bytes missing); record or export it again`,
    'E_AUDIO_INPUT',
  );
}

function formatSeconds(s: number): string {
  return `${s.toFixed(2)} s`;
}

function regularFileSize(statFn: () => Stats): number | undefined {
  try {
    const s = statFn();
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

function fileError(path: string, error: unknown): UsageError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new UsageError(`no such file: ${path}`, 'E_AUDIO_INPUT');
  if (code === 'EACCES' || code === 'EPERM') {
    return new UsageError(`cannot read ${path}: permission denied; check the file's permissions`, 'E_AUDIO_INPUT');
  }
  if (code === 'EISDIR') return new UsageError(`${path} is a directory, not an audio file; give a WAV file`, 'E_AUDIO_INPUT');
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return new UsageError(`cannot read ${path} (${detail}); check the path`, 'E_AUDIO_INPUT');
}

function emptyError(name: string): UsageError {
  return new UsageError(`${name} is empty; give a WAV file, or headerless L16 16 kHz mono with --raw`, 'E_AUDIO_INPUT');
}

function oddRawError(name: string, bytes: number): UsageError {
  return new UsageError(
    `${name} has an odd number of bytes (${bytes}), so it is not 16-bit samples; --raw expects headerless L16 16 kHz mono`,
    'E_AUDIO_INPUT',
  );
}

import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from '../protocol/errors.js';

/**
 * Audio formats other than WAV recognised by their first bytes (magic numbers), so that an MP3
 * or an M4A given to `recognize` is named as such, with the command that converts it, instead of
 * "not a WAV file" (and, with --raw, instead of being sent as noise or refused for an odd size).
 */
export interface ForeignFormat {
  /** "an MP3 file" */
  description: string;
  /** sox's name for it (`sox -t <type>`), or undefined when sox cannot read it (ffmpeg only). */
  soxType: string | undefined;
}

/** What `identifyAudio` found: a foreign format, a RIFF/WAVE header, or nothing it knows. */
export type Identified = { kind: 'foreign'; format: ForeignFormat } | { kind: 'wav' } | { kind: 'unknown' };

/** Bytes worth reading before identifying: enough for every signature and for two MPEG frames. */
export const IDENTIFY_BYTES = 4096;

const MPEG_BITRATES_KBPS: Record<string, readonly number[]> = {
  // Index 1..14 of the bitrate field (0 is "free format", 15 is invalid).
  '1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MPEG_RATES: Record<number, readonly number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface MpegFrame {
  layer: 1 | 2 | 3;
  /** Bytes from this header to the next one. */
  length: number;
}

/** Parses an MPEG audio frame header (sync 0xFFE, a valid version, layer, bitrate and rate) at `at`. */
function mpegFrame(b: Buffer, at: number): MpegFrame | undefined {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (b[at + 1]! >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
  const layerBits = (b[at + 1]! >> 1) & 3; // 3: layer I, 2: layer II, 1: layer III, 0: reserved
  const bitrateIndex = b[at + 2]! >> 4;
  const rateIndex = (b[at + 2]! >> 2) & 3;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const kbps = MPEG_BITRATES_KBPS[`${version === 3 ? 1 : 2}-${layer}`]![bitrateIndex - 1]!;
  const rate = MPEG_RATES[version]![rateIndex]!;
  const padding = (b[at + 2]! >> 1) & 1;
  const length =
    layer === 1
      ? (Math.floor((12 * kbps * 1000) / rate) + padding) * 4
      : Math.floor(((layer === 3 && version !== 3 ? 72 : 144) * kbps * 1000) / rate) + padding;
  return { layer, length };
}

const MPEG_NAMES = { 1: 'an MPEG layer I audio file', 2: 'an MP2 file', 3: 'an MP3 file' } as const;

const ascii = (b: Buffer, from: number, to: number) => (b.length >= to ? b.toString('latin1', from, to) : '');

/**
 * Identifies `head`, the first bytes of an input. `strict` (for --raw, where any bytes are valid
 * samples) takes a bare MPEG frame header only when the next frame follows where it should: a
 * first sample of about -1025 starts with the same 0xFF 0xFB.
 */
export function identifyAudio(head: Buffer, options: { strict?: boolean } = {}): Identified {
  const foreign = (description: string, soxType: string | undefined): Identified => ({ kind: 'foreign', format: { description, soxType } });
  const magic4 = ascii(head, 0, 4);
  if ((magic4 === 'RIFF' || magic4 === 'RF64') && ascii(head, 8, 12) === 'WAVE') return { kind: 'wav' };
  // ID3v2 (version 2..4) then MP3 frames.
  if (ascii(head, 0, 3) === 'ID3' && head.length >= 4 && head[3]! >= 2 && head[3]! <= 4) return foreign('an MP3 file', 'mp3');
  if (magic4 === 'OggS') {
    const page = head.toString('latin1', 0, Math.min(head.length, 128));
    if (page.includes('OpusHead')) return foreign('an Ogg Opus file', undefined);
    if (page.includes('\u0001vorbis')) return foreign('an Ogg Vorbis file', 'ogg');
    if (page.includes('FLAC')) return foreign('an Ogg FLAC file', undefined);
    return foreign('an Ogg file', 'ogg');
  }
  if (magic4 === 'fLaC') return foreign('a FLAC file', 'flac');
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand === 'M4A ' || brand === 'M4B ') return foreign('an M4A (AAC) file', undefined);
    if (brand === 'qt  ') return foreign('a QuickTime (MOV) file', undefined);
    if (brand.startsWith('3g')) return foreign('a 3GP file', undefined);
    return foreign('an MP4 file', undefined);
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return foreign('a WebM/Matroska file', undefined);
  if (magic4 === 'FORM' && (ascii(head, 8, 12) === 'AIFF' || ascii(head, 8, 12) === 'AIFC')) return foreign('an AIFF file', 'aiff');
  if (magic4 === 'caff') return foreign('a CAF file', 'caf');
  if (magic4 === '.snd') return foreign('an AU file', 'au');
  if (ascii(head, 0, 5) === '#!AMR') return foreign('an AMR file', 'amr-nb');
  // ADTS AAC: sync 0xFFF, layer 0.
  if (head.length >= 4 && head[0] === 0xff && (head[1]! & 0xf6) === 0xf0 && ((head[2]! >> 2) & 0xf) < 13) {
    if (!options.strict || adtsFollows(head)) return foreign('an AAC (ADTS) file', undefined);
  }
  const frame = mpegFrame(head, 0);
  if (frame) {
    const next = mpegFrame(head, frame.length);
    if (!options.strict || (next !== undefined && next.layer === frame.layer)) return foreign(MPEG_NAMES[frame.layer], frame.layer === 1 ? undefined : `mp${frame.layer}`);
  }
  return { kind: 'unknown' };
}

/** Whether a second ADTS frame starts where the first one's length field says. */
function adtsFollows(b: Buffer): boolean {
  if (b.length < 6) return false;
  const length = ((b[3]! & 0x03) << 11) | (b[4]! << 3) | (b[5]! >> 5);
  return length > 7 && length + 2 <= b.length && b[length] === 0xff && (b[length + 1]! & 0xf6) === 0xf0;
}

/** Quotes a path for a POSIX shell when it needs it. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_\-./:@%+=,]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The one-line refusal for a foreign format, with the commands that convert it. `path` is what the
 * user gave ('-' for standard input), so the commands can be pasted as they are.
 */
export function foreignFormatError(format: ForeignFormat, name: string, path: string | undefined): UsageError {
  if (path === undefined || path === '-') {
    const who = path === '-' ? 'standard input' : name;
    const sox = format.soxType ? ` or … | sox -t ${format.soxType} - -r 16000 -c 1 -b 16 -t wav - | clova-cli recognize -` : '';
    return new UsageError(
      `${who} is ${format.description}, not WAV; convert it on the way: … | ffmpeg -i - -ar 16000 -ac 1 -f wav - | clova-cli recognize -${sox}`,
      'E_AUDIO_FORMAT',
    );
  }
  const base = basename(path, extname(path));
  let out = join(dirname(path), `${base}.wav`);
  if (out === join(dirname(path), basename(path))) out = join(dirname(path), `${base}-16k.wav`);
  const [i, o] = [shellWord(path), shellWord(out)];
  const sox = format.soxType ? ` or sox ${i} -r 16000 -c 1 -b 16 ${o}` : '';
  return new UsageError(`${path} is ${format.description}, not WAV; convert it: ffmpeg -i ${i} -ar 16000 -ac 1 ${o}${sox}`, 'E_AUDIO_FORMAT');
}

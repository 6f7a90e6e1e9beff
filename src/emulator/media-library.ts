/**
 * The emulator's music (spec 5.6): three generated tracks of 30 s, served by the emulator itself
 * at `/media/<id>.mp3` (media-http.ts), and the AudioPlayer directives that play them. One track's
 * Play carries no playable URL (`urlPlayable: false`, a `clova:TR-…` URL), so a client has to ask
 * for it with `StreamRequested` and merge the `StreamDeliver` answer.
 */
import { buildDirective, type DirectiveMessage } from '../protocol/messages.js';
import { newId } from '../protocol/ids.js';
import { encodeMp3Gradually, MP3_SAMPLE_RATE } from './mp3.js';
import { renderPiece, type Piece } from './music.js';

/** One track of the library. */
export interface Track {
  id: string;
  title: string;
  artist: string;
  album: string;
  /** false: Play carries `clova:TR-CIC-<id>`, and the playable URL comes with StreamDeliver. */
  playable: boolean;
  piece: Piece;
}

/** How long every track lasts. */
export const TRACK_MS = 30_000;
/** Bit rate of the tracks: 30 s of 16 kHz mono at 24 kbps are about 90 KB. */
const TRACK_KBPS = 24;

/** The progress reports a Play asks for (spec 5.6): at 2 s, every 5 s, and once past 7 s. */
export const PROGRESS_REPORT = {
  progressReportDelayInMilliseconds: 2000,
  progressReportIntervalInMilliseconds: 5000,
  progressReportPositionInMilliseconds: 7000,
} as const;

const C = [60, 64, 67];
const G = [55, 59, 62];
const AM = [57, 60, 64];
const F = [53, 57, 60];
const BB = [58, 62, 65];

/** The library, in the order "next song" walks through it. */
export const TRACKS: readonly Track[] = [
  {
    id: 'morning-walk',
    title: 'Morning Walk',
    artist: 'The Loopback Trio',
    album: 'Offline Sessions',
    playable: true,
    piece: { bpm: 96, chords: [C, G, AM, F], scale: [67, 69, 72, 74, 76, 79, 81, 84, 86], seed: 7 },
  },
  {
    id: 'evening-tide',
    title: 'Evening Tide',
    artist: 'The Loopback Trio',
    album: 'Offline Sessions',
    playable: true,
    piece: { bpm: 80, chords: [AM, F, C, G], scale: [64, 67, 69, 72, 74, 76, 79, 81, 84], seed: 11 },
  },
  {
    id: 'blue-loop',
    title: 'Blue Loop',
    artist: 'Port Zero Radio',
    album: 'Late Night Jazz',
    playable: false,
    piece: { bpm: 112, chords: [F, BB, F, C], scale: [65, 67, 69, 72, 74, 77, 79, 81, 84], seed: 23, swing: true },
  },
];

/** The track "play some music" starts, and the one "play the radio" / "play some jazz" starts. */
export const MUSIC_TRACK: Track = TRACKS[0]!;
export const RADIO_TRACK: Track = TRACKS[2]!;

const mp3s = new Map<string, Promise<Buffer>>();

/** The track with this id. */
export function trackById(id: string): Track | undefined {
  return TRACKS.find((t) => t.id === id);
}

/**
 * The MP3 of a track: made on first use, i.e. on the first request for it (0.5-1.5 s of work, one
 * second of audio per event-loop turn), then cached for the process. Not made ahead when a Play
 * goes out: a one-shot command would wait for it before exiting.
 */
export function trackMp3(track: Track): Promise<Buffer> {
  let mp3 = mp3s.get(track.id);
  if (!mp3) {
    mp3 = encodeMp3Gradually(renderPiece(track.piece, TRACK_MS / 1000, MP3_SAMPLE_RATE), TRACK_KBPS);
    mp3s.set(track.id, mp3);
  }
  return mp3;
}

/** The path the emulator serves a track at. */
export function mediaPath(track: Track): string {
  return `/media/${track.id}.mp3`;
}

/** The track a `/media/…` path names. */
export function trackOfPath(path: string): Track | undefined {
  const m = /^\/media\/([a-z0-9-]+)\.mp3$/.exec(path);
  return m ? trackById(m[1]!) : undefined;
}

const NOT_PLAYABLE_PREFIX = 'clova:TR-CIC-';

/**
 * The track an AudioStreamInfoObject (a Play's `stream`, or the `stream` of a PlaybackState
 * context) belongs to, from its `customData`, its served URL or its `clova:TR-CIC-` URL.
 */
export function trackOfStream(stream: unknown): Track | undefined {
  if (typeof stream !== 'object' || stream === null) return undefined;
  const { customData, url } = stream as { customData?: unknown; url?: unknown };
  if (typeof customData === 'string') {
    const m = /(?:^|;)track=([a-z0-9-]+)(?:;|$)/.exec(customData);
    const t = m ? trackById(m[1]!) : undefined;
    if (t) return t;
  }
  if (typeof url !== 'string') return undefined;
  if (url.startsWith(NOT_PLAYABLE_PREFIX)) return trackById(url.slice(NOT_PLAYABLE_PREFIX.length));
  try {
    return trackOfPath(new URL(url).pathname);
  } catch {
    return undefined;
  }
}

/** The track after (step 1) or before (step -1) `track` in the library, wrapping around. */
export function neighbour(track: Track | undefined, step: 1 | -1): Track {
  const i = track ? TRACKS.indexOf(track) : -1;
  return TRACKS[(((i < 0 ? 0 : i + step) % TRACKS.length) + TRACKS.length) % TRACKS.length]!;
}

/**
 * `AudioPlayer.Play` of a track: a fresh audioItemId and stream token, the served URL (or a
 * `clova:TR-` one with `urlPlayable: false`), the duration, progress reports and customData.
 */
export function playDirective(
  track: Track,
  baseUrl: string,
  dialogRequestId?: string,
  playBehavior: 'REPLACE_ALL' | 'ENQUEUE' = 'REPLACE_ALL',
): DirectiveMessage {
  const stream = {
    url: track.playable ? `${baseUrl}${mediaPath(track)}` : `${NOT_PLAYABLE_PREFIX}${track.id}`,
    urlPlayable: track.playable,
    token: newId(),
    beginAtInMilliseconds: 0,
    durationInMilliseconds: TRACK_MS,
    format: 'audio/mpeg',
    // The radio variant has no position report: each report may be null (spec 5.6).
    progressReport: track.playable ? { ...PROGRESS_REPORT } : { ...PROGRESS_REPORT, progressReportPositionInMilliseconds: null },
    customData: `cic-emulator;track=${track.id}`,
  };
  return buildDirective(
    'AudioPlayer',
    'Play',
    {
      audioItem: {
        audioItemId: newId(),
        stream,
        titleText: track.title,
        titleSubText1: track.artist,
        titleSubText2: track.album,
        type: 'cic-emulator',
      },
      playBehavior,
      source: { name: 'CIC emulator' },
    },
    dialogRequestId,
  );
}

/**
 * `AudioPlayer.StreamDeliver` for a Play whose stream was not playable: just the fields that
 * change (the playable URL) besides the required ones; the client merges the rest from the Play
 * (spec 5.6's merge table).
 */
export function streamDeliverDirective(track: Track, audioItemId: string, token: string, baseUrl: string): DirectiveMessage {
  return buildDirective('AudioPlayer', 'StreamDeliver', {
    audioItemId,
    audioStream: { url: `${baseUrl}${mediaPath(track)}`, urlPlayable: true, token, beginAtInMilliseconds: 0 },
  });
}

/**
 * The base URL (`scheme://authority`) the client used to reach the emulator, from the request's
 * `:scheme` and `:authority` (or `host`) headers, so that served URLs work on any port and
 * interface; `fallback` when they are missing or look wrong.
 */
export function requestBaseUrl(headers: Record<string, string | string[] | undefined>, fallback: string): string {
  const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);
  const scheme = one(headers[':scheme']);
  const authority = one(headers[':authority']) ?? one(headers.host);
  const hostPort = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
  if ((scheme !== 'http' && scheme !== 'https') || authority === undefined || !hostPort.test(authority)) return fallback;
  return `${scheme}://${authority}`;
}

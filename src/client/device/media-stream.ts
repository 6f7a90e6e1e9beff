/**
 * AudioPlayer's stream object (spec 5.6, AudioStreamInfoObject): read from a directive, merged with
 * a StreamDeliver, and what the client needs from it. Pure: no I/O. The object as received is kept
 * whole (the PlaybackState context echoes it, `customData` unchanged); only what playback needs is
 * read out of it.
 */

/** A stream object as CIC sent it (merged with StreamDeliver when one came). */
export type RawStream = Record<string, unknown>;

/** The progress-report settings: each a position in ms, or undefined when not asked for (null or absent). */
export interface ProgressSettings {
  delayMs?: number;
  intervalMs?: number;
  positionMs?: number;
}

/** What playback reads from a stream object. */
export interface StreamInfo {
  url: string;
  urlPlayable: boolean;
  token: string;
  beginAtMs: number;
  durationMs?: number;
  /** The declared format, lower case (`audio/mpeg` when none is given, the spec's default). */
  format: string;
  progress: ProgressSettings;
}

const isSet = (v: unknown) => v !== undefined && v !== null;

function nonNegative(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

/** The playback facts of a stream object; undefined when it lacks a url or a token. */
export function streamInfo(raw: RawStream): StreamInfo | undefined {
  if (typeof raw.url !== 'string' || raw.url.length === 0 || typeof raw.token !== 'string') return undefined;
  const report = raw.progressReport !== null && typeof raw.progressReport === 'object' ? (raw.progressReport as Record<string, unknown>) : {};
  const progress: ProgressSettings = {};
  const delay = nonNegative(report.progressReportDelayInMilliseconds);
  const interval = nonNegative(report.progressReportIntervalInMilliseconds);
  const position = nonNegative(report.progressReportPositionInMilliseconds);
  if (delay !== undefined) progress.delayMs = delay;
  if (interval !== undefined && interval > 0) progress.intervalMs = interval;
  if (position !== undefined) progress.positionMs = position;
  const duration = nonNegative(raw.durationInMilliseconds);
  return {
    url: raw.url,
    urlPlayable: raw.urlPlayable !== false,
    token: raw.token,
    beginAtMs: nonNegative(raw.beginAtInMilliseconds) ?? 0,
    ...(duration !== undefined ? { durationMs: duration } : {}),
    format: typeof raw.format === 'string' && raw.format.length > 0 ? raw.format.toLowerCase() : 'audio/mpeg',
    progress,
  };
}

/**
 * Merges a StreamDeliver's `audioStream` into the Play's stream (spec 5.6): a value only in Play is
 * kept, a value only in StreamDeliver is added, a value in both is StreamDeliver's; missing and
 * `null` count as absent. `progressReport` is merged field by field by the same rule, so a
 * StreamDeliver that changes one report value changes only that one.
 */
export function mergeStreamDeliver(play: RawStream, deliver: RawStream): RawStream {
  const merged: RawStream = { ...play };
  for (const [key, value] of Object.entries(deliver)) {
    if (!isSet(value)) continue;
    const before = merged[key];
    if (key === 'progressReport' && isObject(before) && isObject(value)) merged[key] = mergeStreamDeliver(before, value);
    else merged[key] = value;
  }
  return merged;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True for an HTTP Live Streaming playlist (by its declared format, or a `.m3u8`/`.m3u` URL). */
export function isPlaylist(info: Pick<StreamInfo, 'format' | 'url'>): boolean {
  return /mpegurl/.test(info.format) || /\.m3u8?(?:[?#]|$)/i.test(info.url);
}

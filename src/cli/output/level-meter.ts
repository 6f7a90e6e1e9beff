import type { Level } from '../../audio/level.js';

/** Colours the meter may use; a chalk instance fits. Without it the line is plain text. */
export interface MeterColors {
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
}

/** The bar spans this many dB below full scale: speech sits around -40..-10, below -60 is a quiet room. */
const RANGE_DB = 60;
/** Above this the input is hot: the bar turns yellow. */
const HOT_DBFS = -6;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** One line for a TTY: a bar of `width` cells, the dBFS figure, a clipping mark, optional seconds, e.g. "▕██████▌     ▏ -23 dBFS  2.4 s". Pure. */
export function renderLevelMeter(level: Level, options: { width?: number; seconds?: number; colors?: MeterColors } = {}): string {
  const width = Math.max(1, Math.floor(options.width ?? 20));
  const fraction = Math.min(1, Math.max(0, (level.dbfs + RANGE_DB) / RANGE_DB));
  const eighths = Math.round(fraction * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = EIGHTHS[eighths % 8] ?? '';
  const filled = '█'.repeat(full) + partial;
  const bar = filled + ' '.repeat(width - full - (partial ? 1 : 0));
  const c = options.colors;
  const paintedBar = c === undefined ? bar : level.clipped ? c.red(bar) : level.dbfs >= HOT_DBFS ? c.yellow(bar) : c.green(bar);
  const db = `${String(Math.round(level.dbfs) || 0).padStart(3)} dBFS`;
  let line = `▕${paintedBar}▏ ${db}`;
  if (options.seconds !== undefined) line += `  ${options.seconds.toFixed(1)} s`;
  if (level.clipped) line += `  ${c === undefined ? 'CLIP' : c.red('CLIP')}`;
  return line;
}

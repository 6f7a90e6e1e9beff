import { CONNECTION_STAGES, TURN_STAGES, type ConnectionStage, type TurnStage, type TurnTiming } from '../client/timings.js';

// The percentiles of `--repeat N` (as NUGU's nugu_prof gives them per stage): pure code, no I/O.

/** The percentiles printed for each stage. */
export const PERCENTILES = [50, 90, 99] as const;

/**
 * The `p`th percentile of ascending `sorted` values by the nearest-rank method: the smallest value
 * that at least p % of the values are less than or equal to (so always one of the values; p50 of
 * an even count is the lower middle one). Undefined for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be from 0 to 100 (got ${p})`);
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** One stage over the turns it happened in (ms). */
export interface StageStats {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** A summary stage: a turn's stages and the gap between the last audio part and StopCapture. */
export type SummaryStage = TurnStage | 'stopCaptureAfterLastAudio';
export const SUMMARY_STAGES: readonly SummaryStage[] = [...TURN_STAGES.slice(0, 4), 'stopCaptureAfterLastAudio', ...TURN_STAGES.slice(4)];

/** What `--repeat N` prints at the end. */
export interface TimingSummary {
  /** Turns timed. */
  turns: number;
  /** Each stage that happened in at least one turn (ms from the request). */
  stages: Partial<Record<SummaryStage, StageStats>>;
  /** The connections opened (usually one), each phase over them (ms from connecting). */
  connection: Partial<Record<ConnectionStage, StageStats>>;
}

/** The stats of `values` (not empty); sorts them in place. */
export function stageStats(values: number[]): StageStats {
  values.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const [p50, p90, p99] = PERCENTILES.map((p) => percentile(values, p)!);
  return {
    count: values.length,
    p50: p50!,
    p90: p90!,
    p99: p99!,
    min: values[0]!,
    max: values[values.length - 1]!,
    mean: round(values.reduce((a, b) => a + b, 0) / values.length),
  };
}

/** Collects the timings of repeated turns: one number per stage and turn (N is the user's). */
export class TimingCollector {
  private turns = 0;
  private readonly stages = new Map<SummaryStage, number[]>();
  private readonly connection = new Map<ConnectionStage, number[]>();

  add(t: TurnTiming): void {
    this.turns++;
    const push = <K>(m: Map<K, number[]>, k: K, v: number | undefined) => {
      if (v === undefined) return;
      const list = m.get(k);
      if (list) list.push(v);
      else m.set(k, [v]);
    };
    for (const s of TURN_STAGES) push(this.stages, s, t.stages[s]);
    push(this.stages, 'stopCaptureAfterLastAudio', t.stopCaptureAfterLastAudioMs);
    if (t.connection) for (const s of CONNECTION_STAGES) push(this.connection, s, t.connection.stages[s]);
  }

  summary(): TimingSummary {
    const stages: TimingSummary['stages'] = {};
    for (const s of SUMMARY_STAGES) {
      const v = this.stages.get(s);
      if (v) stages[s] = stageStats([...v]);
    }
    const connection: TimingSummary['connection'] = {};
    for (const s of CONNECTION_STAGES) {
      const v = this.connection.get(s);
      if (v) connection[s] = stageStats([...v]);
    }
    return { turns: this.turns, stages, connection };
  }
}

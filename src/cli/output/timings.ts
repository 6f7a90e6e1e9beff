import type { ConnectionStage, TurnStage, TurnTiming } from '../../client/timings.js';
import { SUMMARY_STAGES, type StageStats, type SummaryStage, type TimingSummary } from '../timing-stats.js';

// How --timings and --repeat look to a person: one line per connection and per turn, a table at
// the end of --repeat. The same data goes out as `timing` and `timing-summary` NDJSON lines.

/** What each stage is called on the screen. */
export const STAGE_LABELS: Record<SummaryStage | ConnectionStage, string> = {
  headersSent: 'headers sent',
  firstAudio: 'first audio part',
  lastAudio: 'last audio part',
  stopCapture: 'StopCapture',
  stopCaptureAfterLastAudio: 'StopCapture after last audio',
  bodyClosed: 'body closed',
  responseHeaders: 'response headers',
  firstDirective: 'first directive',
  firstSpeechByte: 'first speech byte',
  lastByte: 'last byte',
  tcp: 'TCP',
  tls: 'TLS',
  settings: 'h2 settings',
  hello: 'Hello',
};

const num = (v: number) => v.toFixed(2);

/** The lines of one turn's timing (without newlines): the connection's opening first, when told. */
export function timingLines(t: TurnTiming): string[] {
  const lines: string[] = [];
  if (t.connection) {
    const parts = Object.entries(t.connection.stages).map(([s, v]) => `${STAGE_LABELS[s as ConnectionStage]} ${num(v)}`);
    lines.push(`timing: conn#${t.connection.id} opened (ms from connecting): ${parts.join(' · ')}`);
  }
  // In the order they happened (StopCapture may come after the body was closed by the end of the input).
  const parts = Object.entries(t.stages).sort((a, b) => a[1] - b[1]).map(([s, v]) => {
    const after = s === 'stopCapture' && t.stopCaptureAfterLastAudioMs !== undefined ? ` (${num(t.stopCaptureAfterLastAudioMs)} after the last audio part)` : '';
    return `${STAGE_LABELS[s as TurnStage]} ${num(v)}${after}`;
  });
  const where = t.connectionId !== undefined ? ` conn#${t.connectionId}${t.streamId !== undefined ? ` stream ${t.streamId}` : ''}` : '';
  lines.push(`timing: ${t.event}${where} (ms from the request): ${parts.join(' · ')}`);
  return lines;
}

/** The table of a --repeat run (without newlines). */
export function summaryLines(s: TimingSummary): string[] {
  const head = ['stage', 'count', 'p50', 'p90', 'p99', 'min', 'max'];
  const rows: string[][] = [];
  const row = (label: string, st: StageStats) => [label, String(st.count), num(st.p50), num(st.p90), num(st.p99), num(st.min), num(st.max)];
  for (const [k, st] of Object.entries(s.connection)) rows.push(row(`${STAGE_LABELS[k as ConnectionStage]} (connecting)`, st));
  for (const k of SUMMARY_STAGES) {
    const st = s.stages[k];
    if (st) rows.push(row(STAGE_LABELS[k], st));
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`timings of ${s.turns} turn${s.turns === 1 ? "" : "s"} (ms from the request; connection phases from connecting)`, format(head), ...rows.map(format)];
}

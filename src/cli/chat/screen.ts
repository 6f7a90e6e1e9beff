import readline, { type Interface } from 'node:readline';
import type { Activity } from '../../client/client.js';
import type { ScreenWriters } from '../request-session.js';

/** How the prompt is coloured (chalk, or plain text). */
export interface PromptStyle {
  dim(text: string): string;
  cyan(text: string): string;
  yellow(text: string): string;
}

const LABELS: Record<Activity, string> = {
  idle: '',
  listening: '🎤 listening',
  thinking: '… thinking',
  speaking: '♪ speaking',
  playing: '▶ playing',
};

/**
 * The bottom line of an interactive session on a terminal: the state (idle, listening, thinking,
 * speaking, playing, or the live meter/transcript), the prompt, and what the user has typed so far.
 * Output that arrives meanwhile (a push from CLOVA, an answer) is written above it: the prompt line
 * is erased, the output written, and readline redraws the prompt with the half-typed line and the
 * cursor where they were.
 */
export class ChatScreen implements ScreenWriters {
  private rl: Interface | undefined;
  private activity: Activity = 'idle';
  private expecting = false;
  private liveText = '';
  private reconnecting = false;

  /** `term`: the terminal the prompt is drawn on (stderr), `stdout`: where answers go. */
  constructor(
    private readonly term: NodeJS.WriteStream,
    private readonly stdout: NodeJS.WriteStream,
    private readonly style: PromptStyle,
  ) {}

  /** From now on output goes above this readline's prompt. */
  attach(rl: Interface): void {
    this.rl = rl;
    this.refresh();
  }

  /** The prompt is erased and output is written straight again (the session is ending). */
  detach(): void {
    if (!this.rl) return;
    this.erase();
    this.rl = undefined;
  }

  readonly out = (text: string): void => this.above(this.stdout, text);
  readonly err = (text: string): void => this.above(this.term, text);
  readonly live = (text: string): void => {
    this.liveText = text;
    this.refresh();
  };

  /** Shows what the session does and whether CLOVA waits for an answer. */
  status(activity: Activity, expecting: boolean): void {
    if (activity === this.activity && expecting === this.expecting) return;
    this.activity = activity;
    this.expecting = expecting;
    this.refresh();
  }

  /** Shows that the link is lost and being repaired (true), or back (false). */
  link(reconnecting: boolean): void {
    if (reconnecting === this.reconnecting) return;
    this.reconnecting = reconnecting;
    this.refresh();
  }

  /** The prompt as it reads now. */
  promptText(): string {
    const s = this.style;
    if (this.liveText) return `${this.liveText} ${s.dim('›')} `;
    if (this.reconnecting && this.activity === 'idle') return `${s.yellow('clova (reconnecting…)')} ${s.cyan('›')} `;
    const label = LABELS[this.activity];
    if (label) return `${s.dim(label)} ${s.dim('›')} `;
    if (this.expecting) return `${s.yellow('clova (answer)')} ${s.cyan('›')} `;
    return `${s.cyan('clova')} ${s.cyan('›')} `;
  }

  /** Redraws the prompt (after a change of state), keeping the half-typed line. */
  refresh(): void {
    const rl = this.rl;
    if (!rl) return;
    rl.setPrompt(this.promptText());
    rl.prompt(true);
  }

  private above(stream: NodeJS.WriteStream, text: string): void {
    if (!this.rl) {
      stream.write(text);
      return;
    }
    this.erase();
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
    this.refresh();
  }

  /** Erases the prompt and the typed line (which may wrap over several rows); the cursor ends at their start. */
  private erase(): void {
    const rl = this.rl!;
    const rows = rl.getCursorPos().rows;
    if (rows > 0) readline.moveCursor(this.term, 0, -rows);
    readline.cursorTo(this.term, 0);
    readline.clearScreenDown(this.term);
    // readline's redraw starts by going up as many rows as the cursor was down: that was done here.
    const internal = rl as unknown as { prevRows?: number };
    if (typeof internal.prevRows === 'number') internal.prevRows = 0;
  }
}

import type { ChalkInstance } from 'chalk';
import { FloodGate } from './flood-gate.js';
import type { Ora } from 'ora';
import type { Activity, AlertChange, AlertInfo, AlertStopReason, EventResult, MediaProgress, MediaStatus, ReceivedDirective, RecognizeResult, TurnTiming } from '../../client/client.js';
import type { AudioInfo } from '../../client/response-reader.js';
import type { SpeechProgress } from '../../client/speech-queue.js';
import type { Level } from '../../audio/level.js';
import { terminalLine, terminalText } from '../../protocol/sanitize.js';
import { describeDirective } from '../../client/handlers/describe.js';
import { ALERT_KINDS, localClock, localTime } from '../../client/handlers/alerts.js';
import { renderLevelMeter } from './level-meter.js';
import { summaryLines, timingLines } from './timings.js';
import type { TimingSummary } from '../timing-stats.js';
import type { CaptureInfo, Renderer, RequestInfo, SessionInfo, StatusInfo, TurnError } from './renderer.js';

/** Which of the two streams are terminals (live lines are drawn only there). */
export interface Terminals {
  out: boolean;
  err: boolean;
}

/** What the human output shows beyond the answer. */
export interface HumanOptions {
  /** --verbose: ids (speech content ids) and raw payload JSON of directives without a description. */
  verbose?: boolean;
  /**
   * The one live line of an interactive session (chat draws it in its prompt): the level meter,
   * the upload progress and the live transcript go there instead of being redrawn in place on
   * stderr and stdout; '' clears it. A transcript is kept as a line of its own when it is done.
   */
  live?: (text: string) => void;
}

/** Progress is shown only for inputs longer than this (seconds of audio sent). */
const PROGRESS_AFTER_SECONDS = 3;
/** Live lines are redrawn at most this often. */
const REDRAW_MS = 100;

type Write = (line: string) => void;

/**
 * 2160 -> "2,160", as toLocaleString('en-US') writes it; that call's first use loads ICU's locale
 * data, which measured 10 ms of every answer with speech.
 */
export function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** 75000 ms -> "1:15". */
function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** `"Title" by Artist`, terminal-safe (server text), or the token when there is no title. */
function mediaTitle(m: { title?: string; artist?: string; token?: string }): string {
  const title = m.title !== undefined ? `"${terminalLine(m.title)}"` : terminalLine(m.token ?? 'music');
  return m.artist !== undefined ? `${title} by ${terminalLine(m.artist)}` : title;
}

/** Continuation lines of a multi-line answer start under its text, never at column 0 (where a forged "clova-cli:" line could pass for ours). */
const ANSWER_INDENT = ' '.repeat('CLOVA: '.length);


/**
 * Readable output: the answer text prominently, one line per other directive, a note per saved
 * file. Every string that did not come from us (server text above all, but also file names and
 * the user's own input) goes through terminalLine/terminalText before it is drawn: escape
 * sequences and control characters in it would drive the terminal.
 */
export class HumanRenderer implements Renderer {
  private spinner: Ora | undefined;
  /** After close(): nothing more is drawn (a late event must not print after the final error line). */
  private closed = false;

  constructor(
    private readonly out: Write,
    private readonly err: Write,
    private readonly color: ChalkInstance,
    private readonly makeSpinner: ((text: string) => Ora) | undefined,
    private readonly tty: Terminals = { out: false, err: false },
    private readonly options: HumanOptions = {},
  ) {}

  /** Speech of this turn that was neither saved nor (so far) played. */
  /** A flood of directives of one name: a few lines, then "… and 9,990 more SetAlert". */
  private readonly directiveFlood = new FloodGate((line) => this.out(`  ${this.color.dim('·')} ${line}\n`));
  /** The same for a run of one notice (stderr). */
  private readonly noticeFlood = new FloodGate((line) => this.err(`${this.color.yellow('clova-cli:')} ${line}\n`));
  private unkeptSpeech = 0;
  /** Speech of this turn started playing. */
  private playedSpeech = false;
  /** The --save-audio hint was given (once a run is enough). */
  private savedHintShown = false;

  /** A live line on stderr (meter, progress) that is redrawn in place. */
  private liveStatus = '';
  private lastDraw = 0;
  /** A live transcript line on stdout (ShowRecognizedText) not yet ended with a newline. */
  private transcriptOpen = false;
  /** With a live line (chat): the transcript shown in it, terminal-safe, until it is done. */
  private liveTranscript = '';

  private stopSpinner(): void {
    this.spinner?.stop();
    this.spinner = undefined;
    this.clearLive();
  }

  /** Clears the live lines before other output is written. */
  private clearLive(): void {
    if (this.options.live) {
      if (!this.liveStatus && !this.liveTranscript) return;
      const heard = this.liveTranscript;
      this.liveStatus = '';
      this.liveTranscript = '';
      this.options.live('');
      if (heard) this.out(`  ${this.color.dim('heard:')} ${heard}\n`);
      return;
    }
    if (this.liveStatus) {
      this.err('\r\x1b[2K');
      this.liveStatus = '';
    }
    if (this.transcriptOpen) {
      this.out('\n');
      this.transcriptOpen = false;
    }
  }

  private drawStatus(text: string, force = false): void {
    if (!this.tty.err && !this.options.live) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    if (this.options.live) {
      this.liveStatus = text;
      this.options.live(this.liveTranscript ? `${this.color.dim('heard:')} ${this.liveTranscript}` : text);
      return;
    }
    this.spinner?.stop();
    this.spinner = undefined;
    if (this.transcriptOpen) {
      this.out('\n');
      this.transcriptOpen = false;
    }
    this.liveStatus = text;
    this.err(`\r\x1b[2K${text}`);
  }

  request(info: RequestInfo): void {
    if (this.closed) return;
    this.stopSpinner();
    this.unkeptSpeech = 0;
    this.playedSpeech = false;
    const c = this.color;
    const who = info.followUp ? '↪ you (follow-up):' : 'you:';
    if (info.kind === 'voice') {
      this.out(`${c.dim(who)} ${c.dim(`🎤 ${terminalLine(info.input ?? 'audio')}`)} ${c.dim(`(${terminalLine(info.text)})`)}\n`);
      return; // the spinner starts when the audio has been sent
    }
    this.out(`${c.dim(who)} ${terminalLine(info.text)}\n`);
    this.startSpinner();
  }

  private startSpinner(): void {
    // Not over a live transcript: the spinner would draw on its line.
    if (this.closed) return;
    if (this.makeSpinner && !this.spinner && !this.transcriptOpen) this.spinner = this.makeSpinner('waiting for CLOVA…').start();
  }

  directive(d: ReceivedDirective): void {
    if (this.closed) return;
    const c = this.color;
    const { header, payload } = d.message.directive;
    if (!this.directiveFlood.pass(header.name)) return;
    // The session's own alert sync at every (re)connection: bookkeeping, unless it brings alerts.
    if (!this.options.verbose && header.namespace === 'Alerts' && header.name === 'SynchronizeAlert') {
      const all = (payload as { allAlerts?: unknown } | undefined)?.allAlerts;
      if (Array.isArray(all) && all.length === 0) return;
    }
    const shown = describeDirective(d.message.directive, { verbose: this.options.verbose });
    const from = d.source === 'downchannel' ? c.dim(' (downchannel)') : '';
    if (shown.kind === 'transcript') {
      // The live transcript: one line redrawn in place on a terminal, one line per update otherwise.
      if (this.options.live) {
        this.spinner?.stop();
        this.spinner = undefined;
        this.liveTranscript = terminalLine(shown.text);
        this.options.live(`${c.dim('heard:')} ${this.liveTranscript}`);
        return;
      }
      if (this.tty.out) {
        this.spinner?.stop();
        this.spinner = undefined;
        if (this.liveStatus) {
          this.err('\r\x1b[2K');
          this.liveStatus = '';
        }
        this.out(`\r\x1b[2K${c.dim('heard:')} ${terminalLine(shown.text)}`);
        this.transcriptOpen = true;
      } else {
        this.stopSpinner();
        this.out(`  ${c.dim('heard:')} ${terminalLine(shown.text)}\n`);
      }
      return;
    }
    this.stopSpinner();
    if (shown.kind === 'answer') {
      const text = terminalText(shown.text).split('\n').join(`\n${ANSWER_INDENT}`);
      this.out(`${c.bold.cyan('CLOVA:')} ${c.bold(text)}${from}\n`);
      return;
    }
    const mark = shown.kind === 'problem' ? c.red('!') : c.dim('·');
    this.out(`  ${mark} ${terminalLine(shown.text)}${from}\n`);
  }

  audio(a: AudioInfo): void {
    if (this.closed) return;
    this.stopSpinner();
    const c = this.color;
    const size = `${groupThousands(a.bytes)} bytes`;
    if (a.path !== undefined) {
      this.out(`  ${c.green('♪')} speech saved: ${terminalLine(a.path)} (${size})\n`);
      return;
    }
    this.unkeptSpeech++;
    this.out(`  ${c.dim('♪')} speech ${this.options.verbose ? `${terminalLine(a.contentId)} ` : ''}(${size})\n`);
  }

  response(r: EventResult | RecognizeResult): void {
    if (this.closed) return;
    this.directiveFlood.flush();
    this.noticeFlood.flush();
    this.stopSpinner();
    if (r.status === 204) this.out(`  ${this.color.dim('· no directives (204 No Content)')}\n`);
    // Told at the end of the turn, when it is known whether the speech was played; once a run.
    if (this.unkeptSpeech > 0 && !this.playedSpeech && !this.savedHintShown) {
      this.savedHintShown = true;
      this.out(`  ${this.color.dim('· speech is not kept: --save-audio <dir> saves it as MP3')}\n`);
    }
    this.unkeptSpeech = 0;
  }

  timing(t: TurnTiming): void {
    if (this.closed) return;
    this.stopSpinner();
    for (const l of timingLines(t)) this.err(`${this.color.dim(terminalLine(l))}\n`);
  }

  timingSummary(s: TimingSummary): void {
    if (this.closed) return;
    this.stopSpinner();
    for (const l of summaryLines(s)) this.err(`${terminalLine(l)}\n`);
  }

  notice(message: string): void {
    if (this.closed) return;
    // Of a run of the same notice (told per directive of a flood), a few lines and one summary.
    if (!this.noticeFlood.pass(noticeKind(message))) return;
    this.stopSpinner();
    this.err(`${this.color.yellow('clova-cli:')} ${terminalLine(message)}\n`);
  }

  uploadProgress(seconds: number): void {
    if (this.closed) return;
    if (seconds < PROGRESS_AFTER_SECONDS) return;
    this.drawStatus(`${this.color.dim('sending audio…')} ${seconds.toFixed(1)} s`);
  }

  level(level: Level, seconds: number): void {
    if (this.closed) return;
    this.drawStatus(renderLevelMeter(level, { seconds }));
  }

  capture(info: CaptureInfo): void {
    if (this.closed) return;
    const c = this.color;
    if (info.phase === 'start') {
      this.stopSpinner();
      this.err(`${c.cyan('🎤 listening')} ${c.dim(`(${terminalLine(info.detail)}; Enter ends, Ctrl-C aborts)`)}\n`);
      return;
    }
    this.stopSpinner();
    const secs = info.seconds !== undefined ? ` after ${info.seconds.toFixed(1)} s` : '';
    this.err(`${c.dim(`🎤 stopped${secs}: ${terminalLine(info.detail)}`)}\n`);
    this.startSpinner();
  }

  speech(p: SpeechProgress): void {
    if (this.closed) return;
    const c = this.color;
    const id = this.options.verbose ? ` ${p.contentId ?? p.token}` : '';
    if (p.phase === 'started') {
      this.stopSpinner();
      this.playedSpeech = true;
      this.out(`  ${c.green('▶')} playing speech${id ? c.dim(terminalLine(id)) : ''}\n`);
    } else if (p.phase === 'stopped') this.notice(`speech${id} stopped: ${p.reason ?? ''}`);
    else if (p.phase === 'skipped') this.notice(`speech${id} not played: ${p.reason ?? ''}`);
  }

  media(p: MediaProgress): void {
    if (this.closed) return;
    this.stopSpinner();
    const c = this.color;
    const what = mediaTitle(p);
    const at = c.dim(`(${clock(p.offsetInMilliseconds)})`);
    const line: Record<MediaProgress['phase'], string> = {
      started: `${c.green('♪')} playing ${what}`,
      paused: `${c.dim('♪')} paused ${what} ${at}`,
      resumed: `${c.green('♪')} resumed ${what} ${at}`,
      stopped: `${c.dim('♪')} stopped ${what} ${at}`,
      finished: `${c.dim('♪')} finished ${what}`,
    };
    this.out(`  ${line[p.phase]}\n`);
  }

  hint(message: string): void {
    if (this.closed) return;
    this.stopSpinner();
    this.out(`  ${this.color.yellow('↪')} ${terminalLine(message)}\n`);
  }

  /** The activity is drawn by the session's prompt (chat), not here. */
  state(_activity: Activity): void {}

  session(info: SessionInfo): void {
    if (this.closed) return;
    const c = this.color;
    this.stopSpinner();
    if (info.event === 'connecting') return; // the ready line says where
    if (info.event === 'reconnecting') {
      this.err(`${c.yellow('clova-cli:')} reconnecting… ${c.dim(`(${terminalLine(info.reason ?? 'connection lost')})`)}\n`);
      return;
    }
    const where = info.server ? ` to ${terminalLine(info.server)}` : '';
    this.err(`${c.green('clova-cli:')} connected${where}${info.reconnects ? c.dim(` (reconnect ${info.reconnects})`) : ''}\n`);
  }

  status(info: StatusInfo): void {
    if (this.closed) return;
    this.stopSpinner();
    const c = this.color;
    const row = (name: string, value: string) => this.out(`  ${c.dim(name.padEnd(11))}${value}\n`);
    const link = info.connection === 'connected' ? c.green('connected') : c.yellow(info.connection);
    row('connection', `${link}${info.reconnects ? c.dim(` (${info.reconnects} reconnect${info.reconnects === 1 ? '' : 's'})`) : ''}`);
    row('server', terminalLine(info.server));
    row('token', info.tokenExpiresAt ? `expires ${info.tokenExpiresAt}` : c.dim('expiry not known (CLOVA_ACCESS_TOKEN or the emulator)'));
    row('volume', `${info.volume}/10${info.muted ? ' (muted)' : ''}`);
    row('state', `${info.activity}${info.expecting ? ' (CLOVA expects an answer)' : ''}`);
    row('speech', info.speech ? `${info.speech.playerActivity.toLowerCase()}${this.options.verbose ? ` ${terminalLine(info.speech.token)}` : ''}` : c.dim('none yet'));
    row('alarms', info.alerts === 0 ? c.dim('none') : alarmsRow(info));
    if (info.media) row('music', this.musicStatus(info.media));
    if (info.notifications) {
      const n = info.notifications;
      row('notices', n.unread ? `unread${n.light ? ' (light on)' : ''}` : n.light ? 'light on' : c.dim('none'));
    }
  }

  /** `playing "Title" by Artist, 0:12 of 0:30 (repeat one; 2 queued)`. */
  private musicStatus(m: MediaStatus): string {
    const c = this.color;
    if (m.playerActivity === 'IDLE' || m.token === undefined) return c.dim(m.queued ? `none (${m.queued} queued)` : 'none');
    const where = m.offsetInMilliseconds !== undefined ? `, ${clock(m.offsetInMilliseconds)}${m.totalInMilliseconds !== undefined ? ` of ${clock(m.totalInMilliseconds)}` : ''}` : '';
    const extra = [m.repeatMode === 'REPEAT_ONE' ? 'repeat one' : '', m.queued ? `${m.queued} queued` : ''].filter(Boolean).join('; ');
    return `${m.playerActivity.toLowerCase()} ${mediaTitle(m)}${where}${extra ? c.dim(` (${extra})`) : ''}`;
  }

  alert(change: AlertChange): void {
    if (this.closed) return;
    this.stopSpinner();
    const c = this.color;
    const what = `${alertKind(change.alertType)}${change.label !== undefined ? ` "${terminalLine(change.label)}"` : ''}`;
    const when = terminalLine(localClock(change.scheduledTime));
    if (change.phase === 'started') this.out(`${c.bold.yellow('⏰')} ${c.bold(`${what} ringing`)} ${c.dim(`(scheduled ${when})`)}… ${c.dim('/stop stops it')}\n`);
    else this.out(`  ${c.dim(`⏰ ${what} stopped (${STOP_REASONS[change.reason ?? 'stopped']})`)}\n`);
  }

  volume(info: { volume: number; muted: boolean }): void {
    if (this.closed) return;
    this.stopSpinner();
    this.out(`  ${this.color.dim('·')} volume ${info.volume}/10${info.muted ? ' (muted)' : ''}\n`);
  }

  help(lines: string[]): void {
    if (this.closed) return;
    this.stopSpinner();
    for (const l of lines) this.out(`  ${this.color.dim(l)}\n`);
  }

  turnError(error: TurnError): void {
    if (this.closed) return;
    this.stopSpinner();
    this.err(`${this.color.red('clova-cli: error:')} ${terminalLine(error.message)}\n`);
  }

  close(): void {
    this.directiveFlood.flush();
    this.noticeFlood.flush();
    this.stopSpinner();
    this.closed = true;
  }

  /** Voice: the audio has been sent; the answer is awaited (a live transcript stays open). */
  uploaded(): void {
    if (this.closed) return;
    if (this.options.live) {
      if (this.liveStatus) {
        this.liveStatus = '';
        this.options.live(this.liveTranscript ? `${this.color.dim('heard:')} ${this.liveTranscript}` : '');
      }
    } else if (this.liveStatus) {
      this.err('\r\x1b[2K');
      this.liveStatus = '';
    }
    this.startSpinner();
  }
}

const alertKind = (type: string) => ALERT_KINDS[type] ?? type.toLowerCase();

/** Why an alert stopped, in words. */
const STOP_REASONS: Record<AlertStopReason, string> = {
  stopped: 'stopped by CLOVA',
  user: 'you stopped it',
  timeout: 'nobody stopped it',
  deleted: 'deleted',
  edited: 'changed',
  replaced: 'another alert rang',
  'session-ended': 'the session ended',
};

/** "2 (next: timer at 10:31:05 (Sun 29 Nov))", and the ringing one. */
function alarmsRow(info: StatusInfo): string {
  const parts: string[] = [];
  const pending = info.alertsPending ?? info.alerts;
  const describe = (a: AlertInfo) => `${alertKind(a.type)} at ${terminalLine(localTime(a.scheduledTime))}`;
  parts.push(`${pending} pending`);
  if (info.nextAlert) parts.push(`next: ${describe(info.nextAlert)}`);
  if (info.ringingAlert) parts.push(`ringing: ${describe(info.ringingAlert)}`);
  return parts.join(', ');
}

/** What makes notices "the same" for the flood gate: the text before its first colon. */
function noticeKind(message: string): string {
  const i = message.indexOf(':');
  return `notice "${i > 0 ? message.slice(0, i) : message}"`;
}

import type { Directive } from '../protocol/messages.js';
import type { TimerHandle, Timers } from './timers.js';

/** Plays one MP3 (a Speak attachment). */
export interface SpeechPlayer {
  /**
   * Resolves when playback has ended; must stop promptly (and settle) when `signal` aborts.
   * `options.gain` (0-1, the speaker's volume) is given when the client acts as a device.
   */
  play(mp3: Buffer, signal: AbortSignal, options?: { gain?: number }): Promise<void>;
}

/** What happened to one Speak, for displays and tests. */
export interface SpeechProgress {
  token: string;
  contentId?: string;
  phase: 'started' | 'finished' | 'stopped' | 'skipped';
  /** Why it was stopped or skipped. */
  reason?: string;
}

/** How the queue talks back to the client. */
export interface SpeechQueueHooks {
  /** Sends SpeechSynthesizer.SpeechStarted / SpeechFinished / SpeechStopped (spec 5.3). */
  report(name: 'SpeechStarted' | 'SpeechFinished' | 'SpeechStopped', token: string): void;
  /** Records SpeechSynthesizer.SpeechState for the context of later events. */
  state(token: string, activity: 'PLAYING' | 'STOPPED' | 'FINISHED'): void;
  progress(p: SpeechProgress): void;
  trace(line: string): void;
  timers: Timers;
  /** The gain speech plays at (the speaker's volume); undefined: the player's own level. */
  gain?: () => number;
}

interface Entry {
  token: string;
  contentId: string | undefined;
  dialogRequestId: string | undefined;
  pauseMs: number;
  audio: Buffer | undefined;
  /** The attachment will not come (its response ended without it). */
  missing: boolean;
  /** Why it cannot be played although it came (too large), if so. */
  unplayable?: string;
}

/** How long a Speak at the head of the queue waits for an attachment nobody said is missing. */
const ATTACHMENT_WAIT_MS = 10_000;

function cidOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || !url.toLowerCase().startsWith('cid:')) return undefined;
  return url.slice(4).replace(/^<(.*)>$/, '$1');
}

/** At most this many complete attachments wait for a Speak that has not come (the oldest is dropped). */
export const MAX_EARLY_ATTACHMENTS = 4;

/**
 * Plays Speak attachments one after another in the order the Speak directives arrived (spec 4.5),
 * honouring `x-clova-pause-before`. A Speak of another dialog interrupts what is playing and drops
 * what was queued for the old dialog (spec 4.7); the interrupted one is reported SpeechStopped.
 */
export class SpeechQueue {
  private readonly queue: Entry[] = [];
  /** Attachments that arrived before their Speak (attachment-first responses). */
  private readonly early = new Map<string, Buffer>();
  private playing: { entry: Entry; abort: AbortController } | undefined;
  private running = false;
  private wake: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly player: SpeechPlayer,
    private readonly hooks: SpeechQueueHooks,
  ) {}

  /** Queues a SpeechSynthesizer.Speak directive. */
  speak(directive: Directive): void {
    const p = directive.payload ?? {};
    const token = typeof p.token === 'string' ? p.token : '';
    const contentId = cidOf(p.url);
    const dialogRequestId = directive.header.dialogRequestId;
    if (contentId === undefined) {
      this.hooks.progress({ token, phase: 'skipped', reason: `its audio is at ${String(p.url)}, which this client does not fetch` });
      return;
    }
    if (dialogRequestId !== undefined) this.interruptOtherDialogs(dialogRequestId);
    const pause = Number(p['x-clova-pause-before']);
    const entry: Entry = {
      token,
      contentId,
      dialogRequestId,
      pauseMs: Number.isFinite(pause) && pause > 0 ? Math.min(pause, 10_000) : 0,
      audio: this.early.get(contentId),
      missing: false,
    };
    this.early.delete(contentId);
    this.queue.push(entry);
    this.kick();
  }

  /** A Speak attachment is complete. */
  audio(contentId: string, mp3: Buffer): void {
    const entry = this.queue.find((e) => e.contentId === contentId && e.audio === undefined);
    if (entry) entry.audio = mp3;
    else {
      this.early.set(contentId, mp3);
      // The downchannel never ends (responseEnded never comes): keep only the latest few.
      while (this.early.size > MAX_EARLY_ATTACHMENTS) this.early.delete(this.early.keys().next().value as string);
    }
    this.wake?.();
  }

  /** A Speak attachment arrived complete but cannot be played (`reason` says why: too large). */
  unplayable(contentId: string, reason: string): void {
    const entry = this.queue.find((e) => e.contentId === contentId && e.audio === undefined && !e.missing);
    if (!entry) {
      this.hooks.trace(`speech attachment ${contentId} not played: ${reason}`);
      return;
    }
    entry.missing = true;
    entry.unplayable = reason;
    this.wake?.();
  }

  /** A response has ended: Speaks still waiting for an attachment will not get one. */
  responseEnded(): void {
    for (const e of this.queue) if (e.audio === undefined) e.missing = true;
    this.early.clear();
    this.wake?.();
  }

  /** How many complete attachments wait for their Speak (for tests: it stays bounded). */
  get earlyCount(): number {
    return this.early.size;
  }

  /** True while something is queued or playing. */
  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  /** Resolves once nothing is queued or playing. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops what is playing (SpeechStopped) and forgets what is queued. */
  stopAll(reason = 'stopped'): void {
    for (const e of this.queue.splice(0)) this.hooks.progress({ token: e.token, contentId: e.contentId, phase: 'skipped', reason });
    this.early.clear();
    this.playing?.abort.abort(reason);
    this.wake?.();
  }

  private interruptOtherDialogs(dialogRequestId: string): void {
    const other = (e: Entry) => e.dialogRequestId !== undefined && e.dialogRequestId !== dialogRequestId;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const e = this.queue[i]!;
      if (other(e)) {
        this.queue.splice(i, 1);
        this.hooks.progress({ token: e.token, contentId: e.contentId, phase: 'skipped', reason: 'a newer dialog began' });
      }
    }
    if (this.playing && other(this.playing.entry)) this.playing.abort.abort('a newer dialog began');
  }

  private kick(): void {
    if (this.running) {
      this.wake?.();
      return;
    }
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      if (this.queue.length > 0) this.kick();
      else for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Waits until woken (new audio, a response end) or `ms` passed; false on timeout. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let handle: TimerHandle | undefined;
      this.wake = () => {
        this.wake = undefined;
        if (handle !== undefined) this.hooks.timers.clearTimeout(handle);
        resolve(true);
      };
      handle = this.hooks.timers.setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, ms);
    });
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const entry = this.queue[0]!;
      const waitUntil = this.hooks.timers.now() + ATTACHMENT_WAIT_MS;
      while (entry.audio === undefined && !entry.missing && this.queue[0] === entry) {
        const left = waitUntil - this.hooks.timers.now();
        if (left <= 0 || !(await this.sleep(left))) entry.missing = entry.audio === undefined;
      }
      if (this.queue[0] !== entry) continue; // dropped while waiting
      this.queue.shift();
      if (entry.audio === undefined) {
        const reason = entry.unplayable ?? 'its attachment never arrived';
        this.hooks.progress({ token: entry.token, contentId: entry.contentId, phase: 'skipped', reason });
        continue;
      }
      await this.play(entry, entry.audio);
    }
  }

  private async play(entry: Entry, mp3: Buffer): Promise<void> {
    const abort = new AbortController();
    this.playing = { entry, abort };
    try {
      if (entry.pauseMs > 0) {
        await new Promise<void>((resolve) => {
          const h = this.hooks.timers.setTimeout(resolve, entry.pauseMs);
          abort.signal.addEventListener('abort', () => {
            this.hooks.timers.clearTimeout(h);
            resolve();
          });
        });
        if (abort.signal.aborted) {
          this.hooks.progress({ token: entry.token, contentId: entry.contentId, phase: 'skipped', reason: String(abort.signal.reason) });
          return;
        }
      }
      this.hooks.state(entry.token, 'PLAYING');
      this.hooks.report('SpeechStarted', entry.token);
      this.hooks.progress({ token: entry.token, contentId: entry.contentId, phase: 'started' });
      this.hooks.trace(`speech ${entry.token}: playing ${mp3.length} B`);
      let failure: string | undefined;
      try {
        const gain = this.hooks.gain?.();
        await (gain !== undefined ? this.player.play(mp3, abort.signal, { gain }) : this.player.play(mp3, abort.signal));
      } catch (err) {
        failure = abort.signal.aborted ? String(abort.signal.reason) : (err as Error).message;
      }
      if (failure === undefined && abort.signal.aborted) failure = String(abort.signal.reason);
      if (failure === undefined) {
        this.hooks.state(entry.token, 'FINISHED');
        this.hooks.report('SpeechFinished', entry.token);
        this.hooks.progress({ token: entry.token, contentId: entry.contentId, phase: 'finished' });
      } else {
        this.hooks.state(entry.token, 'STOPPED');
        this.hooks.report('SpeechStopped', entry.token);
        this.hooks.progress({ token: entry.token, contentId: entry.contentId, phase: 'stopped', reason: failure });
      }
    } finally {
      this.playing = undefined;
    }
  }
}

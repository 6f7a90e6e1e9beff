/**
 * What the client is doing, as a device shows it: `idle`; `listening` (the microphone is open or
 * a voice upload is in progress); `thinking` (a request waits for its answer); `speaking` (a Speak
 * is playing); `playing` (media plays, nothing else happens).
 */
export type Activity = 'idle' | 'listening' | 'thinking' | 'speaking' | 'playing';

/** The inputs of the activity; the first true one, in this order, is the activity. */
interface Inputs {
  listening: boolean;
  speaking: boolean;
  thinking: boolean;
  playing: boolean;
}

/** Derives the activity from what is going on and reports each change once. */
export class ActivityTracker {
  private readonly inputs: Inputs = { listening: false, speaking: false, thinking: false, playing: false };
  private micOpen = false;
  private uploads = 0;
  private requests = 0;
  private speeches = 0;
  private now: Activity = 'idle';

  constructor(private readonly changed: (activity: Activity) => void) {}

  get current(): Activity {
    return this.now;
  }

  /** The front end opened (true) or closed (false) the microphone. */
  microphone(open: boolean): void {
    this.micOpen = open;
    this.update();
  }

  /** A voice upload started (+1) or its body was closed (-1). */
  upload(delta: 1 | -1): void {
    this.uploads = Math.max(0, this.uploads + delta);
    this.update();
  }

  /** A request (text or voice turn) was sent (+1) or ended (-1). */
  request(delta: 1 | -1): void {
    this.requests = Math.max(0, this.requests + delta);
    this.update();
  }

  /** A Speak started (+1) or ended: finished, stopped (-1). */
  speech(delta: 1 | -1): void {
    this.speeches = Math.max(0, this.speeches + delta);
    this.update();
  }

  /** Media started (true) or stopped (false) playing. */
  media(playing: boolean): void {
    this.inputs.playing = playing;
    this.update();
  }

  private update(): void {
    const i = this.inputs;
    i.listening = this.micOpen || this.uploads > 0;
    i.speaking = this.speeches > 0;
    i.thinking = this.requests > 0;
    const next: Activity = i.listening ? 'listening' : i.speaking ? 'speaking' : i.thinking ? 'thinking' : i.playing ? 'playing' : 'idle';
    if (next === this.now) return;
    this.now = next;
    this.changed(next);
  }
}

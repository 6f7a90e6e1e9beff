import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../../src/client/device/alerts.js';
import type { DeviceAudio } from '../../../../src/client/device/audio.js';
import { AlertRinger, DUCK_GAIN, downloadSound, playOrder, type AlertSound, type AlertSounds, type AlertStopReason } from '../../../../src/client/device/ringer.js';
import { settle, WallClock } from '../../../helpers/wall-clock.js';

/** One call of the fake audio output. */
interface Played {
  sound: string;
  gain: number | undefined;
  timeoutMs: number | undefined;
  at: number;
  /** Ended by its signal (the ringer cut it short). */
  aborted: boolean;
}

/**
 * A DeviceAudio that records every call and "plays" for `playMs` of the fake clock, or until its
 * signal aborts (then it rejects, as the real player does); `fail` makes every call reject at once.
 */
class FakeAudio implements DeviceAudio {
  readonly calls: Played[] = [];
  fail = false;
  constructor(
    private readonly clock: WallClock,
    private readonly playMs = 1000,
  ) {}
  play(mp3: Buffer | NodeJS.ReadableStream, options: { signal: AbortSignal; gain?: number; timeoutMs?: number }): Promise<void> {
    const call: Played = { sound: (mp3 as Buffer).toString(), gain: options.gain, timeoutMs: options.timeoutMs, at: this.clock.now(), aborted: false };
    this.calls.push(call);
    if (this.fail) return Promise.reject(new Error('mpg123 failed (exit code 1)'));
    return new Promise((resolve, reject) => {
      const h = this.clock.setTimeout(resolve, this.playMs);
      options.signal.addEventListener('abort', () => {
        this.clock.clearTimeout(h);
        call.aborted = true;
        reject(new Error('playback aborted'));
      });
    });
  }
}

/** Sounds without lamejs or a network: the bell is `bell-<TYPE>`, downloads come from a table. */
function fakeSounds(downloads: Record<string, string | Error> = {}): AlertSounds & { fetched: string[] } {
  const fetched: string[] = [];
  return {
    fetched,
    bell: async (type) => ({ mp3: Buffer.from(`bell-${type}`), ms: 1000 }),
    download: async (url) => {
      fetched.push(url);
      const r = downloads[url];
      if (r === undefined || r instanceof Error) throw r ?? new Error('HTTP 404');
      return { mp3: Buffer.from(r), ms: 1000 } satisfies AlertSound;
    },
  };
}

function alert(token: string, more: Partial<Alert> = {}): Alert {
  return { token, type: 'TIMER', scheduledTime: '2026-11-29T10:00:00Z', dueAt: Date.UTC(2026, 10, 29, 10), assets: [], assetPlayOrder: [], ...more };
}

function setup(options: { audio?: boolean; maxRingMs?: number; sounds?: AlertSounds; playMs?: number } = {}) {
  const clock = new WallClock();
  const audio = new FakeAudio(clock, options.playMs);
  let gain = 0.7;
  const log: string[] = [];
  const notices: string[] = [];
  const ringer = new AlertRinger({
    audio: options.audio === false ? undefined : audio,
    gain: () => gain,
    maxRingMs: options.maxRingMs ?? 60_000,
    timers: clock,
    sounds: options.sounds ?? fakeSounds(),
    started: (a) => log.push(`started ${a.token}`),
    stopped: (a, reason: AlertStopReason) => log.push(`stopped ${a.token} ${reason}`),
    trace: () => undefined,
    notice: (l) => notices.push(l),
  });
  /** Runs the fake clock for `ms`, letting the ringer's async loop take each step. */
  const run = async (ms: number, step = 50) => {
    await settle();
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await settle();
    }
  };
  return { clock, audio, ringer, log, notices, run, setGain: (g: number) => (gain = g) };
}

describe('AlertRinger', () => {
  it('rings the type’s bell in a loop at the volume’s gain, until the longest ringing time; then AlertStopped (timeout) and silence', async () => {
    const { audio, ringer, log, run } = setup({ maxRingMs: 5000 });
    ringer.ring(alert('t1'));
    expect(log).toEqual(['started t1']);
    expect(ringer.current?.token).toBe('t1');
    await run(4900);
    expect(audio.calls.length).toBeGreaterThanOrEqual(4);
    expect(audio.calls.length).toBeLessThanOrEqual(5);
    for (const c of audio.calls) {
      expect(c.sound).toBe('bell-TIMER');
      expect(c.gain).toBe(0.7);
      expect(c.timeoutMs).toBeGreaterThan(1000);
    }
    await run(200);
    expect(log).toEqual(['started t1', 'stopped t1 timeout']);
    expect(ringer.current).toBeUndefined();
    expect(audio.calls.at(-1)!.aborted).toBe(true);
    const n = audio.calls.length;
    await run(5000);
    expect(audio.calls.length).toBe(n);
  });

  it('a volume change applies from the next round of the bell', async () => {
    const { audio, ringer, run, setGain } = setup();
    ringer.ring(alert('t1', { type: 'ALARM' }));
    await run(500);
    setGain(0.3);
    await run(1000);
    expect(audio.calls.map((c) => [c.sound, c.gain])).toEqual([
      ['bell-ALARM', 0.7],
      ['bell-ALARM', 0.3],
    ]);
    setGain(0); // muted: the rounds go on without sound
    await run(3000);
    expect(audio.calls).toHaveLength(2);
    expect(ringer.current?.token).toBe('t1');
    ringer.stop('t1', 'stopped');
  });

  it('the user’s stop silences it at once and leaves it active until StopAlert, which ends it with reason "user"', async () => {
    const { audio, ringer, log, run } = setup();
    ringer.ring(alert('t1'));
    await run(300);
    expect(audio.calls).toHaveLength(1);
    expect(ringer.silence()?.token).toBe('t1');
    await settle();
    expect(audio.calls[0]!.aborted).toBe(true);
    await run(5000);
    expect(audio.calls).toHaveLength(1); // nothing more is played
    expect(ringer.current?.token).toBe('t1');
    expect(ringer.silenced).toBe(true);
    expect(ringer.stop('other', 'stopped')).toBe(false);
    expect(ringer.stop('t1', 'stopped')).toBe(true);
    expect(log).toEqual(['started t1', 'stopped t1 user']);
    expect(ringer.silence()).toBeUndefined();
  });

  it('spec 4.7: ducked under speech (the round playing is cut and replayed quieter), paused while the user speaks, restored after', async () => {
    const { audio, ringer, run } = setup();
    ringer.ring(alert('t1'));
    await run(300);
    ringer.background('duck');
    await run(100);
    expect(audio.calls.map((c) => c.gain)).toEqual([0.7, 0.7 * DUCK_GAIN]);
    expect(audio.calls[0]!.aborted).toBe(true);
    ringer.background('pause');
    await run(3000);
    expect(audio.calls).toHaveLength(2);
    expect(audio.calls[1]!.aborted).toBe(true);
    ringer.background('none');
    await run(100);
    expect(audio.calls.map((c) => c.gain)).toEqual([0.7, 0.7 * DUCK_GAIN, 0.7]);
    ringer.stop('t1', 'deleted');
  });

  it('assets follow assetPlayOrder: http(s) ones downloaded once, clova:// ones are the device’s bell; one that cannot be fetched is skipped (told once)', async () => {
    const sounds = fakeSounds({ 'https://cdn.test/tts.mp3': 'tts-bytes', 'https://cdn.test/gone.mp3': new Error('HTTP 404') });
    const { audio, ringer, notices, run } = setup({ sounds });
    const reminder = alert('r1', {
      type: 'REMINDER',
      label: 'tea',
      assets: [
        { assetId: 'bell', url: 'clova://alert/bell/reminder' },
        { assetId: 'tts', url: 'https://cdn.test/tts.mp3' },
        { assetId: 'gone', url: 'https://cdn.test/gone.mp3' },
      ],
      assetPlayOrder: ['tts', 'gone', 'bell'],
    });
    expect(playOrder(reminder)).toEqual(['https://cdn.test/tts.mp3', 'https://cdn.test/gone.mp3', 'clova://alert/bell/reminder']);
    ringer.ring(reminder);
    await run(4500);
    expect(audio.calls.map((c) => c.sound)).toEqual(['tts-bytes', 'bell-REMINDER', 'tts-bytes', 'bell-REMINDER', 'tts-bytes']);
    expect(sounds.fetched).toEqual(['https://cdn.test/tts.mp3', 'https://cdn.test/gone.mp3']);
    expect(notices).toEqual(['an alert sound was skipped: https://cdn.test/gone.mp3 could not be fetched (HTTP 404)']);
    ringer.stop('r1', 'stopped');
  });

  it('when none of its assets can be fetched, the type’s bell rings instead', async () => {
    const { audio, ringer, run } = setup({ sounds: fakeSounds() });
    ringer.ring(alert('r1', { type: 'REMINDER', assets: [{ assetId: 'a', url: 'http://127.0.0.1:9/x.mp3' }], assetPlayOrder: ['a'] }));
    await run(2500);
    expect(audio.calls.map((c) => c.sound)).toEqual(['bell-REMINDER', 'bell-REMINDER', 'bell-REMINDER']);
    ringer.stop('r1', 'stopped');
  });

  it('a new alert stops the one ringing (reason "replaced") and rings itself (spec 4.7: same type, the new one plays)', async () => {
    const { audio, ringer, log, run } = setup();
    ringer.ring(alert('a'));
    await run(200);
    ringer.ring(alert('b', { type: 'ALARM' }));
    await run(200);
    expect(log).toEqual(['started a', 'stopped a replaced', 'started b']);
    expect(audio.calls.map((c) => [c.sound, c.aborted])).toEqual([
      ['bell-TIMER', true],
      ['bell-ALARM', false],
    ]);
    ringer.stop('b', 'stopped');
  });

  it('without audio (--no-play) it still starts and stops, and plays nothing', async () => {
    const { audio, ringer, log, run } = setup({ audio: false, maxRingMs: 2000 });
    ringer.ring(alert('a'));
    await run(2100);
    expect(log).toEqual(['started a', 'stopped a timeout']);
    expect(audio.calls).toEqual([]);
  });

  it('a player that fails at once: told once, and the loop keeps the bell’s beat instead of spinning', async () => {
    const { audio, ringer, notices, run } = setup();
    audio.fail = true;
    ringer.ring(alert('a'));
    await run(5000);
    expect(audio.calls.length).toBeGreaterThanOrEqual(4);
    expect(audio.calls.length).toBeLessThanOrEqual(6);
    expect(notices).toEqual(['the alert sound could not be played: mpg123 failed (exit code 1)']);
    ringer.stop('a', 'stopped');
  });

  it('close stops the sound and the longest-time timer without reporting anything', async () => {
    const { clock, audio, ringer, log, run } = setup();
    ringer.ring(alert('a'));
    await run(200);
    ringer.close();
    await settle();
    expect(audio.calls[0]!.aborted).toBe(true);
    expect(clock.pending).toBe(0);
    expect(log).toEqual(['started a']);
    ringer.ring(alert('b'));
    expect(log).toEqual(['started a']);
  });
});

describe('downloadSound (real fetch against a local server)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('fetches the bytes and estimates the length', async () => {
    const body = Buffer.alloc(12_000, 7);
    const base = await serve((_, res) => res.end(body));
    const sound = await downloadSound(`${base}/tts.mp3`, new AbortController().signal);
    expect(sound.mp3.equals(body)).toBe(true);
    expect(sound.ms).toBe(2000); // 12,000 bytes at 48 kbps
  });

  it('refuses an error status, an empty body, a body over the limit (declared or not), and a server that does not answer in time', async () => {
    const base = await serve((req, res) => {
      if (req.url === '/404') {
        res.statusCode = 404;
        res.end();
      } else if (req.url === '/empty') res.end();
      else if (req.url === '/big') res.end(Buffer.alloc(5000));
      else if (req.url === '/chunked') {
        res.write(Buffer.alloc(3000));
        res.end(Buffer.alloc(3000));
      } else setTimeout(() => res.end('late'), 2000);
    });
    const signal = new AbortController().signal;
    const limits = { timeoutMs: 300, maxBytes: 4000 };
    await expect(downloadSound(`${base}/404`, signal, limits)).rejects.toThrow('HTTP 404');
    await expect(downloadSound(`${base}/empty`, signal, limits)).rejects.toThrow('it is empty');
    await expect(downloadSound(`${base}/big`, signal, limits)).rejects.toThrow('5000 bytes, more than 4000');
    await expect(downloadSound(`${base}/chunked`, signal, limits)).rejects.toThrow('more than 4000 bytes');
    const started = Date.now();
    await expect(downloadSound(`${base}/slow`, signal, limits)).rejects.toThrow('no answer within 0.3 s');
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

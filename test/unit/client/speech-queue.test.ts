import { describe, expect, it } from 'vitest';
import { PlaybackAttachmentSink } from '../../../src/client/attachments.js';
import { SpeechQueue, type SpeechProgress } from '../../../src/client/speech-queue.js';
import { systemTimers } from '../../../src/client/timers.js';
import type { Directive } from '../../../src/protocol/messages.js';

function speak(token: string, dialog: string | undefined, extra: Record<string, unknown> = {}): Directive {
  return {
    header: { namespace: 'SpeechSynthesizer', name: 'Speak', messageId: `m-${token}`, ...(dialog ? { dialogRequestId: dialog } : {}) },
    payload: { format: 'AUDIO_MPEG', token, url: `cid:c-${token}`, ...extra },
  };
}

/** A queue whose player records what it played and can be held (a long speech) until released. */
function harness(options: { hold?: boolean } = {}) {
  const played: string[] = [];
  const reports: string[] = [];
  const states: string[] = [];
  const progress: SpeechProgress[] = [];
  const release: Array<() => void> = [];
  const queue = new SpeechQueue(
    {
      play: (mp3, signal) =>
        new Promise<void>((resolve, reject) => {
          played.push(mp3.toString());
          if (!options.hold) return resolve();
          release.push(resolve);
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    },
    {
      report: (name, token) => reports.push(`${name} ${token}`),
      state: (token, activity) => states.push(`${token} ${activity}`),
      progress: (p) => progress.push(p),
      trace: () => undefined,
      timers: systemTimers,
    },
  );
  return { queue, played, reports, states, progress, release };
}

describe('SpeechQueue (spec 4.5-4.7, 5.3)', () => {
  it('plays in the order the Speaks arrived, whatever order their attachments came in', async () => {
    const h = harness();
    h.queue.audio('c-b', Buffer.from('B')); // attachment before its Speak
    h.queue.speak(speak('a', 'd1'));
    h.queue.speak(speak('b', 'd1'));
    h.queue.audio('c-a', Buffer.from('A'));
    await h.queue.idle();
    expect(h.played).toEqual(['A', 'B']);
    expect(h.reports).toEqual(['SpeechStarted a', 'SpeechFinished a', 'SpeechStarted b', 'SpeechFinished b']);
    expect(h.states).toEqual(['a PLAYING', 'a FINISHED', 'b PLAYING', 'b FINISHED']);
  });

  it('honours x-clova-pause-before', async () => {
    const h = harness();
    const started = Date.now();
    h.queue.speak(speak('a', 'd1', { 'x-clova-pause-before': 150 }));
    h.queue.audio('c-a', Buffer.from('A'));
    await h.queue.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(h.played).toEqual(['A']);
  });

  it('a Speak of a newer dialog stops the one playing (SpeechStopped) and drops the old queue', async () => {
    const h = harness({ hold: true });
    h.queue.speak(speak('a', 'd1'));
    h.queue.speak(speak('a2', 'd1'));
    h.queue.audio('c-a', Buffer.from('A'));
    h.queue.audio('c-a2', Buffer.from('A2'));
    await new Promise((r) => setTimeout(r, 20));
    h.queue.speak(speak('b', 'd2'));
    h.queue.audio('c-b', Buffer.from('B'));
    await new Promise((r) => setTimeout(r, 20));
    h.release.at(-1)!();
    await h.queue.idle();
    expect(h.played).toEqual(['A', 'B']);
    expect(h.reports).toEqual(['SpeechStarted a', 'SpeechStopped a', 'SpeechStarted b', 'SpeechFinished b']);
    expect(h.progress.find((p) => p.token === 'a2')).toMatchObject({ phase: 'skipped', reason: 'a newer dialog began' });
  });

  it('skips a Speak whose response ended without its attachment, and one with a URL', async () => {
    const h = harness();
    h.queue.speak(speak('a', 'd1'));
    h.queue.speak({ header: { namespace: 'SpeechSynthesizer', name: 'Speak', messageId: 'x' }, payload: { token: 'u', url: 'https://example.net/1.mp3' } });
    h.queue.responseEnded();
    await h.queue.idle();
    expect(h.played).toEqual([]);
    expect(h.reports).toEqual([]);
    expect(h.progress.map((p) => `${p.token} ${p.phase}`)).toEqual(['u skipped', 'a skipped']);
  });

  it('stopAll stops what plays and forgets the rest', async () => {
    const h = harness({ hold: true });
    h.queue.speak(speak('a', 'd1'));
    h.queue.speak(speak('b', 'd1'));
    h.queue.audio('c-a', Buffer.from('A'));
    h.queue.audio('c-b', Buffer.from('B'));
    await new Promise((r) => setTimeout(r, 20));
    h.queue.stopAll('interrupted');
    await h.queue.idle();
    expect(h.played).toEqual(['A']);
    expect(h.reports).toEqual(['SpeechStarted a', 'SpeechStopped a']);
    expect(h.states.at(-1)).toBe('a STOPPED');
  });

  it('a Speak whose attachment cannot be played is skipped with that reason, and the next one plays', async () => {
    const h = harness();
    h.queue.speak(speak('a', 'd1'));
    h.queue.speak(speak('b', 'd1'));
    h.queue.unplayable('c-a', 'its attachment of 70000000 bytes is larger than 64 MiB, the most this client plays');
    h.queue.audio('c-b', Buffer.from('B'));
    await h.queue.idle();
    expect(h.played).toEqual(['B']);
    expect(h.progress.filter((p) => p.phase === 'skipped')).toEqual([
      { token: 'a', contentId: 'c-a', phase: 'skipped', reason: 'its attachment of 70000000 bytes is larger than 64 MiB, the most this client plays' },
    ]);
  });
});

describe('PlaybackAttachmentSink', () => {
  it('keeps an attachment up to the limit, and reports one over it as too large', async () => {
    const sink = new PlaybackAttachmentSink(undefined, 10);
    const ok = sink.open('ok');
    ok.write(Buffer.from('0123456789'));
    await ok.commit();
    const big = sink.open('big');
    big.write(Buffer.from('012345'));
    big.write(Buffer.from('6789X'));
    await big.commit();
    expect(sink.take('ok')?.toString()).toBe('0123456789');
    expect(sink.tooLarge('ok')).toBeUndefined();
    expect(sink.take('big')).toBeUndefined();
    expect(sink.tooLarge('big')).toBe(11);
    expect(sink.tooLarge('big')).toBeUndefined(); // forgotten once told
  });
});

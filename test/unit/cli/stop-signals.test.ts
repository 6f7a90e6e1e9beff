import { afterEach, describe, expect, it } from 'vitest';
import { StopSignals } from '../../../src/cli/request-session.js';
import { InterruptedError, TerminatedError } from '../../../src/protocol/errors.js';
import { exitCodeFor } from '../../../src/cli/exit.js';

/** The handler StopSignals added for `signal` (called directly: emitting it could reach the test runner's own). */
function handlerAdded(before: Function[], signal: 'SIGINT' | 'SIGTERM'): () => void {
  const added = process.listeners(signal).filter((l) => !before.includes(l));
  expect(added).toHaveLength(1);
  return added[0] as () => void;
}

const made: StopSignals[] = [];
afterEach(() => {
  for (const s of made.splice(0)) s.dispose();
});

function watch(): { signals: StopSignals; sigint: () => void; sigterm: () => void } {
  const int = process.listeners('SIGINT');
  const term = process.listeners('SIGTERM');
  const signals = new StopSignals();
  made.push(signals);
  return { signals, sigint: handlerAdded(int, 'SIGINT'), sigterm: handlerAdded(term, 'SIGTERM') };
}

describe('StopSignals', () => {
  it('SIGTERM rejects the race with TerminatedError (exit 143), SIGINT with InterruptedError (exit 130)', async () => {
    const a = watch();
    const pendingA = a.signals.race(new Promise(() => undefined));
    a.sigterm();
    const ea = await pendingA.catch((e: unknown) => e);
    expect(ea).toBeInstanceOf(TerminatedError);
    expect(ea).toMatchObject({ code: 'E_TERMINATED', message: 'terminated (SIGTERM); nothing more was sent' });
    expect(exitCodeFor(ea)).toBe(143);

    const b = watch();
    const pendingB = b.signals.race(new Promise(() => undefined));
    b.sigint();
    const eb = await pendingB.catch((e: unknown) => e);
    expect(eb).toBeInstanceOf(InterruptedError);
    expect(eb).toMatchObject({ message: 'interrupted by the user (Ctrl-C); nothing more was sent' });
    expect(exitCodeFor(eb)).toBe(130);
  });

  it('runs the stop actions with the reason, then lets a second signal take the default action', () => {
    const { signals, sigterm } = watch();
    const reasons: string[] = [];
    signals.onStop((r) => reasons.push(`first ${r}`));
    const remove = signals.onStop((r) => reasons.push(`removed ${r}`));
    remove();
    const before = process.listenerCount('SIGTERM');
    sigterm();
    expect(reasons).toEqual(['first terminated']);
    expect(process.listenerCount('SIGTERM')).toBe(before - 1);
    // An action registered after the signal runs at once; a race started after it fails at once.
    signals.onStop((r) => reasons.push(`late ${r}`));
    expect(reasons).toEqual(['first terminated', 'late terminated']);
    return expect(signals.race(Promise.resolve(1))).rejects.toBeInstanceOf(TerminatedError);
  });

  it("the race settles with the signal's error even when an action makes the work fail first", async () => {
    const { signals, sigint } = watch();
    let fail: (e: Error) => void = () => undefined;
    const work = new Promise<never>((_, reject) => (fail = reject));
    signals.onStop(() => fail(new Error('upload cancelled')));
    const raced = signals.race(work);
    sigint();
    await expect(raced).rejects.toBeInstanceOf(InterruptedError);
  });

  it('without a signal the work decides, and dispose removes both handlers', async () => {
    const { signals } = watch();
    expect(await signals.race(Promise.resolve('done'))).toBe('done');
    const int = process.listenerCount('SIGINT');
    const term = process.listenerCount('SIGTERM');
    signals.dispose();
    signals.dispose();
    expect(process.listenerCount('SIGINT')).toBe(int - 1);
    expect(process.listenerCount('SIGTERM')).toBe(term - 1);
  });
});

import { describe, expect, it } from 'vitest';
import { DialogRouter } from '../../../src/client/dialog-router.js';

describe('DialogRouter (spec 4.3, U-21/U-22)', () => {
  it('delivers directives without id, with the current id, or with an id never issued', () => {
    const r = new DialogRouter();
    r.begin('a');
    expect(r.route({})).toBe('deliver');
    expect(r.route({ dialogRequestId: 'a' })).toBe('deliver');
    expect(r.route({ dialogRequestId: 'server-made' })).toBe('deliver');
  });

  it("discards this client's own older ids", () => {
    const r = new DialogRouter();
    r.begin('a');
    r.begin('b');
    expect(r.current).toBe('b');
    expect(r.route({ dialogRequestId: 'a' })).toBe('stale');
    expect(r.route({ dialogRequestId: 'b' })).toBe('deliver');
  });

  it('processes answers to events that carried no dialogRequestId regardless', () => {
    const r = new DialogRouter();
    r.begin('a');
    r.begin('b');
    expect(r.route({ dialogRequestId: 'a' }, true)).toBe('deliver');
  });

  it('a follow-up keeps the same id current', () => {
    const r = new DialogRouter();
    r.begin('a');
    r.begin('a');
    expect(r.route({ dialogRequestId: 'a' })).toBe('deliver');
  });
});

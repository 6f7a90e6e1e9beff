import { describe, expect, it } from 'vitest';
import { checkAlert } from '../../../src/client/device/alerts.js';
import { applyVolumeCommand } from '../../../src/client/device/volume.js';
import { describeAlerts } from '../../../src/client/handlers/alerts.js';
import { describeDeviceControl } from '../../../src/client/handlers/device-control.js';
import { buildDirective } from '../../../src/protocol/messages.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('issue 17: what a hostile server sends is told sanely', () => {
  it('a numeric scheduledTime is "not a string", not "missing"', () => {
    const r = checkAlert({ token: 't', type: 'TIMER', scheduledTime: 12345 }, NOW);
    expect(r).toEqual({ ok: false, reason: 'scheduledTime is not a string' });
  });

  it('a SetAlert that cannot be set is not described as set', () => {
    const d = buildDirective('Alerts', 'SetAlert', { token: 't', type: 'TIMER', scheduledTime: 'not a time' }).directive;
    const text = describeAlerts(d, { now: new Date(NOW) })?.text ?? '';
    expect(text).not.toMatch(/set for/);
    expect(text).toMatch(/could not be set/);
  });

  it('a volume value that is no number is shown as invalid, never as [object Object]', () => {
    const d = buildDirective('DeviceControl', 'SetValue', { target: 'volume', value: { a: 1 } }).directive;
    const text = describeDeviceControl(d)?.text ?? '';
    expect(text).not.toMatch(/object Object/);
    expect(text).toMatch(/invalid value/);
  });

  it('a negative or huge Decrease never raises the volume; a negative Increase never lowers it', () => {
    const state = { volume: 5 };
    expect(applyVolumeCommand(state, 'Decrease', -1e9)).toBe(false);
    expect(state.volume).toBe(5);
    expect(applyVolumeCommand(state, 'Increase', -3)).toBe(false);
    expect(state.volume).toBe(5);
    expect(applyVolumeCommand(state, 'Decrease', 1e9)).toBe(true);
    expect(state.volume).toBe(0);
  });
});

import type { Directive } from '../../protocol/messages.js';
import { applyVolumeCommand } from '../device/volume.js';
import { note, type DirectiveDescription } from './description.js';
import type { NamespaceHandler } from './types.js';

/**
 * DeviceControl.* (spec 5.9): volume changes update the volume (reported, and in a session the
 * level everything plays at) and are confirmed with ActionExecuted (ActionFailed for a SetValue
 * without a number); other commands get ActionFailed; ExpectReportState is answered with ReportState.
 */
export const deviceControlHandler: NamespaceHandler = {
  namespace: 'DeviceControl',
  directives: new Set([
    'Increase',
    'Decrease',
    'SetValue',
    'TurnOn',
    'TurnOff',
    'Open',
    'OpenScreen',
    'LaunchApp',
    'BtConnect',
    'BtConnectByPINCode',
    'BtDisconnect',
    'BtDelete',
    'BtPlay',
    'BtRescan',
    'BtStartPairing',
    'BtStopPairing',
    'ExpectReportState',
    'SynchronizeState',
    'RenderDeviceList',
  ]),
  handle(directive, ctx) {
    const p = directive.payload ?? {};
    const name = directive.header.name;
    if (name === 'ExpectReportState') {
      // Report at once; the state travels in the Device.DeviceState context (spec 5.9).
      ctx.report('DeviceControl', 'ReportState', {});
      return;
    }
    if (!REPORTED_COMMANDS.has(name)) return;
    const target = typeof p.target === 'string' ? p.target : undefined;
    if (target === 'volume' && (name === 'Increase' || name === 'Decrease' || name === 'SetValue')) {
      if (applyVolumeCommand(ctx.state, name, p.value)) {
        ctx.volumeChanged?.();
        ctx.report('DeviceControl', 'ActionExecuted', { command: name, target });
      } else ctx.report('DeviceControl', 'ActionFailed', { command: name, target });
      return;
    }
    // A command-line client has no Bluetooth, screen or power to control: say so (spec 5.9 MUST).
    ctx.report('DeviceControl', 'ActionFailed', { command: name, target: target ?? '' });
  },
};

/** The commands that must be answered with ActionExecuted or ActionFailed (spec 5.9). */
const REPORTED_COMMANDS: ReadonlySet<string> = new Set([
  'BtConnect',
  'BtConnectByPINCode',
  'BtDisconnect',
  'BtStartPairing',
  'BtStopPairing',
  'Decrease',
  'Increase',
  'Open',
  'SetValue',
  'TurnOn',
  'TurnOff',
]);

/** "DeviceControl.SetValue: volume 5" when there is a target; plainly otherwise. */
export function describeDeviceControl(d: Directive): DirectiveDescription | undefined {
  const p = d.payload ?? {};
  if (p.target === undefined) return undefined;
  const target = typeof p.target === 'string' ? p.target : '(invalid target)';
  const given = typeof p.value === 'number' || typeof p.value === 'string' ? Number(String(p.value).trim()) : NaN;
  const value = p.value === undefined ? '' : Number.isFinite(given) ? ` ${given}` : ' (invalid value)';
  return note(d, `${target}${value}`);
}

import type { NamespaceHandler } from './types.js';

function clampVolume(v: number): number {
  return Math.max(0, Math.min(10, Math.round(v)));
}

/** DeviceControl.* (spec 5.9): volume changes update the reported Speaker.VolumeState. */
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
    if (p.target !== 'volume') return;
    const amount = Number.parseInt(String(p.value ?? '1'), 10);
    const step = Number.isFinite(amount) ? amount : 1;
    switch (directive.header.name) {
      case 'Increase':
        ctx.state.volume = clampVolume(ctx.state.volume + step);
        break;
      case 'Decrease':
        ctx.state.volume = clampVolume(ctx.state.volume - step);
        break;
      case 'SetValue':
        if (Number.isFinite(amount)) ctx.state.volume = clampVolume(amount);
        break;
    }
  },
};

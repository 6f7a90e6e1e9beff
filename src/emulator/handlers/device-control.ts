import { createHash } from 'node:crypto';
import { buildDirective } from '../../protocol/messages.js';
import { directivePart } from '../wire.js';
import { noContent, type NamespaceHandlers } from './types.js';

/** DeviceControl (spec 5.9): reports answer 204; the device list holds just the asking client. */
export const deviceControlHandlers: NamespaceHandlers = {
  ActionExecuted: noContent,
  ActionFailed: noContent,
  ReportState: noContent,
  RequestStateSynchronization: noContent,
  BtRequestForPINCode: noContent,
  BtRequestToCancelPINCodeInput: noContent,
  RequestDeviceList(_event, ctx) {
    // A stable id per client that does not reveal the token it is derived from.
    const deviceId = createHash('sha256').update(ctx.client).digest('hex').slice(0, 32);
    const product = ctx.userAgent?.split('/')[1]?.trim() || 'clova-cli';
    const device = {
      deviceId,
      clientId: 'clova-cli',
      clientName: 'clova-cli',
      deviceName: product,
      modelId: 'cic-emulator',
      bindTime: '2021-02-03T00:00:00Z',
      availabilities: [
        { name: 'DELEGATION', available: false },
        { name: 'AUDIOPLAYER_CONTROL', available: false },
        { name: 'AUDIOPLAYER_EXPOSE', available: false },
        { name: 'SPEAKER_REGISTRATION', available: false },
      ],
    };
    return { status: 200, parts: [directivePart(buildDirective('DeviceControl', 'RenderDeviceList', { deviceList: [device] }))] };
  },
};

import { buildDirective } from '../../protocol/messages.js';
import { speakParts, spokenAnswer } from '../answer.js';
import { asAlertId, type AlertId } from '../device-state.js';
import { inLang, particle } from '../intent-kit.js';
import { directivePart } from '../wire.js';
import { noContent, type EventHandler, type HandlerContext, type HandlerResult, type NamespaceHandlers } from './types.js';

/** The 400 answer to an alert event without payload.token and payload.type. */
function needsId(name: string): HandlerResult {
  return { status: 400, description: `Alerts.${name} needs payload.token and payload.type` };
}

/** Answers an alert request with one directive about the same alert, in the response (spec 5.8). */
function answerWith(name: 'DeleteAlert' | 'StopAlert'): EventHandler {
  return (event): HandlerResult => {
    const alert = asAlertId(event.event.payload);
    if (!alert) return needsId(event.event.header.name);
    return { status: 200, parts: [directivePart(buildDirective('Alerts', name, { token: alert.token, type: alert.type }))] };
  };
}

/** "timer", "alarm"… and "타이머", "알람"… for an alert type. */
function kind(type: string): [string, string] {
  switch (type) {
    case 'TIMER':
      return ['timer', '타이머'];
    case 'REMINDER':
      return ['reminder', '리마인더'];
    case 'ACTIONTIMER':
      return ['action timer', '예약 실행'];
    default:
      return ['alarm', '알람'];
  }
}

/** In the language the user last spoke in. */
function say(ctx: HandlerContext, en: string, ko: string): string {
  return inLang(ctx.device.lang, en, ko);
}

/**
 * After AlertStopped, CIC deletes a one-off alert (every alert the emulator sets is one): the
 * DeleteAlert goes on the downchannel, like any Alerts directive that answers no utterance (spec
 * 2.7), once the event has been received; the event itself gets 204. Without a downchannel it
 * comes in the response instead.
 */
async function alertStopped(alert: AlertId, ctx: HandlerContext): Promise<HandlerResult> {
  ctx.device.alertStopped(alert.token);
  await ctx.body.ended;
  const deleteAlert = buildDirective('Alerts', 'DeleteAlert', { token: alert.token, type: alert.type });
  if (ctx.push(deleteAlert)) return { status: 204 };
  ctx.log('no downchannel for the DeleteAlert after AlertStopped: sent in the response');
  return { status: 200, parts: [directivePart(deleteAlert)] };
}

/**
 * Alerts (spec 5.8, 7.8). The emulator stores the alerts it sets per client (device-state.ts):
 * SetAlertSucceeded confirms one, SetAlertFailed drops it, DeleteAlert removes it, and
 * RequestSynchronizeAlert gets them all back (SynchronizeAlert in the response, spec 7.9).
 */
export const alertsHandlers: NamespaceHandlers = {
  async SetAlertSucceeded(event, ctx) {
    const alert = asAlertId(event.event.payload);
    if (!alert) return needsId('SetAlertSucceeded');
    ctx.device.alertSet(event);
    const [en, ko] = kind(alert.type);
    const text = say(ctx, `The ${en} has been set.`, `${particle(ko, '을', '를')} 맞췄어요.`);
    const template = buildDirective('Clova', 'RenderTemplate', {
      type: 'Alarm',
      meta: { version: { type: 'string', value: 'v0.1' } },
      failureMessage: { type: 'string', value: text },
    });
    return { status: 200, parts: [...(await speakParts(ctx.faults, text)), directivePart(template)] };
  },
  async SetAlertFailed(event, ctx) {
    const alert = asAlertId(event.event.payload);
    if (!alert) return needsId('SetAlertFailed');
    ctx.device.alertFailed(alert.token);
    const [en, ko] = kind(alert.type);
    return { status: 200, parts: await spokenAnswer(ctx.faults, say(ctx, `Sorry, I could not set the ${en}.`, `죄송해요. ${particle(ko, '을', '를')} 맞추지 못했어요.`), undefined) };
  },
  DeleteAlertSucceeded: noContent,
  DeleteAlertFailed: noContent,
  AlertStarted(event, ctx) {
    const alert = asAlertId(event.event.payload);
    if (!alert) return needsId('AlertStarted');
    ctx.device.alertStarted(alert);
    return { status: 204 };
  },
  AlertStopped(event, ctx) {
    const alert = asAlertId(event.event.payload);
    return alert ? alertStopped(alert, ctx) : needsId('AlertStopped');
  },
  RequestAlertStop: answerWith('StopAlert'),
  RequestDeleteAlert: answerWith('DeleteAlert'),
  RequestSynchronizeAlert: (_event, ctx) => ({
    status: 200,
    parts: [directivePart(buildDirective('Alerts', 'SynchronizeAlert', { allAlerts: ctx.device.storedAlerts(ctx.now()) }))],
  }),
};

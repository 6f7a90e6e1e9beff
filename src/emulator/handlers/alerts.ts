import { buildDirective } from '../../protocol/messages.js';
import { speakParts, spokenAnswer } from '../answer.js';
import { directivePart } from '../wire.js';
import { noContent, type EventHandler, type HandlerResult, type NamespaceHandlers } from './types.js';

function alertOf(payload: Record<string, unknown>): { token: string; type: string } | undefined {
  const { token, type } = payload;
  return typeof token === 'string' && typeof type === 'string' ? { token, type } : undefined;
}

/** Answers an alert report with one directive about the same alert (spec 5.8). */
function answerWith(name: 'DeleteAlert' | 'StopAlert'): EventHandler {
  return (event): HandlerResult => {
    const alert = alertOf(event.event.payload);
    if (!alert) return { status: 400, description: `Alerts.${event.event.header.name} needs payload.token and payload.type` };
    return { status: 200, parts: [directivePart(buildDirective('Alerts', name, alert))] };
  };
}

/**
 * Alerts (spec 5.8, 7.8). The emulator keeps no alert store: every alert is one-off, so
 * AlertStopped is followed by DeleteAlert, in the event response (U-25).
 */
export const alertsHandlers: NamespaceHandlers = {
  SetAlertSucceeded(event, ctx) {
    if (!alertOf(event.event.payload)) return { status: 400, description: 'Alerts.SetAlertSucceeded needs payload.token and payload.type' };
    const text = 'The alarm has been set.';
    const template = buildDirective('Clova', 'RenderTemplate', {
      type: 'Alarm',
      meta: { version: { type: 'string', value: 'v0.1' } },
      failureMessage: { type: 'string', value: text },
    });
    return { status: 200, parts: [...speakParts(ctx.faults, text), directivePart(template)] };
  },
  SetAlertFailed(event, ctx) {
    if (!alertOf(event.event.payload)) return { status: 400, description: 'Alerts.SetAlertFailed needs payload.token and payload.type' };
    return { status: 200, parts: spokenAnswer(ctx.faults, 'Sorry, I could not set the alarm.', undefined) };
  },
  DeleteAlertSucceeded: noContent,
  DeleteAlertFailed: noContent,
  AlertStarted: noContent,
  AlertStopped: answerWith('DeleteAlert'),
  RequestAlertStop: answerWith('StopAlert'),
  RequestDeleteAlert: answerWith('DeleteAlert'),
  RequestSynchronizeAlert: () => ({
    status: 200,
    parts: [directivePart(buildDirective('Alerts', 'SynchronizeAlert', { allAlerts: [] }))],
  }),
};

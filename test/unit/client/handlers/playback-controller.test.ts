import { describe, expect, it } from 'vitest';
import type { MediaPlayer } from '../../../../src/client/device/media.js';
import { applyDirective, type HandlerContext } from '../../../../src/client/handlers/registry.js';
import { defaultClientState } from '../../../../src/protocol/context.js';
import { buildDirective } from '../../../../src/protocol/messages.js';

/** A handler context whose media player and reports are recorded. */
function context(withMedia = true) {
  const calls: string[] = [];
  const media = new Proxy({}, { get: (_t, name) => (...args: unknown[]) => calls.push(`media.${String(name)}${args.length ? ` ${JSON.stringify(args)}` : ''}`) }) as MediaPlayer;
  const ctx: HandlerContext = {
    state: defaultClientState(),
    expectSpeech: () => undefined,
    report: (ns, name, payload) => calls.push(`${ns}.${name} ${JSON.stringify(payload)}`),
    speak: () => false,
    stopCapture: () => undefined,
    keepRecording: () => undefined,
    volumeChanged: () => calls.push('volumeChanged'),
    ...(withMedia ? { media } : {}),
  };
  const run = (name: string, payload: Record<string, unknown> = {}) => applyDirective(buildDirective('PlaybackController', name, payload).directive, ctx);
  return { ctx, calls, run };
}

describe('PlaybackController directives (spec 5.7)', () => {
  it('Mute, Unmute and the deprecated VolumeUp/VolumeDown change the speaker, with no event', () => {
    const { ctx, calls, run } = context();
    run('Mute');
    expect(ctx.state.muted).toBe(true);
    run('Unmute');
    run('VolumeUp');
    run('VolumeUp');
    run('VolumeDown');
    expect(ctx.state).toMatchObject({ muted: false, volume: 8 });
    expect(calls).toEqual(['volumeChanged', 'volumeChanged', 'volumeChanged', 'volumeChanged', 'volumeChanged']);
  });

  it('media commands go to the media player; those aimed at MediaPlayer do not', () => {
    const { calls, run } = context();
    run('Pause', { target: { namespace: 'AudioPlayer' } });
    run('Resume');
    run('Stop', { target: { namespace: 'MediaPlayer' } });
    run('Next');
    run('Previous');
    run('Replay');
    run('SetRepeatMode', { repeatMode: 'REPEAT_ONE' });
    run('TurnOffRepeatMode');
    expect(calls).toEqual([
      'media.pause',
      'media.resume',
      'media.next',
      'media.previous',
      'media.replay',
      'media.setRepeatMode ["REPEAT_ONE"]',
      'media.setRepeatMode ["NONE"]',
    ]);
  });

  it('Expect*Command: the button event, with source = target; ExpectPlayCommand copies handover and token', () => {
    const { calls, run } = context();
    run('ExpectPauseCommand', { target: { namespace: 'AudioPlayer' } });
    run('ExpectNextCommand', { target: { namespace: 'MediaPlayer' } });
    run('ExpectStopCommand');
    run('ExpectPlayCommand', { handover: { customData: 'c', deviceId: 'd' }, token: 't' });
    expect(calls).toEqual([
      'PlaybackController.PauseCommandIssued {"source":{"namespace":"AudioPlayer"}}',
      'PlaybackController.NextCommandIssued {"source":{"namespace":"MediaPlayer"}}',
      'PlaybackController.StopCommandIssued {}',
      'PlaybackController.PlayCommandIssued {"handover":{"customData":"c","deviceId":"d"},"token":"t"}',
    ]);
  });

  it('a one-shot command (no device): shown only, nothing answered', () => {
    const { calls, run } = context(false);
    run('ExpectPauseCommand', { target: { namespace: 'AudioPlayer' } });
    run('Pause');
    expect(calls).toEqual([]);
  });
});

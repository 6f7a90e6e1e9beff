import type { Command } from 'commander';
import { UsageError } from '../../protocol/errors.js';
import { addRequestOptions } from '../request-options.js';
import { followUpHint } from '../voice.js';
import { addPlaybackOptions, resolvePlayer, type PlaybackOptions } from '../playback.js';
import { finishTurn, makeRenderer, runRequestSession, StopSignals } from '../request-session.js';
import { resolveRequestSettings, type RequestOptions } from '../config.js';
import { checkArgumentUtterance, utteranceLines } from '../utterance.js';


/** `clova-cli text <utterance...>`: typed requests (TextRecognizer.Recognize, spec 5.2). */
export function registerTextCommand(program: Command): void {
  const cmd = program
    .command('text')
    .description(
      'send typed requests; each utterance is its own dialog, and one that answers an ExpectSpeech is sent as its follow-up',
    )
    .argument('<utterance...>', 'what to ask; several are sent in order on one connection; "-" reads one per line from stdin');
  addPlaybackOptions(addRequestOptions(cmd), 'when stdout is a terminal').action(
    async (utterances: string[], opts: RequestOptions & PlaybackOptions) => {
      // From the start, so a signal while waiting for the first line is reported like any other.
      const signals = new StopSignals();
      try {
        await sendUtterances(utterances, opts, signals);
      } finally {
        signals.dispose();
      }
    },
  );
}

async function sendUtterances(utterances: string[], opts: RequestOptions & PlaybackOptions, signals: StopSignals): Promise<void> {
  const fromStdin = utterances.length === 1 && utterances[0] === '-';
  const first = fromStdin ? [] : utterances.map((u, i) => checkArgumentUtterance(u, i + 1));
  const settings = resolveRequestSettings(opts);
  const renderer = await makeRenderer(settings, opts.color);
  // With "-", wait for the first line before connecting (nothing to send: exit 2, no connection),
  // then send each further line as it arrives on the same connection. Lines are checked (length,
  // UTF-8, control characters) as they are read, never buffered whole.
  const more = fromStdin ? utteranceLines(process.stdin) : undefined;
  if (more) {
    signals.onStop(() => process.stdin.destroy()); // a pending read must not hold the process
    const line = await signals.race(more.next());
    if (line.done) throw new UsageError('no utterance on standard input');
    first.push(line.value);
  }
  const speech = resolvePlayer(opts, 'tty', (m) => renderer.notice(m));
  await runRequestSession(
    settings,
    renderer,
    async (session) => {
      const { client } = session;
      // Someone typing at a terminal sees their line already; do not echo it back to them.
      const echo = settings.json || !(fromStdin && process.stdin.isTTY);
      client.on('request', (event) => {
        if (!echo) return;
        const p = event.event.payload;
        renderer.request({
          text: String(p.text ?? ''),
          dialogRequestId: event.event.header.dialogRequestId,
          followUp: p.speechId !== undefined,
        });
      });
      const send = async (text: string) => {
        await finishTurn(session, await client.sendText(text, { timeoutMs: settings.timeoutMs }));
      };
      for (const text of first) await send(text);
      if (more) for await (const line of more) await send(line);
      if (client.pendingExpectSpeech) {
        renderer.hint(followUpHint('text'));
      }
    },
    { speech, signals },
  );
}

import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { UsageError } from '../../protocol/errors.js';
import { addRequestOptions } from '../request-options.js';
import { followUpHint } from '../voice.js';
import { addPlaybackOptions, resolvePlayer, type PlaybackOptions } from '../playback.js';
import { finishTurn, makeRenderer, runRequestSession } from '../request-session.js';
import { resolveRequestSettings, type RequestOptions } from '../config.js';

/** Trimmed, non-empty lines of standard input, as they arrive (so `text -` works interactively). */
async function* stdinLines(): AsyncGenerator<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) if (line.trim().length > 0) yield line;
}

/** Checks one utterance before it can be sent; returns it trimmed. */
function checkUtterance(u: string): string {
  const text = u.trim();
  if (text.length === 0) throw new UsageError('an utterance is empty: give the text to send, e.g. clova-cli text "hello"');
  if (Buffer.byteLength(text, 'utf8') > 10000) throw new UsageError('an utterance is longer than 10000 bytes');
  return text;
}

/** `clova-cli text <utterance...>`: typed requests (TextRecognizer.Recognize, spec 5.2). */
export function registerTextCommand(program: Command): void {
  const cmd = program
    .command('text')
    .description(
      'send typed requests; each utterance is its own dialog, and one that answers an ExpectSpeech is sent as its follow-up',
    )
    .argument('<utterance...>', 'what to ask; several are sent in order on one connection; "-" reads one per line from stdin');
  addPlaybackOptions(addRequestOptions(cmd), 'when stdout is a terminal').action(async (utterances: string[], opts: RequestOptions & PlaybackOptions) => {
    const fromStdin = utterances.length === 1 && utterances[0] === '-';
    const first = fromStdin ? [] : utterances.map(checkUtterance);
    const settings = resolveRequestSettings(opts);
    const renderer = await makeRenderer(settings, opts.color);
    // With "-", wait for the first line before connecting (nothing to send: exit 2, no connection),
    // then send each further line as it arrives on the same connection.
    const more = fromStdin ? stdinLines() : undefined;
    if (more) {
      const line = await more.next();
      if (line.done) throw new UsageError('no utterance on standard input');
      first.push(checkUtterance(line.value));
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
      if (more) for await (const line of more) await send(checkUtterance(line));
      if (client.pendingExpectSpeech) {
        renderer.hint(followUpHint('text'));
      }
      },
      { speech },
    );
  });
}

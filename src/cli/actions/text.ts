import { UsageError } from '../../protocol/errors.js';
import { followUpHint } from '../voice.js';
import type { PlaybackOptions } from '../playback-options.js';
import type { RequestOptions } from '../config.js';
import { runRequestCommand } from '../request-command.js';
import { finishTurn } from '../request-session.js';
import { checkArgumentUtterance, utteranceLines } from '../utterance.js';
import { parseRepeat, repeatTurns } from '../repeat.js';

/** The options of `text`, as commander parses them. */
export interface TextOptions extends RequestOptions, PlaybackOptions {
  repeat?: string;
}

/** Drawn on stderr when a person types at `text -`: the sign that it waits for them. */
const PROMPT = '› ';

/** Runs `clova-cli text` (commands/text.ts defines its options). */
export async function runText(words: string[], opts: TextOptions): Promise<void> {
  const fromStdin = words[0] === '-';
  // Someone typing at a terminal gets a prompt, and does not need their line echoed back.
  const typing = fromStdin && process.stdin.isTTY === true;
  let prompting = false;
  let promptShown = false;
  const prompt = () => {
    if (!prompting) return;
    process.stderr.write(PROMPT);
    promptShown = true;
  };
  // At the end of input the cursor is still after the prompt: the shell's prompt goes on a new line.
  const endPrompt = () => {
    if (promptShown) process.stderr.write('\n');
    promptShown = false;
  };
  const first: string[] = [];
  let more: AsyncGenerator<string> | undefined;
  let repeat: number | undefined;
  await runRequestCommand(opts, {
    playback: 'tty',
    check: () => {
      repeat = parseRepeat(opts.repeat);
      if (fromStdin && repeat !== undefined) throw new UsageError('--repeat sends the words of one utterance again: give them instead of "-"');
      if (fromStdin && words.length > 1) {
        throw new UsageError(
          '"-" reads the utterances from standard input and takes no words after it: give either "-" alone or the words of one utterance',
        );
      }
      if (!fromStdin) first.push(checkArgumentUtterance(words));
    },
    // With "-", wait for the first line before connecting, then send each further line as it
    // arrives on the same connection. Lines are checked (length, UTF-8, control characters) as
    // they are read, never buffered whole.
    prepare: async ({ settings, signals }) => {
      if (!fromStdin) return true;
      prompting = typing && process.stderr.isTTY === true && !settings.json;
      more = utteranceLines(process.stdin);
      signals.onStop(() => {
        endPrompt(); // the error line starts on a line of its own, not after the prompt
        process.stdin.destroy(); // a pending read must not hold the process
      });
      if (prompting) process.stderr.write('type what to ask and press Enter, one utterance per line; Ctrl-D ends\n');
      prompt();
      const line = await signals.race(more.next());
      promptShown = false;
      // Nothing to send is not an error, as `cat` of an empty file is not: exit 0, nothing connected.
      if (line.done) {
        endPrompt();
        return undefined;
      }
      first.push(line.value);
      return true;
    },
    turns: async (session) => {
      const { client, renderer, settings } = session;
      client.on('request', (event) => {
        if (typing && !settings.json) return;
        const p = event.event.payload;
        renderer.request({
          text: String(p.text ?? ''),
          dialogRequestId: event.event.header.dialogRequestId,
          followUp: p.speechId !== undefined,
        });
      });
      const send = async (text: string) => {
        promptShown = false;
        await finishTurn(session, client.sendText(text, { timeoutMs: settings.timeoutMs }));
        prompt();
      };
      if (repeat !== undefined) {
        // Each one a new dialog, however the answer ends: the same turn every time.
        const text = first[0]!;
        await repeatTurns(session, repeat, () => finishTurn(session, client.sendText(text, { timeoutMs: settings.timeoutMs, followUp: false })));
        return;
      }
      for (const text of first) await send(text);
      if (more) for await (const line of more) await send(line);
      endPrompt();
    },
    // Someone who typed Ctrl-D saw the ExpectSpeech line and chose to stop: no hint for them.
    followUpHint: () => (typing ? undefined : followUpHint(fromStdin ? 'text-stdin' : 'text')),
  });
}

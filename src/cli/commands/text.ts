import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ServerError, UsageError } from '../../protocol/errors.js';
import { addRequestOptions } from '../request-options.js';
import { makeRenderer, runRequestSession } from '../request-session.js';
import { resolveRequestSettings, type RequestOptions } from '../config.js';

async function readStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) if (line.trim().length > 0) lines.push(line.trim());
  return lines;
}

/** `clova-cli text <utterance...>`: typed requests (TextRecognizer.Recognize, spec 5.2). */
export function registerTextCommand(program: Command): void {
  const cmd = program
    .command('text')
    .description(
      'send typed requests; each utterance is its own dialog, and one that answers an ExpectSpeech is sent as its follow-up',
    )
    .argument('<utterance...>', 'what to ask; several are sent in order on one connection; "-" reads one per line from stdin');
  addRequestOptions(cmd).action(async (utterances: string[], opts: RequestOptions) => {
    let list = utterances;
    if (list.length === 1 && list[0] === '-') list = await readStdinLines();
    if (list.length === 0) throw new UsageError('no utterance given');
    for (const u of list) {
      if (u.trim().length === 0) throw new UsageError('an utterance is empty: give the text to send, e.g. clova-cli text "hello"');
      if (Buffer.byteLength(u, 'utf8') > 10000) throw new UsageError('an utterance is longer than 10000 bytes');
    }
    const settings = resolveRequestSettings(opts);
    const renderer = await makeRenderer(settings, opts.color);
    await runRequestSession(settings, renderer, async ({ client }) => {
      client.on('request', (event) => {
        const p = event.event.payload;
        renderer.request({
          text: String(p.text ?? ''),
          dialogRequestId: event.event.header.dialogRequestId,
          followUp: p.speechId !== undefined,
        });
      });
      for (const raw of list) {
        const text = raw.trim();
        const result = await client.sendText(text, { timeoutMs: settings.timeoutMs });
        await client.settled(); // reports the answer asked for (e.g. DeviceControl.ActionExecuted)
        renderer.response(result);
        if (result.exception) {
          const code = Number(result.exception.code) || result.status;
          throw new ServerError(
            `the server sent System.Exception ${code}: ${result.exception.description ?? 'no description'}`,
            code,
            result.exception.description,
          );
        }
      }
    });
  });
}

import { keepYoungGenerationSmall } from '../streaming-heap.js';
import { openAudioInput, type AudioInput, type ShortInput } from '../../audio/audio-input.js';
import { chunkPcm, pace } from '../../audio/chunker.js';
import { PART_MS } from '../../protocol/audio-format.js';
import { UsageError } from '../../protocol/errors.js';
import type { RequestOptions } from '../config.js';
import { runRequestCommand } from '../request-command.js';
import type { PlaybackOptions } from '../playback-options.js';
import { finishTurn, type RequestSession } from '../request-session.js';
import { BYTES_PER_SECOND, followUpHint } from '../voice.js';
import { parseRepeat, repeatTurns } from '../repeat.js';

/** The options of `recognize`, as commander parses them. */
export interface RecognizeOptions extends RequestOptions, PlaybackOptions {
  raw?: boolean;
  realtime?: boolean;
  repeat?: string;
}

/** Runs `clova-cli recognize` (commands/recognize.ts defines its options). */
export async function runRecognize(inputs: string[], opts: RecognizeOptions): Promise<void> {
  keepYoungGenerationSmall(); // every module this command needs is loaded by now
  let repeat: number | undefined;
  await runRequestCommand(opts, {
    playback: 'tty',
    check: () => {
      repeat = parseRepeat(opts.repeat);
      if (repeat !== undefined && (inputs.length !== 1 || inputs[0] === '-')) {
        throw new UsageError('--repeat sends one input file again and again: give exactly one file (not "-", which can be read only once)');
      }
      if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('standard input ("-") can be read only once');
      if (inputs.includes('-') && process.stdin.isTTY) {
        throw new UsageError('standard input is a terminal: pipe a WAV into it (… | clova-cli recognize -), or use clova-cli listen');
      }
    },
    // Every input is opened and checked (header, format, first samples) before anything is sent.
    prepare: async ({ renderer, signals }) => {
      const opened: AudioInput[] = [];
      try {
        for (const path of inputs) {
          const name = path === '-' ? 'standard input' : path;
          const onShortInput = (short: ShortInput) =>
            renderer.notice(
              `warning: ${name} ended after ${short.readSeconds.toFixed(2)} s although its WAV header declared ${short.declaredSeconds.toFixed(2)} s`,
            );
          const opening = openAudioInput(path, { raw: opts.raw === true, onShortInput });
          // An input that opens after a signal is closed at once: nobody else will.
          opening.then((input) => signals.onStop(() => input.close()), () => undefined);
          opened.push(await signals.race(opening));
        }
      } catch (err) {
        for (const input of opened) input.close();
        throw err;
      }
      return opened;
    },
    turns: async (session, opened) => {
      if (repeat !== undefined) {
        const path = inputs[0]!;
        // The file is opened again for each turn after the first (checked already: it opened once).
        await repeatTurns(session, repeat, async (i) => {
          const input = i === 0 ? opened[0]! : await openAudioInput(path, { raw: opts.raw === true });
          await sendInput(session, path, input, opts.realtime === true, false);
        });
        return;
      }
      for (let i = 0; i < opened.length; i++) {
        await sendInput(session, inputs[i]!, opened[i]!, opts.realtime === true);
      }
    },
    followUpHint: () => followUpHint('recognize'),
    release: (opened) => {
      for (const input of opened) input.close();
    },
  });
}

/** Streams one input as a voice turn and prints its answer. */
async function sendInput(session: RequestSession, name: string, input: AudioInput, realtime: boolean, followUp?: boolean): Promise<void> {
  const { client, renderer, settings } = session;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  session.signal.addEventListener('abort', onAbort, { once: true });
  // Pacing needs the 200 ms parts; otherwise the client cuts the audio itself.
  const audio = realtime ? pace(chunkPcm(input.pcm), PART_MS, { signal: stop.signal }) : input.pcm;
  const onRequest = (event: { event: { header: { dialogRequestId?: string }; payload: Record<string, unknown> } }) => {
    renderer.request({
      kind: 'voice',
      input: name === '-' ? 'standard input' : name,
      text: input.info.description,
      dialogRequestId: event.event.header.dialogRequestId,
      followUp: event.event.payload.speechId !== undefined,
    });
  };
  const onUpload = (p: { bytes: number }) => renderer.uploadProgress(p.bytes / BYTES_PER_SECOND);
  const onUploaded = () => renderer.uploaded();
  client.once('request', onRequest);
  client.on('upload', onUpload);
  client.once('uploaded', onUploaded);
  try {
    await finishTurn(session, client.recognize(audio, { lang: settings.lang, timeoutMs: settings.timeoutMs, followUp }));
  } finally {
    stop.abort();
    client.off('request', onRequest);
    client.off('upload', onUpload);
    client.off('uploaded', onUploaded);
    session.signal.removeEventListener('abort', onAbort);
    input.close();
  }
}

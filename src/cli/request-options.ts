import { Option, type Command } from 'commander';
import { completeFrom } from './completion-hints.js';

/** Commander argument parser for a repeatable option: collects every value in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the options every request command shares (README: "Options of the request commands"). */
export function addRequestOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'CIC base URI, wins over CLOVA_CIC_URL (https:// = TLS, http:// = h2c)')
    .option('--json', 'NDJSON on stdout, one object per line, for scripts')
    .option('--save-audio <dir>', 'write each Speak attachment to <dir>/speech-<Content-ID>.mp3')
    .option('--record <file>', 'write the whole conversation to <file> as it happens (JSON Lines, token left out; replay it with `clova-cli emulator --replay`)')
    .option('--force', 'with --record: overwrite <file> if it exists (without it, an existing file is refused)')
    .option('--record-append', 'with --record: add to <file> if it exists (a new header line starts each session)')
    .option('--record-audio', 'with --record: put the audio sent into the record too, not only its size and sha256')
    .option('--timeout <ms>', 'give up (exit 4) when a wait passes <ms>: no usable connection, an upload the server stops reading, no complete answer', '30000')
    .option('--verbose', 'protocol trace on stderr (token redacted)')
    .option('--ca-file <pem>', 'extra trusted CA certificate (NODE_EXTRA_CA_CERTS also works)')
    .option(
      '--insecure',
      'testing only, warned about on every run: do not verify the server certificate (prefer --ca-file), and allow http:// to a host other than this machine (CLOVA_ALLOW_INSECURE=1 also works)',
    )
    .option('--emulator', 'start the built-in CIC emulator in-process on 127.0.0.1 and talk to it (no token needed)')
    .addOption(completeFrom(new Option('--emulator-fault <spec>', 'with --emulator: inject a fault (repeatable; see `clova-cli emulator --help`)').argParser(collect), 'faults'))
    .option('--hello-timeout <ms>', 'how long to wait for Clova.Hello', '10000')
    .option('--ping-interval <ms>', 'HTTP/2 PING interval', '60000')
    .option('--ping-timeout <ms>', 'PING ACK deadline before the connection counts as dead', '10000')
    .option('--timings', 'after each turn, where its time went: connecting, headers, audio, StopCapture, answer (stderr; `timing` lines with --json)')
    .option('--no-color', 'no colours (NO_COLOR also works)');
}

/**
 * Adds --lang to a voice command. Only voice requests carry a language (SpeechRecognizer.Recognize's
 * `lang`, spec 5.1): a typed request has no field for it (spec 5.2) and no context object names one.
 */
export function addLangOption(cmd: Command): Command {
  return cmd.addOption(new Option('--lang <lang>', 'language of the speech (the `lang` of SpeechRecognizer.Recognize)').choices(['ko', 'en', 'ja']).default('ko'));
}

import { Option, type Command } from 'commander';
import type { EmulatorCommandOptions } from '../actions/emulator.js';
import { beforeDispatch } from '../before-dispatch.js';
import { completeFrom } from '../completion-hints.js';
import { collect } from '../request-options.js';

const RECORD_LIMIT_HELP = 'requests, events and connections kept in memory for inspection; older ones are dropped';

/** `clova-cli emulator`: runs the local CIC emulator until SIGINT/SIGTERM. */
export function registerEmulatorCommand(program: Command): void {
  const recordLimit = new Option('--record-limit <n>', RECORD_LIMIT_HELP);
  let faultTable = '';
  const cmd = program
    .command('emulator')
    .description('run a local CIC emulator (HTTP/2, h2c or TLS) to develop and test clients offline')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8443')
    .option('--tls', 'serve HTTP/2 over TLS (ALPN h2) with a self-signed certificate unless --cert/--key are given')
    .option('--cert <file>', 'PEM certificate for TLS (implies --tls; needs --key)')
    .option('--key <file>', 'PEM private key for TLS (needs --cert)')
    .option('--token <token>', 'always accept this bearer token, others only when its Auth API issued them (default: CLOVA_EMULATOR_TOKEN, else any non-empty token)')
    .option('--token-lifetime <s>', 'lifetime in whole seconds of the access tokens its Auth API issues', '3600')
    .option('--client-id <id>', 'Auth API: accept only this client_id (default: any non-empty one)')
    .option('--client-secret <secret>', 'Auth API: accept only this client_secret (default: CLOVA_EMULATOR_CLIENT_SECRET, else any non-empty one)')
    .addOption(completeFrom(new Option('--fault <spec>', 'inject a fault (repeatable), see the list below').argParser(collect), 'faults'))
    .option('--replay <file>', 'serve a session recorded with --record: the recorded answers, pushes and attachments, instead of its own (mismatches are logged)')
    .option('--push-every <seconds>', 'push Notifier.Notify on every downchannel after Hello and then every N seconds')
    .option('--handshake-timeout <seconds>', 'close a connection that has not sent the HTTP/2 preface (or a request) within this time', '10')
    .option('--idle-timeout <seconds>', 'close an HTTP/2 connection that has had no open stream for this long (a held downchannel counts as open)', '300')
    .option('--max-connections <n>', 'connections open at once; more are refused with a log line', '256')
    .option('--strict-ua', 'answer a missing or malformed User-Agent with 400 (spec 1.5)')
    .option('--recognizer <auto|off>', 'auto: recognise English speech with pocketsphinx when installed; off: never', 'auto')
    .option('--recognized-text', 'put the recognised text into StopCapture.payload.recognizedText')
    .option('--no-show-recognized-text', 'send no interim SpeechRecognizer.ShowRecognizedText')
    .addOption(recordLimit)
    .option('--quiet', 'do not log requests to stderr')
    .addHelpText(
      'after',
      () => `
Faults (--fault name or --fault name=value):
${faultTable}

The Client Auth API (GET or POST /authorize and /token, spec 6) answers on the same URL, to
HTTP/1.1 (fetch, curl) and HTTP/2 clients: set CLOVA_AUTH_URL to the printed URL.

Example: clova-cli emulator --port 0 --fault slow-frames --fault event-status=500:1`,
    )
    .action(async (opts: EmulatorCommandOptions) => {
      const { runEmulator } = await import('../actions/emulator.js');
      await runEmulator(opts);
    });
  // The fault table and the record limit come from the emulator's own modules, loaded only when
  // this command is chosen: `clova-cli --version` and `--help` load no emulator code.
  beforeDispatch(cmd, async () => {
    const [{ formatFaultTable }, { DEFAULT_RECORD_LIMITS }] = await Promise.all([
      import('../../emulator/faults.js'),
      import('../../emulator/record.js'),
    ]);
    faultTable = formatFaultTable();
    recordLimit.description = `${RECORD_LIMIT_HELP} (default ${DEFAULT_RECORD_LIMITS.entries})`;
  });
}

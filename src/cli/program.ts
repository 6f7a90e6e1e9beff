import { Command } from 'commander';
import { registerAuthCommand } from './commands/auth.js';
import { registerChatCommand } from './commands/chat.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerDevicesCommand } from './commands/devices.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerListenCommand } from './commands/listen.js';
import { registerLoginCommand } from './commands/login.js';
import { registerLogoutCommand } from './commands/logout.js';
import { registerRecognizeCommand } from './commands/recognize.js';
import { registerTextCommand } from './commands/text.js';
import { packageVersion } from './version.js';

/**
 * The commander program with every command. Each command module only declares its options and
 * help; the code that runs it is imported when it runs, so start-up loads no client, audio or
 * emulator code (docs/decisions.md, "Lazy imports for start-up time").
 */
export function buildProgram(): Command {
  const program = new Command('clova-cli')
    .description('Command-line voice client for NAVER CLOVA CIC, with a local CIC emulator')
    .version(packageVersion, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      // One line: commander's "(Did you mean …?)" suggestion joins the message.
      outputError: (s, write) =>
        write(`clova-cli: ${s.replace(/^error: /, '').replace(/\n+$/, '').replace(/\n\(Did you mean/g, ' (did you mean').replace(/\n/g, ' ')}\n`),
    })
    .addHelpText(
      'after',
      `
Environment: CLOVA_ACCESS_TOKEN (or log in once: clova-cli login), CLOVA_CIC_URL (default https://prod-ni-cic.clova.ai), CLOVA_USER_AGENT;
a .env file in the working directory is read first (real variables win).
Exit codes: 0 ok, 1 internal error, 2 usage, 3 authentication, 4 connection/server/timeout, 130 interrupted, 143 terminated.
Try it offline: clova-cli text hello --emulator`,
    );
  registerTextCommand(program);
  registerRecognizeCommand(program);
  registerListenCommand(program);
  registerChatCommand(program);
  registerDevicesCommand(program);
  registerDoctorCommand(program);
  registerEmulatorCommand(program);
  registerLoginCommand(program);
  registerLogoutCommand(program);
  registerAuthCommand(program);
  registerCompletionCommand(program);
  return program;
}

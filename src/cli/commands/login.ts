import type { Command } from 'commander';
import type { LoginOptions } from '../auth-settings.js';

/** `clova-cli login`: obtain a CLOVA access token and store it (spec 6.2-6.3, 6.7). */
export function registerLoginCommand(program: Command): void {
  program
    .command('login')
    .description(
      'obtain a CLOVA access token and store it, so later commands need no CLOVA_ACCESS_TOKEN; ' +
        'reads CLOVA_CLIENT_ID, CLOVA_CLIENT_SECRET, CLOVA_MODEL_ID (and CLOVA_AUTH_URL, CLOVA_DEVICE_ID) from the environment or .env. ' +
        'Without an option, on a terminal, it asks for your NAVER access token (hidden input)',
    )
    .option('--code <code>', 'exchange a CLOVA authorization code obtained elsewhere (a companion app)')
    .option('--with-naver-token', 'read a NAVER access token from the first line of standard input')
    .option('--guest', 'log in as a guest (no NAVER account; needs a partner agreement)')
    .option('--insecure-auth', 'allow an http:// CLOVA_AUTH_URL to a host that is not this machine (secrets cross the network unencrypted)')
    .option('--timeout <ms>', 'bound on each Auth API request', '15000')
    .action(async (opts: LoginOptions) => {
      const { runLogin } = await import('../actions/login.js');
      await runLogin(opts);
    });
}

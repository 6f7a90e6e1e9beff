import type { Command } from 'commander';

/** `clova-cli auth status|token`: what the next command would authenticate with. */
export function registerAuthCommand(program: Command): void {
  const auth = program.command('auth').description('show the login state (`auth status`) or print the access token (`auth token`)');
  auth
    .command('status')
    .description('where the next command\'s token comes from, its expiry, the device id, the auth URL and the credentials file; never the token. Exit 0 when a usable token exists, 3 otherwise')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { json?: boolean }) => {
      const { runAuthStatus } = await import('../actions/auth.js');
      await runAuthStatus(opts);
    });
  auth
    .command('token')
    .description('print the access token the next command would use (refreshed first when due), for scripts; nothing else on stdout')
    .option('--timeout <ms>', 'bound on the Auth API request when a refresh is due', '15000')
    .action(async (opts: { timeout: string }) => {
      const { runAuthToken } = await import('../actions/auth.js');
      await runAuthToken(opts);
    });
}

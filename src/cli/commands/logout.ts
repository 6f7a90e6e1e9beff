import type { Command } from 'commander';

/** `clova-cli logout`: delete the token on the server (spec 6.5) and the stored credentials. */
export function registerLogoutCommand(program: Command): void {
  program
    .command('logout')
    .description('delete the stored token on the server and the stored credentials (these go even when the server call fails)')
    .option('--insecure-auth', 'allow an http:// auth URL to a host that is not this machine')
    .option('--timeout <ms>', 'bound on the Auth API request', '15000')
    .action(async (opts: { insecureAuth?: boolean; timeout: string }) => {
      const { runLogout } = await import('../actions/logout.js');
      await runLogout(opts);
    });
}

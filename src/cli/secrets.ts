import { isSecretVariable, SecretRegistry } from '../protocol/redact.js';

/**
 * The credentials of this run. Every write to stdout and stderr passes through `secrets.redact`
 * (output/guarded-output.ts), so a credential registered here is never printed, whichever code
 * path (a server echo, a trace line, a third-party library) tries to print it.
 */
export const secrets = new SecretRegistry();

let configuration: NodeJS.ProcessEnv | undefined;

/**
 * Moves the secret variables (CLOVA_ACCESS_TOKEN, CLOVA_EMULATOR_TOKEN, …) out of process.env, so
 * that no child process inherits them (the recorder packages spawn without an environment of their
 * own), and registers their values for redaction. Configuration reads them from
 * `configurationEnv()`. Call once, after .env was loaded and before any command runs.
 */
export function withdrawSecrets(env: NodeJS.ProcessEnv = process.env): void {
  configuration = { ...env };
  for (const name of Object.keys(env)) {
    if (!isSecretVariable(name)) continue;
    secrets.add(env[name]);
    delete env[name];
  }
}

/** The environment to read settings from: process.env as it was before `withdrawSecrets`, or process.env itself. */
export function configurationEnv(): NodeJS.ProcessEnv {
  return configuration ?? process.env;
}

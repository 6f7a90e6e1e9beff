import { describe, expect, it } from 'vitest';
import { configurationEnv, secrets, withdrawSecrets } from '../../../src/cli/secrets.js';

describe('withdrawSecrets', () => {
  it('takes the credentials out of the environment, keeps them for configuration and registers them for redaction', () => {
    expect(configurationEnv()).toBe(process.env); // before: the environment itself
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/bin',
      CLOVA_ACCESS_TOKEN: 'tok-withdraw-11aa22',
      CLOVA_REFRESH_TOKEN: 'refresh-withdraw-33bb',
      CLOVA_CIC_URL: 'http://127.0.0.1:9',
    };
    withdrawSecrets(env);
    // What a child would inherit: no credential.
    expect(env).toEqual({ PATH: '/usr/bin', CLOVA_CIC_URL: 'http://127.0.0.1:9' });
    // What the settings read: everything.
    expect(configurationEnv().CLOVA_ACCESS_TOKEN).toBe('tok-withdraw-11aa22');
    expect(configurationEnv().CLOVA_CIC_URL).toBe('http://127.0.0.1:9');
    expect(secrets.redact('a tok-withdraw-11aa22 b refresh-withdraw-33bb')).toBe('a [REDACTED] b [REDACTED]');
  });
});

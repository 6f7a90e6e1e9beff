import { describe, expect, it } from 'vitest';
import { AuthTokens, GrantError } from '../../../src/emulator/auth-tokens.js';

const WHO = { clientId: 'client-1', deviceId: 'device-1', modelId: 'model-1' };

function clock(start = 1_800_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('AuthTokens', () => {
  it('issues random base64url codes and tokens of 32 bytes, and a code works once', () => {
    const tokens = new AuthTokens(60);
    const code = tokens.issueCode(WHO);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const result = tokens.exchangeCode(code, WHO);
    expect(result).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_in: 60, refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), token_type: 'Bearer' });
    expect(result.access_token).not.toBe(result.refresh_token);
    expect(tokens.state(result.access_token)).toBe('valid');
    expect(() => tokens.exchangeCode(code, WHO)).toThrow(GrantError);
    expect(() => tokens.exchangeCode(code, WHO)).toThrow(/invalid or was already used/);
  });

  it('refuses a code for another client, model or device, and spends it', () => {
    const tokens = new AuthTokens();
    for (const [field, other] of [['client_id', { ...WHO, clientId: 'x' }], ['model_id', { ...WHO, modelId: 'x' }], ['device_id', { ...WHO, deviceId: 'x' }]] as const) {
      const code = tokens.issueCode(WHO);
      expect(() => tokens.exchangeCode(code, other)).toThrow(`the authorization code was issued for another ${field}`);
      expect(() => tokens.exchangeCode(code, WHO)).toThrow(/already used/);
    }
  });

  it('expires access tokens and codes by the clock', () => {
    const c = clock();
    const tokens = new AuthTokens(2, c.now);
    const { access_token } = tokens.exchangeCode(tokens.issueCode(WHO), WHO);
    c.advance(1999);
    expect(tokens.state(access_token)).toBe('valid');
    c.advance(1);
    expect(tokens.state(access_token)).toBe('expired');
    const code = tokens.issueCode(WHO);
    c.advance(10 * 60_000);
    expect(() => tokens.exchangeCode(code, WHO)).toThrow(/expired/);
  });

  it('rotates refresh tokens: the old one is rejected, the previous access token lives until it expires', () => {
    const c = clock();
    const tokens = new AuthTokens(10, c.now);
    const first = tokens.exchangeCode(tokens.issueCode(WHO), WHO);
    c.advance(5000);
    const second = tokens.refreshTokens(first.refresh_token, { clientId: WHO.clientId, modelId: WHO.modelId });
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(() => tokens.refreshTokens(first.refresh_token, { clientId: WHO.clientId, modelId: WHO.modelId })).toThrow(GrantError);
    expect(tokens.state(first.access_token)).toBe('valid');
    c.advance(5000);
    expect(tokens.state(first.access_token)).toBe('expired');
    expect(tokens.state(second.access_token)).toBe('valid');
    // device_id is optional for a refresh, but must match when given.
    expect(() => tokens.refreshTokens(second.refresh_token, { ...WHO, deviceId: 'other' })).toThrow(/another device_id/);
    expect(tokens.refreshTokens(second.refresh_token, WHO).token_type).toBe('Bearer');
  });

  it('deletes an access token with its refresh token', () => {
    const tokens = new AuthTokens(3600);
    const t = tokens.exchangeCode(tokens.issueCode(WHO), WHO);
    expect(() => tokens.deleteToken(t.access_token, { ...WHO, clientId: 'x' })).toThrow(/another client_id/);
    expect(tokens.deleteToken(t.access_token, WHO)).toEqual({ expiresIn: 3600 });
    expect(tokens.state(t.access_token)).toBe('deleted');
    expect(() => tokens.refreshTokens(t.refresh_token, WHO)).toThrow(GrantError);
    expect(() => tokens.deleteToken(t.access_token, WHO)).toThrow(/already deleted/);
    expect(tokens.state('never-issued')).toBe('unknown');
  });

  it('rejects a lifetime that is not a whole number of seconds', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) expect(() => new AuthTokens(bad)).toThrow(/tokenLifetimeSeconds/);
  });
});

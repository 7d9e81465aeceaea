/**
 * Bearer tokens: `exp` is required, a lifetime longer than allowed is refused, and issuer / audience
 * are checked when configured. Tokens are forged with the same secret, as a leaked signer would.
 */
import { describe, expect, it } from 'vitest';
import { createSigner } from 'fast-jwt';
import { TokenService } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';

const SECRET = 'unit-test-secret-0123456789';
const now = () => Math.floor(Date.now() / 1000);
// With an `iat` in the claims the signer keeps it; without one, noTimestamp leaves it out.
const forge = (claims: Record<string, unknown>) => createSigner({ key: SECRET, algorithm: 'HS256', noTimestamp: !('iat' in claims) })(claims);

describe('token policy', () => {
  const tokens = new TokenService(SECRET, 3600, { maxLifetimeSeconds: 86_400 });

  it('accepts its own tokens and a token within the rules', () => {
    expect(tokens.verify(tokens.sign('c1'))).toEqual({ sub: 'c1', role: 'customer' });
    expect(tokens.verify(forge({ sub: 'c2', iat: now(), exp: now() + 600 }))).toEqual({ sub: 'c2', role: 'customer' });
  });

  it('refuses a token without exp, however fresh', () => {
    expect(tokens.verify(forge({ sub: 'c3', iat: now() }))).toBeNull();
    expect(tokens.verify(forge({ sub: 'c3' }))).toBeNull();
  });

  it('refuses a token issued to live longer than JWT_MAX_LIFETIME_SECONDS, with or without iat', () => {
    expect(tokens.verify(forge({ sub: 'c4', iat: now(), exp: now() + 2 * 86_400 }))).toBeNull();
    expect(tokens.verify(forge({ sub: 'c4', exp: now() + 100 * 365 * 86_400 }))).toBeNull();
    // Issued too long ago, even if its exp were still ahead.
    expect(tokens.verify(forge({ sub: 'c4', iat: now() - 2 * 86_400, exp: now() + 600 }))).toBeNull();
    expect(tokens.verify(forge({ sub: 'c4', iat: now() - 7200, exp: now() - 1 }))).toBeNull();
  });

  it('checks iss and aud when configured, and signs them', () => {
    const strict = new TokenService(SECRET, 3600, { maxLifetimeSeconds: 86_400, issuer: 'https://auth.shop', audience: 'basket' });
    const own = strict.sign('c5');
    expect(strict.verify(own)).toEqual({ sub: 'c5', role: 'customer' });
    const exp = now() + 600;
    expect(strict.verify(forge({ sub: 'c5', iat: now(), exp }))).toBeNull();
    expect(strict.verify(forge({ sub: 'c5', iat: now(), exp, iss: 'https://evil', aud: 'basket' }))).toBeNull();
    expect(strict.verify(forge({ sub: 'c5', iat: now(), exp, iss: 'https://auth.shop', aud: 'other' }))).toBeNull();
    expect(strict.verify(forge({ sub: 'c5', iat: now(), exp, iss: 'https://auth.shop', aud: 'basket' }))).toEqual({ sub: 'c5', role: 'customer' });
    // Without the configuration, a token naming an issuer is still accepted.
    expect(tokens.verify(own)).toEqual({ sub: 'c5', role: 'customer' });
  });

  it('refuses a configuration that signs tokens for longer than it accepts', () => {
    expect(() => loadConfig({ JWT_TTL_SECONDS: '90000', JWT_MAX_LIFETIME_SECONDS: '86400' })).toThrow(/JWT_TTL_SECONDS/);
  });

  it("refuses an own issuer equal to the external issuer's (its tokens are routed to the JWKS verifier)", () => {
    const external = { EXTERNAL_JWT_ISSUER: 'slas/prod/x', EXTERNAL_JWT_AUDIENCE: 'commercecloud/prod/x', EXTERNAL_JWT_JWKS_URL: 'http://127.0.0.1:1/jwks' };
    expect(() => loadConfig({ ...external, JWT_ISSUER: 'slas/prod/x' })).toThrow(/JWT_ISSUER/);
    expect(loadConfig({ ...external, JWT_ISSUER: 'basket-service' }).JWT_ISSUER).toBe('basket-service');
  });
});

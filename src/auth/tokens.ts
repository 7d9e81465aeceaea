/** Customer and agent identity: HS256 JWTs with `sub` (customer id) and `role` (README "API in brief": identity). */
import { createSigner, createVerifier } from 'fast-jwt';
import { timingSafeEqual } from 'node:crypto';
import type { Role } from '../contracts/mutation-job.js';

export interface Principal {
  readonly sub: string;
  readonly role: Role;
  /** The guest this customer signed in from (`guest_sub` claim), for a basket merge. */
  readonly guestSub?: string;
}

/**
 * What a token must carry beyond a valid signature: `exp` always, a lifetime (`exp` − `iat`, or what is
 * left of it when there is no `iat`) no longer than `maxLifetimeSeconds`, and `iss` / `aud` equal to
 * the configured ones when configured (tokens this service signs then carry them).
 */
export interface TokenPolicy {
  readonly maxLifetimeSeconds: number;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

/** The token rules the configuration sets (the API's and the token CLI's). */
export function tokenPolicy(config: {
  readonly JWT_MAX_LIFETIME_SECONDS: number;
  readonly JWT_ISSUER?: string | undefined;
  readonly JWT_AUDIENCE?: string | undefined;
}): TokenPolicy {
  return { maxLifetimeSeconds: config.JWT_MAX_LIFETIME_SECONDS, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
}

export class TokenService {
  private readonly signer: (payload: Record<string, unknown>) => string;
  private readonly verifier: (token: string) => Record<string, unknown>;
  private readonly maxLifetimeSeconds: number;

  constructor(secret: string, readonly ttlSeconds: number, policy: TokenPolicy = { maxLifetimeSeconds: Math.max(ttlSeconds, 7 * 86_400) }) {
    const { issuer, audience } = policy;
    this.maxLifetimeSeconds = policy.maxLifetimeSeconds;
    this.signer = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1000, ...(issuer ? { iss: issuer } : {}), ...(audience ? { aud: audience } : {}) });
    // Verified tokens are cached (bounded) so a hot storefront does not re-hash every request.
    this.verifier = createVerifier({
      key: secret,
      algorithms: ['HS256'],
      cache: 10_000,
      cacheTTL: 60_000,
      requiredClaims: ['exp', ...(issuer ? ['iss'] : []), ...(audience ? ['aud'] : [])],
      maxAge: policy.maxLifetimeSeconds * 1000,
      ...(issuer ? { allowedIss: issuer } : {}),
      ...(audience ? { allowedAud: audience } : {}),
    });
  }

  sign(sub: string, role: Role = 'customer', guestSub?: string): string {
    return this.signer({ sub, role, ...(guestSub ? { guest_sub: guestSub } : {}) });
  }

  /** The principal of a valid token, or null for anything invalid or expired. Never throws. */
  verify(token: string): Principal | null {
    try {
      const claims = this.verifier(token);
      // A token that was issued to live longer than allowed is refused whole (not only once it is old).
      const exp = claims.exp as number;
      const from = typeof claims.iat === 'number' ? claims.iat : Date.now() / 1000;
      if (exp - from > this.maxLifetimeSeconds) return null;
      const sub = claims.sub;
      const role = claims.role ?? 'customer';
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) return null;
      if (role !== 'customer' && role !== 'agent') return null;
      const guestSub = claims.guest_sub;
      return typeof guestSub === 'string' && guestSub.length > 0 && guestSub.length <= 255 ? { sub, role, guestSub } : { sub, role };
    } catch {
      return null;
    }
  }
}

/** Constant-time comparison of a presented secret with the expected one. */
export function secretMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

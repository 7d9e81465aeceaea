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

export class TokenService {
  private readonly signer: (payload: Record<string, unknown>) => string;
  private readonly verifier: (token: string) => Record<string, unknown>;

  constructor(secret: string, readonly ttlSeconds: number) {
    this.signer = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1000 });
    // Verified tokens are cached (bounded) so a hot storefront does not re-hash every request.
    this.verifier = createVerifier({ key: secret, algorithms: ['HS256'], cache: 10_000, cacheTTL: 60_000 });
  }

  sign(sub: string, role: Role = 'customer', guestSub?: string): string {
    return this.signer({ sub, role, ...(guestSub ? { guest_sub: guestSub } : {}) });
  }

  /** The principal of a valid token, or null for anything invalid or expired. Never throws. */
  verify(token: string): Principal | null {
    try {
      const claims = this.verifier(token);
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

/**
 * Shopper tokens of an external identity service (a storefront's SLAS, or any OIDC issuer): JWTs signed
 * with ES256 or RS256 and verified against the issuer's JWKS. `iss`, `aud` and `exp` are required and
 * checked; keys are fetched by `kid` and cached (`get-jwks`), so a rotated key (a new `kid`) is fetched
 * on first sight and a withdrawn one ages out of the cache.
 *
 * Who the shopper is, the way SLAS tokens carry it (commerce-sdk-react's `parseSlasJWT` reads the same):
 *   isb = 'uido:slas::upn:Guest::uidn:Guest User::gcid:<guest customer id>::chid:<site>'           (guest)
 *   isb = 'uido:ecom::upn:<login>::uidn:<name>::gcid:<guest customer id>::rcid:<registered id>::chid:<site>'
 *   sub = 'cc-slas::<tenant>::scid:<client id>::usid:<shopper session id>'
 * The customer id is `rcid` for a registered shopper and `gcid` for a guest; a registered shopper's
 * `gcid` names the guest it signed in from (the source of a basket merge or transfer). A token without
 * `isb` (another OIDC issuer) is the customer its `sub` names. External shoppers are always customers:
 * an `agent:` marker in `isb` (SLAS order-on-behalf) is not taken as this service's agent role, which
 * sees every basket.
 */
import { createDecoder, createVerifier } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import type { Principal } from './tokens.js';

export interface ExternalIssuerOptions {
  /** The exact `iss` of the issuer's tokens (SLAS: `slas/prod/<tenant>`). */
  readonly issuer: string;
  /** The `aud` the tokens must carry (SLAS: `commercecloud/prod/<tenant>`). */
  readonly audience: string;
  /** Where the issuer publishes its keys (SLAS: `…/shopper/auth/v1/organizations/<org>/oauth2/jwks`). */
  readonly jwksUrl: string;
  /** How long fetched keys are kept. */
  readonly keyCacheTtlMs: number;
  /** Timeout of one JWKS fetch. */
  readonly fetchTimeoutMs: number;
  /**
   * The longest lifetime a token may have been issued with (`exp` − `iat`, or what is left of it without
   * `iat`), the same bound as this service's own tokens (JWT_MAX_LIFETIME_SECONDS); unset: not bounded.
   */
  readonly maxLifetimeSeconds?: number;
}

const MAX_ID_LENGTH = 255;
const decode = createDecoder();

export class ExternalIssuer {
  private readonly verifier: (token: string) => Promise<Record<string, unknown>>;

  constructor(readonly options: ExternalIssuerOptions) {
    const url = new URL(options.jwksUrl);
    const jwks = buildGetJwks({ max: 100, ttl: options.keyCacheTtlMs, jwksPath: url.pathname + url.search });
    const domain = url.origin;
    this.verifier = createVerifier({
      algorithms: ['ES256', 'RS256'],
      allowedIss: options.issuer,
      allowedAud: options.audience,
      requiredClaims: ['iss', 'aud', 'exp'],
      // Verified tokens are cached (bounded, never past their exp) so a busy storefront does not re-verify each request.
      cache: 10_000,
      cacheTTL: 60_000,
      key: async (decoded: { header: { alg?: string; kid?: string } }) => {
        if (typeof decoded.header.kid !== 'string') throw new Error('token has no kid');
        // A slow issuer must not hold requests: the fetch is bounded (a failed fetch is not cached).
        return withTimeout(jwks.getPublicKey({ domain, alg: decoded.header.alg, kid: decoded.header.kid }), options.fetchTimeoutMs);
      },
    }) as (token: string) => Promise<Record<string, unknown>>;
  }

  /** Whether a token claims to come from this issuer (unverified: only routes it to `verify`). */
  claims(token: string): boolean {
    try {
      const payload = decode(token) as Record<string, unknown>;
      return payload.iss === this.options.issuer;
    } catch {
      return false;
    }
  }

  /** The shopper of a valid token of this issuer, or null for anything invalid, expired or unreadable. Never throws. */
  async verify(token: string): Promise<Principal | null> {
    try {
      const claims = await this.verifier(token);
      const max = this.options.maxLifetimeSeconds;
      const from = typeof claims.iat === 'number' ? claims.iat : Date.now() / 1000;
      if (max !== undefined && (claims.exp as number) - from > max) return null;
      return shopperOf(claims);
    } catch {
      return null;
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`JWKS not fetched within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The customer a verified token's claims name (see the module comment), or null when it names none. */
export function shopperOf(claims: Readonly<Record<string, unknown>>): Principal | null {
  const valid = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;
  if (typeof claims.isb === 'string') {
    const parts = new Map<string, string>();
    for (const part of claims.isb.split('::')) {
      const colon = part.indexOf(':');
      if (colon > 0) parts.set(part.slice(0, colon), part.slice(colon + 1));
    }
    const gcid = parts.get('gcid');
    const rcid = parts.get('rcid');
    const registered = parts.has('upn') && parts.get('upn') !== 'Guest' && valid(rcid);
    if (registered) return valid(gcid) && gcid !== rcid ? { sub: rcid, role: 'customer', guestSub: gcid } : { sub: rcid, role: 'customer' };
    return valid(gcid) ? { sub: gcid, role: 'customer' } : null;
  }
  return valid(claims.sub) ? { sub: claims.sub, role: 'customer' } : null;
}

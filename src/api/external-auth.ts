/**
 * Tokens of the configured external issuer are verified before the route runs (JWKS verification is
 * asynchronous; the routes' `authenticate` is not): every bearer token of the request that claims the
 * issuer — `Authorization`, and `X-Guest-Authorization` of a merge or transfer — is verified once and its
 * principal (or null: invalid) kept on the request. Other tokens are left to the HS256 verifier.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/tokens.js';
import { ExternalIssuer } from '../auth/external-issuer.js';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Principals of the request's external-issuer tokens, by token (null: the token did not verify). */
    externalPrincipals: Map<string, Principal | null> | null;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function externalIssuerOf(config: Config): ExternalIssuer | null {
  if (!config.EXTERNAL_JWT_ISSUER || !config.EXTERNAL_JWT_AUDIENCE || !config.EXTERNAL_JWT_JWKS_URL) return null;
  return new ExternalIssuer({
    issuer: config.EXTERNAL_JWT_ISSUER,
    audience: config.EXTERNAL_JWT_AUDIENCE,
    jwksUrl: config.EXTERNAL_JWT_JWKS_URL,
    keyCacheTtlMs: config.EXTERNAL_JWKS_CACHE_TTL_MS,
    fetchTimeoutMs: config.EXTERNAL_JWKS_TIMEOUT_MS,
    maxLifetimeSeconds: config.JWT_MAX_LIFETIME_SECONDS,
  });
}

export function registerExternalIssuer(app: FastifyInstance, issuer: ExternalIssuer): void {
  app.decorateRequest('externalPrincipals', null);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    for (const header of [req.headers.authorization, req.headers['x-guest-authorization']]) {
      const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
      if (!token || !issuer.claims(token)) continue;
      req.externalPrincipals ??= new Map();
      if (!req.externalPrincipals.has(token)) req.externalPrincipals.set(token, await issuer.verify(token));
    }
  });
}

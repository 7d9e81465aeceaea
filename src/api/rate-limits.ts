/**
 * Per-client request rate limits, counted in Redis so every API process shares them
 * (@fastify/rate-limit with its Redis store: one INCR script per request, fixed windows).
 *
 * Who a client is: the `sub` of a valid bearer token, else a valid Akinon session, else the remote
 * address. Requests that mint a new identity — `POST /auth/guest`, and Akinon requests with neither a
 * token nor a session (each would start a new guest, and its first write a new basket) — count per
 * address against a stricter limit, so nobody can make identities (and with them baskets) at will.
 * Operations and admin routes are not limited here (they have their own credentials).
 * Over the limit: 429 with `Retry-After`, in the error shape of the route's dialect (the limit throws
 * an ApiError; each dialect's error handler renders it).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { RedisClient } from '../redis/client.js';
import type { TokenService } from '../auth/tokens.js';
import { ApiError } from './errors.js';
import { bearerToken } from './http.js';
import { cookieValues, SESSION_COOKIE, SessionIds } from './akinon/identity.js';

export interface RateLimitSettings {
  /** Requests per window per client (0: no limit). */
  readonly max: number;
  /** Requests per window per address that mint a new identity (0: no limit). */
  readonly newIdentityMax: number;
  readonly windowMs: number;
  readonly redisPrefix: string;
}

const UNLIMITED_PREFIXES = ['/health', '/ready', '/metrics', '/docs', '/admin'];
const NEW_IDENTITY = 'new:';

export async function registerRateLimits(
  app: FastifyInstance,
  deps: { readonly redis: RedisClient; readonly tokens: TokenService; readonly jwtSecret: string },
  settings: RateLimitSettings,
): Promise<void> {
  if (settings.max === 0 && settings.newIdentityMax === 0) return;
  const sessions = new SessionIds(deps.jwtSecret);

  const clientKey = (req: FastifyRequest): string => {
    const token = bearerToken(req);
    const principal = token ? deps.tokens.verify(token) : null;
    if (principal) return `sub:${principal.sub}`;
    const url = req.url;
    if (url === '/auth/guest' || url.startsWith('/auth/guest?')) return `${NEW_IDENTITY}${req.ip}`;
    if (url.startsWith('/baskets/')) {
      const session = cookieValues(req.headers.cookie, SESSION_COOKIE).find((v) => sessions.read(v) !== null);
      return session ? `session:${session}` : `${NEW_IDENTITY}${req.ip}`;
    }
    return `ip:${req.ip}`;
  };
  const limitOf = (key: string) => (key.startsWith(NEW_IDENTITY) ? settings.newIdentityMax : settings.max);

  await app.register(rateLimit, {
    global: true,
    // ioredis' Cluster client takes the same commands (each rate-limit key is one slot).
    redis: deps.redis as Redis,
    nameSpace: `${settings.redisPrefix}:ratelimit:`,
    timeWindow: settings.windowMs,
    keyGenerator: clientKey,
    // A limit of 0 turns that kind of limit off (allowList below); the store still needs a number.
    max: (_req, key) => limitOf(key) || Number.MAX_SAFE_INTEGER,
    allowList: (req, key) => limitOf(key) === 0 || UNLIMITED_PREFIXES.some((p) => req.url === p || req.url.startsWith(`${p}/`) || req.url.startsWith(`${p}?`)),
    // Without Redis, writes answer 503 anyway and reads fall back to PostgreSQL: do not refuse them here.
    skipOnError: true,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    errorResponseBuilder: (_req, ctx) => new ApiError('rate_limited', `Too many requests; retry in ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s.`),
  });
}

/** HTTP helpers shared by every dialect: identity, write headers, ETags, a mutation's status body and error (writes: write-path.ts). */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal, TokenService } from '../auth/tokens.js';
import type { MutationOutcome } from '../contracts/mutation-job.js';
import { ApiError, isApiErrorCode } from './errors.js';

export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}

/**
 * The principal of a bearer token of this request: an external issuer's as verified before the route
 * (see external-auth.ts), else this service's own HS256 token. Null when invalid.
 */
export function verifyToken(req: FastifyRequest, token: string, tokens: TokenService): Principal | null {
  const external = req.externalPrincipals?.get(token);
  return external !== undefined ? external : tokens.verify(token);
}

/** The caller's identity from its bearer JWT; 401 without a valid one. */
export function authenticate(req: FastifyRequest, tokens: TokenService): Principal {
  const token = bearerToken(req);
  const principal = token ? verifyToken(req, token, tokens) : null;
  if (!principal) throw new ApiError('unauthorized', 'A valid bearer token is required.');
  return principal;
}

/** Printable ASCII, 1..255 characters (an `Idempotency-Key`: it is stored and echoed, so nothing that could split a header line). */
export const IdempotencyKeyHeader = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export interface WriteOptions {
  readonly idempotencyKey: string | null;
  readonly respondAsync: boolean;
}

export function writeOptions(req: FastifyRequest): WriteOptions {
  const raw = req.headers['idempotency-key'];
  let idempotencyKey: string | null = null;
  if (raw !== undefined) {
    const parsed = IdempotencyKeyHeader.safeParse(raw);
    if (!parsed.success) throw new ApiError('invalid_request', `Idempotency-Key header ${parsed.error.issues[0]?.message ?? 'is invalid'}.`);
    idempotencyKey = parsed.data;
  }
  const prefer = req.headers.prefer;
  const respondAsync = typeof prefer === 'string' && /(^|[,;\s])respond-async($|[,;\s])/i.test(prefer);
  return { idempotencyKey, respondAsync };
}

/** The newest version an If-None-Match header names (a read must not serve older), or null. */
export function ifNoneMatchVersion(req: FastifyRequest): number | null {
  const versions = ifNoneMatchVersions(req);
  return versions.length > 0 ? Math.max(...versions) : null;
}

/** Every version an If-None-Match header names (`"7"`, `W/"7"`, or a list of them). */
function ifNoneMatchVersions(req: FastifyRequest): number[] {
  const h = req.headers['if-none-match'];
  if (typeof h !== 'string') return [];
  return h.split(',').flatMap((tag) => {
    const m = /^\s*(?:W\/)?"(\d{1,12})"\s*$/.exec(tag);
    return m ? [Number(m[1])] : [];
  });
}

/** Whether If-None-Match names this version (one of a list of tags), or is `*` (any current version). */
export function notModified(req: FastifyRequest, version: number): boolean {
  const h = req.headers['if-none-match'];
  if (typeof h !== 'string') return false;
  if (h.trim() === '*') return true;
  return ifNoneMatchVersions(req).includes(version);
}

export function etag(version: number): string {
  return `"${version}"`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** Whether a principal may see a basket (owners see theirs, agents see all). */
export function canAccess(principal: Principal, snapshot: { readonly ownerId: string }): boolean {
  return principal.role === 'agent' || snapshot.ownerId === principal.sub;
}

export function mutationStatusBody(mutationId: string, basketId: string, status: string, version: number | null, error: unknown) {
  return { id: mutationId, basket_id: basketId, status, version, error: error ?? null };
}

/** The error an outcome that was not applied stands for. */
export function outcomeError(outcome: Exclude<MutationOutcome, { status: 'applied' }>): ApiError {
  const code = outcome.error.code;
  return new ApiError(isApiErrorCode(code) ? code : 'internal_error', outcome.error.message);
}

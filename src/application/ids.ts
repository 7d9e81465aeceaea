/** Identifier helpers for the application layer (the domain receives ids, it never makes them). */
import { createHash, randomUUID } from 'node:crypto';

/**
 * The mutation id of an idempotent request: a name-based UUID (RFC 4122 v5 layout over SHA-1) of the
 * caller and its Idempotency-Key, so a repeat maps to the same mutation — and to the same BullMQ job id.
 */
export function idempotentMutationId(ownerId: string, idempotencyKey: string): string {
  return nameBasedUuid('basket-mutation', ownerId, idempotencyKey);
}

/** The id of a basket created with an Idempotency-Key, so a repeat names the same basket. */
export function idempotentBasketId(ownerId: string, idempotencyKey: string): string {
  return nameBasedUuid('basket', ownerId, idempotencyKey);
}

/**
 * The id of an owner's `n`-th basket on a site (Akinon's one active basket; `n` = how many baskets the
 * owner has there in any status). Name-based, so two concurrent first requests create the same basket
 * and the second one's `basket_exists` only means: read it.
 */
export function ownerSiteBasketId(ownerId: string, siteId: string, n: number): string {
  return nameBasedUuid('akinon-basket', ownerId, `${siteId}\u0000${n}`);
}

/** The id of a record a mutation writes besides its own (a merge's record on the guest basket). */
export function derivedMutationId(mutationId: string, purpose: string): string {
  return nameBasedUuid('derived-mutation', mutationId, purpose);
}

function nameBasedUuid(space: string, ownerId: string, name: string): string {
  const h = createHash('sha1').update(`${space}\u0000`).update(ownerId).update('\u0000').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function newMutationId(): string {
  return randomUUID();
}

/** The n-th line id created by a mutation: deterministic, so a replayed job creates the same ids. */
export function lineItemId(mutationId: string, n: number): string {
  return createHash('sha256').update(`${mutationId}:${n}`).digest('base64url').slice(0, 26);
}

/** Stable hash of a request (method, route, body) for Idempotency-Key reuse detection. */
export function requestHash(method: string, route: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${route}\n`).update(JSON.stringify(body ?? null)).digest('base64url');
}

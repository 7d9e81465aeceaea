/**
 * "The caller's basket on a site" for the dialects that have no basket id in their paths (Akinon) or
 * that create one on demand (SCAPI's merge): the newest active basket the owner has there, created
 * when there is none. The new basket's id is name-based on (owner, site, how many baskets the owner has
 * there), read in one snapshot with the lookup, so concurrent first requests create one basket and the
 * others' `basket_exists` only means: read it.
 */
import type { Db } from '../persistence/database.js';
import { activeBasketOf } from '../persistence/owner-baskets.repository.js';
import type { BasketSnapshot } from '../contracts/basket-snapshot.js';
import { ownerSiteBasketId } from './ids.js';
import type { MutationOutcome, Role } from '../contracts/mutation-job.js';
import { ServiceUnavailableError, type Submitter } from './submit-mutation.js';

export interface ActiveBasket {
  readonly id: string;
  /** The new basket's snapshot when this call created it. */
  readonly created: BasketSnapshot | null;
  /** The creation is still queued (writes to the basket queue behind it in its lane, so they may go ahead). */
  readonly pending: boolean;
}

/** The creation was refused for a reason other than a concurrent creation (e.g. an unknown site). */
export class BasketCreationRefused extends Error {
  override readonly name = 'BasketCreationRefused';
  constructor(readonly outcome: Exclude<MutationOutcome, { status: 'applied' }>) {
    super(outcome.error.message);
  }
}

export async function ensureActiveBasket(
  deps: { readonly db: Db; readonly submitter: Submitter },
  owner: { readonly ownerId: string; readonly role: Role },
  siteId: string,
): Promise<ActiveBasket> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { activeId, count } = await activeBasketOf(deps.db, owner.ownerId, siteId);
    if (activeId) return { id: activeId, created: null, pending: false };
    // The owner's n-th basket on the site; `attempt` skips ids already taken by baskets no longer active.
    const id = ownerSiteBasketId(owner.ownerId, siteId, count + attempt);
    const result = await deps.submitter.submit({
      basketId: id,
      ownerId: owner.ownerId,
      role: owner.role,
      command: { kind: 'create_basket', siteId, currency: null, agentBasket: owner.role === 'agent', custom: {} },
      idempotencyKey: null,
      requestHash: 'create_basket',
      respondAsync: false,
    });
    if (result.kind === 'pending') return { id, created: null, pending: true };
    if (result.kind === 'idempotency_conflict') continue;
    if (result.kind === 'busy') throw new ServiceUnavailableError('The basket is busy; retry.');
    const outcome = result.outcome;
    if (outcome.status === 'applied') return { id, created: outcome.snapshot, pending: false };
    // A concurrent first request created it: read it on the next round.
    if (outcome.error.code !== 'basket_exists' && outcome.error.code !== 'basket_not_found') throw new BasketCreationRefused(outcome);
  }
  throw new ServiceUnavailableError('The basket could not be created; retry.');
}

/**
 * Where an owner's next write on the site goes: its active basket (`activeId`), or, when it has none, the
 * id a basket created now takes (`newId`: its baskets there counted, so ids stay deterministic).
 */
export async function basketSlotOf(db: Db, ownerId: string, siteId: string): Promise<{ activeId: string | null; newId: string }> {
  const { activeId, count } = await activeBasketOf(db, ownerId, siteId);
  return { activeId, newId: ownerSiteBasketId(ownerId, siteId, count) };
}

/** The owner's newest active basket on the site, or null. */
export async function activeBasketIdOf(db: Db, ownerId: string, siteId: string): Promise<string | null> {
  return (await activeBasketOf(db, ownerId, siteId)).activeId;
}

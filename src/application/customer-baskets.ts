/**
 * Which baskets a customer listing shows (SCAPI getCustomerBaskets, OCAPI `GET /customers/{id}/baskets`):
 * the owner's active baskets on the site, newest first, at most `limit`, and how many there are. The
 * API renders each from the cache and checks that it is still the owner's and active.
 */
import type { Db } from '../persistence/database.js';
import { activeBasketsOf } from '../persistence/owner-baskets.repository.js';

export async function customerBasketIds(db: Db, ownerId: string, siteId: string, limit: number): Promise<{ ids: string[]; total: number }> {
  return activeBasketsOf(db, ownerId, siteId, limit);
}

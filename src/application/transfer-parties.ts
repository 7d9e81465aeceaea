/**
 * The two baskets a SCAPI transferBasket concerns, read before the transfer is queued: the previous
 * (guest) shopper's active basket on the site, which the transfer gives to the caller, and the caller's
 * own active basket, which it merges in, replaces or refuses over. The worker checks both again under
 * the basket's version guard (`transfer_basket` refuses when the caller's basket changed meanwhile).
 */
import type { Db } from '../persistence/database.js';
import { activeBasketOf } from '../persistence/owner-baskets.repository.js';

export interface TransferParties {
  readonly guestBasketId: string | null;
  readonly ownBasketId: string | null;
}

export async function transferParties(db: Db, guestOwnerId: string, callerId: string, siteId: string): Promise<TransferParties> {
  const [guest, own] = await Promise.all([activeBasketOf(db, guestOwnerId, siteId), activeBasketOf(db, callerId, siteId)]);
  return { guestBasketId: guest.activeId, ownBasketId: own.activeId };
}

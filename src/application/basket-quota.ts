/**
 * The active-basket cap: a customer holds at most `max` active baskets (any site). Agents work on many
 * customers' baskets and are not limited; a replayed creation (the basket already exists) always passes.
 * Checked when the creation arrives: creations racing each other may pass it together, which the
 * per-client rate limit bounds.
 */
import type { Db } from '../persistence/database.js';
import { activeBasketCount } from '../persistence/owner-baskets.repository.js';
import type { Principal } from '../auth/tokens.js';

/** Whether `principal` may create the basket `basketId` under a cap of `max` (0: no cap). */
export async function mayCreateBasket(db: Db, principal: Principal, basketId: string, max: number): Promise<boolean> {
  if (max === 0 || principal.role === 'agent') return true;
  const { active, exists } = await activeBasketCount(db, principal.sub, basketId);
  return exists || active < max;
}

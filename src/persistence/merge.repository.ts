/**
 * A basket merge's write: the guest basket's outcome (deleted), its held units moved to the
 * destination basket, and the destination's outcome — one transaction, all or nothing. Both basket
 * writes keep their version guards, so a change the guest's own lane made meanwhile rolls it all back
 * (the merge then re-reads and retries). Locks: the guest's basket row, its holdings, then the destination's
 * row, then its holdings — each basket row before its holdings, as every other write takes them.
 */
import { inTransaction } from './statement.js';
import type pg from 'pg';
import { writeMutationOutcome, type MutationOutcomeWrite, type MutationRecord } from './basket.repository.js';

// Every stock list's holdings move (the site's and any pickup store's), as the destination's plan counts them.
const TRANSFER_HOLDINGS = `
  with moved as (
    delete from reservations where basket_id = $1 returning stock_list, sku, quantity, expires_at)
  insert into reservations (basket_id, stock_list, sku, quantity, expires_at)
  select $2, stock_list, sku, quantity, expires_at from moved where quantity > 0
  on conflict (basket_id, stock_list, sku) do update
    set quantity = reservations.quantity + excluded.quantity, expires_at = least(reservations.expires_at, excluded.expires_at)`;

export interface MergeWrite {
  readonly source: { readonly record: MutationRecord; readonly outcome: MutationOutcomeWrite & { status: 'applied' } };
  readonly destination: { readonly record: MutationRecord; readonly outcome: MutationOutcomeWrite & { status: 'applied' } };
  readonly stockList: string;
}

/** Returns the destination's pk; throws ConcurrentModificationError when either basket moved. */
export async function writeMergeOutcome(pool: Pick<pg.Pool, 'connect'>, w: MergeWrite): Promise<number | null> {
  return inTransaction(pool, async (client) => {
    await writeMutationOutcome(client, w.source.record, w.source.outcome);
    // The destination's row before its holdings, the order its own writes take them in.
    await client.query('select 1 from baskets where id = $1 for update', [w.destination.outcome.after.id]);
    await client.query(TRANSFER_HOLDINGS, [w.source.outcome.after.id, w.destination.outcome.after.id]);
    const pk = await writeMutationOutcome(client, w.destination.record, w.destination.outcome);
    return pk;
  });
}

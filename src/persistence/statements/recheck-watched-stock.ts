/**
 * recheck-watched-stock — run right after a write that left the basket watching SKUs (`stock_watch`
 * rows): flags each watched SKU whose units moved since the basket's read, so the expiry sweep judges
 * the basket again. A move that committed between the read and the write could not see the basket's
 * new watch rows, so no mover flagged it; without this the basket kept a view of the stock that was
 * already gone (a flash with the units free again, or none with them taken). See the
 * stock-revisit-locks migration for the other half (movers judge after locking the row).
 *
 * Inputs:  `stockList`; `seen` (JSON text `[{sku, on_hand, reserved}]`: each watched SKU's on-hand and
 *          reserved as the write's read saw them).
 * Output:  one row `{sku}` per SKU flagged.
 * Locks:   the `stocks` rows of the watched SKUs, FOR SHARE in SKU order (so a move in flight is waited
 *          for and then seen); the rows it flags.
 */
import { defineStatement } from '../statement.js';

export interface RecheckWatchedStockInput {
  readonly stockList: string;
  /** JSON text `[{sku, on_hand, reserved}]`. */
  readonly seen: string;
}

export const recheckWatchedStock = defineStatement<RecheckWatchedStockInput, { sku: string }>(
  'recheck_watched_stock',
  (p) => `with seen as (
     select x.sku, x.on_hand, x.reserved from jsonb_to_recordset(${p.seen}::jsonb) as x (sku text, on_hand int, reserved int)),
   latest as materialized (
     select s.sku, s.on_hand, s.reserved from stocks s join seen x on x.sku = s.sku
     where s.stock_list = ${p.stockList}
     order by s.sku
     for share of s)
   update stocks s set revisit = true
   from latest c join seen x on x.sku = c.sku
   where s.stock_list = ${p.stockList} and s.sku = c.sku and not s.revisit
     and (c.on_hand, c.reserved) is distinct from (x.on_hand, x.reserved)
   returning s.sku`,
);

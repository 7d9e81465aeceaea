/**
 * write-basket-update — a mutation's whole outcome for an existing basket, all or nothing.
 *
 * Inputs:  the basket's new state (status, version, custom, totals, source code, checkout,
 *          shipping method, adjustments, coupons, external offer code, updatedAt, owner: changed only
 *          by a transfer), `readVersion` (the
 *          version it was read at), the reservation plan (`stockList`, `reservationPlan` JSON text,
 *          `reservationExpiresAt`), `stockWatch` (JSON text `[{sku, wanted, flashed}]`: the SKUs the basket
 *          wants more units of than the plan leaves it holding, or flashed not available; they become its
 *          `stock_watch` rows in `stockList`, replacing the previous ones), and the shared lines-and-record
 *          inputs (the snapshot among them: it is stored once, as the mutation record's `result`; the basket's
 *          `snapshot` column is cleared, see `loadSnapshot` and the perf-write-snapshot-once migration).
 * Output:  one row `{reservation, pk}`: `reservation` is `basket_apply_reservations`' answer ('ok', or
 *          'conflict' when the basket or its holdings changed since they were read: nothing was written, re-read
 *          and re-plan), or 'stale' when the reference data (prices, products, methods, promotions, the site,
 *          tracked SKUs) changed since `referenceVersion` was read: nothing was written, re-read; `pk` is the
 *          basket's pk, or null when a guard failed (nothing was written).
 * Raises:  SQLSTATE BR001 when stock the plan needs is gone even after reclaiming expired holdings (the
 *          statement fails as a whole: nothing was written; re-read and re-plan, as for 'conflict').
 * Locks:   the basket row (taken by `basket_apply_reservations` first, so the function and the update see
 *          the same version), the `stocks` rows of the plan's SKUs (in sorted order) and the basket's
 *          `reservations` rows; the lines it changes; the basket's `stock_watch` rows; the new `mutations` row.
 *          The function also flags `stocks.revisit` on a SKU whose units it moves while other baskets watch
 *          it (see the stock-revisits migration); the expiry sweep drains the flags.
 */
import { defineStatement } from '../statement.js';
import { linesAndRecord, type LinesAndRecordInput } from './lines-and-record.js';

export interface WriteBasketUpdateInput extends LinesAndRecordInput {
  readonly readVersion: number;
  readonly status: string;
  /** JSON text. */
  readonly custom: string;
  readonly productSubTotal: string;
  readonly productTotal: string;
  readonly taxTotal: string;
  readonly orderTotal: string;
  readonly updatedAt: Date;
  readonly stockList: string;
  /**
   * JSON text `[{stock_list?, sku, have, target}]`: what the basket should hold afterwards (empty array: no
   * change); an entry without `stock_list` is in `stockList` (the site's).
   */
  readonly reservationPlan: string;
  readonly reservationExpiresAt: Date | null;
  readonly sourceCode: string | null;
  /** JSON text. */
  readonly checkout: string;
  readonly shippingMethodId: string | null;
  /** JSON text (values as decimal text). */
  readonly adjustments: string;
  /** JSON text. */
  readonly coupons: string;
  readonly externalOfferCode: string | null;
  /** JSON text `[{stock_list?, sku, wanted, flashed}]` (no `stock_list`: `stockList`; empty array: the basket watches nothing). */
  readonly stockWatch: string;
  /** The basket's owner afterwards (a transfer gives the basket to the signed-in shopper). */
  readonly basketOwnerId: string;
  /**
   * `reference_version` when the reference data the outcome was priced by was read: the write applies only
   * while it still is (else `reservation` is 'stale' and nothing is written).
   */
  readonly referenceVersion: number;
}

export const writeBasketUpdate = defineStatement<WriteBasketUpdateInput, { reservation: string; pk: number | null }>(
  'write_basket_update',
  (p) => `with reservation as materialized (
     select case when (select v.version from reference_version v) <> ${p.referenceVersion}::bigint then 'stale'
                 when jsonb_array_length(${p.reservationPlan}::jsonb) = 0 then 'ok'
                 else basket_apply_reservations(${p.basketId}, ${p.readVersion}, ${p.stockList}, ${p.reservationPlan}::jsonb,
                                                ${p.reservationExpiresAt}, ${p.updatedAt}) end as outcome),
   basket_written as (
     update baskets set status = ${p.status}, version = ${p.version}, custom = ${p.custom}::jsonb, product_sub_total = ${p.productSubTotal},
       product_total = ${p.productTotal}, tax_total = ${p.taxTotal}, order_total = ${p.orderTotal}, snapshot = null,
       updated_at = ${p.updatedAt}, active_on = ${p.updatedAt}::date, source_code = ${p.sourceCode}, checkout = ${p.checkout}::jsonb, shipping_method_id = ${p.shippingMethodId},
       adjustments = ${p.adjustments}::jsonb, coupons = ${p.coupons}::jsonb, external_offer_code = ${p.externalOfferCode},
       owner_id = ${p.basketOwnerId}
     where id = ${p.basketId} and version = ${p.readVersion} and (select outcome from reservation) = 'ok'
     returning pk),
   watch_cleared as (
     delete from stock_watch w where w.basket_id = ${p.basketId} and exists (select 1 from basket_written)
       and (w.stock_list, w.sku) not in (select coalesce(x.stock_list, ${p.stockList}), x.sku
                                         from jsonb_to_recordset(${p.stockWatch}::jsonb) as x (stock_list text, sku text))),
   watch_written as (
     insert into stock_watch (basket_id, stock_list, sku, wanted, flashed)
     select ${p.basketId}, coalesce(x.stock_list, ${p.stockList}), x.sku, x.wanted, x.flashed
     from jsonb_to_recordset(${p.stockWatch}::jsonb) as x (stock_list text, sku text, wanted int, flashed boolean)
     where exists (select 1 from basket_written)
     on conflict (basket_id, stock_list, sku) do update set wanted = excluded.wanted, flashed = excluded.flashed
       where (stock_watch.wanted, stock_watch.flashed) is distinct from (excluded.wanted, excluded.flashed)),
   ${linesAndRecord(p, `${p.snapshot}::json`)}
   select (select outcome from reservation) as reservation, (select pk from basket_written) as pk`,
);

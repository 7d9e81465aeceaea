/**
 * write-basket-insert — a new basket with the next pk (written into its snapshot too), its lines and its
 * mutation record, all or nothing.
 *
 * Inputs:  the basket's identity (owner, site, currency, agent basket, createdAt), its first state
 *          (status, version, custom, totals, updatedAt), and the shared lines-and-record inputs (the snapshot is
 *          stored once, as the record's `result` with the pk; the basket's `snapshot` column stays null).
 * Output:  one row `{pk}` when inserted; no row when a basket with that id exists (a concurrent create:
 *          the caller re-reads).
 * Locks:   the new `baskets` row, its lines and the new `mutations` row.
 */
import { defineStatement } from '../statement.js';
import { linesAndRecord, type LinesAndRecordInput } from './lines-and-record.js';

export interface WriteBasketInsertInput extends LinesAndRecordInput {
  readonly basketOwnerId: string;
  readonly siteId: string;
  readonly currency: string;
  readonly agentBasket: boolean;
  readonly status: string;
  /** JSON text. */
  readonly custom: string;
  readonly productSubTotal: string;
  readonly productTotal: string;
  readonly taxTotal: string;
  readonly orderTotal: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const writeBasketInsert = defineStatement<WriteBasketInsertInput, { pk: number | null }>(
  'write_basket_insert',
  (p) => `with basket_written as (
     insert into baskets (id, pk, owner_id, site_id, currency, status, version, agent_basket, custom,
                          product_sub_total, product_total, tax_total, order_total, snapshot, created_at, updated_at)
     select ${p.basketId}, n.pk, ${p.basketOwnerId}, ${p.siteId}, ${p.currency}, ${p.status}, ${p.version}, ${p.agentBasket}, ${p.custom}::jsonb,
            ${p.productSubTotal}, ${p.productTotal}, ${p.taxTotal}, ${p.orderTotal}, null,
            ${p.createdAt}, ${p.updatedAt}
     from (select nextval(pg_get_serial_sequence('baskets', 'pk')) as pk) n
     on conflict (id) do nothing
     returning pk),
   ${linesAndRecord(p, `jsonb_set(${p.snapshot}::jsonb, '{pk}', to_jsonb((select pk from basket_written)))::json`)}
   select pk from basket_written`,
);

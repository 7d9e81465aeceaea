/**
 * The part both basket writes share: line deletes and upserts and the mutation record, each only if the
 * statement's `basket_written` CTE wrote a row (so a failed version guard writes nothing at all). The
 * record keeps the version's document (`result`, with the basket's pk) for every applied mutation, not
 * only for one with an idempotency key: a basket's event stream replays missed versions from the log.
 */
import type { Placeholders } from '../statement.js';

/** Inputs of the shared part (every basket write takes them). */
export interface LinesAndRecordInput {
  readonly basketId: string;
  /** The basket's new version, recorded with the mutation. */
  readonly version: number;
  /**
   * The new snapshot (JSON text); kept with every applied record (idempotent replies and stream replays read
   * it), and the only copy of the basket's current document (`loadSnapshot` reads the record at the basket's
   * version). On an update it must carry the basket's pk (it is stored as given).
   */
  readonly snapshot: string;
  readonly deletedItemIds: readonly string[];
  /**
   * Lines to insert or update (JSON text: `[{item_id, sku, quantity, added_unit_price, position, attributes,
   * custom, gift, gift_message, inventory_id}]`); an update rewrites every field but the id, the SKU too (a variant swap).
   */
  readonly upsertedLines: string;
  readonly mutationId: string;
  /** Who asked for the mutation (the mutation record's owner). */
  readonly actorId: string;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  readonly kind: string;
  /** The command (JSON text). */
  readonly payload: string;
  readonly enqueuedAt: Date;
  readonly finishedAt: Date;
}

/**
 * `result` is the SQL expression of the record's document (a `json` value): the snapshot as given when it
 * already carries the basket's pk (an update), or the snapshot with the pk just assigned (an insert).
 */
export const linesAndRecord = (p: Placeholders<LinesAndRecordInput>, result: string) => `
  lines_deleted as (
    delete from basket_lines where basket_id = ${p.basketId} and item_id = any(${p.deletedItemIds}::text[]) and exists (select 1 from basket_written)),
  lines_upserted as (
    insert into basket_lines (basket_id, item_id, sku, quantity, added_unit_price, position, attributes, custom, gift, gift_message, inventory_id)
    select ${p.basketId}, x.item_id, x.sku, x.quantity, x.added_unit_price, x.position, x.attributes, x.custom, x.gift, x.gift_message, x.inventory_id
    from jsonb_to_recordset(${p.upsertedLines}::jsonb)
      as x (item_id text, sku text, quantity int, added_unit_price numeric, position int, attributes jsonb, custom jsonb, gift boolean, gift_message text,
            inventory_id text)
    where exists (select 1 from basket_written)
    on conflict (basket_id, item_id) do update set sku = excluded.sku, quantity = excluded.quantity, added_unit_price = excluded.added_unit_price,
      position = excluded.position, attributes = excluded.attributes, custom = excluded.custom, gift = excluded.gift, gift_message = excluded.gift_message,
      inventory_id = excluded.inventory_id),
  mutation_inserted as (
    insert into mutations (id, basket_id, owner_id, idempotency_key, request_hash, kind, payload, status, error, version, result, enqueued_at, finished_at)
    select ${p.mutationId}, ${p.basketId}, ${p.actorId}, ${p.idempotencyKey}::text, ${p.requestHash}, ${p.kind}, ${p.payload}::jsonb, 'applied', null, ${p.version},
           ${result},
           ${p.enqueuedAt}, ${p.finishedAt}
    where exists (select 1 from basket_written))`;

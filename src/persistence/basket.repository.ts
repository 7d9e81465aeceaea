/**
 * The basket aggregate in PostgreSQL: basket row, its lines, and the mutation record written with them.
 * The worker's transaction is: lockBasket → mutation look-up → loadLines → catalogue → writeMutationOutcome:
 * four reads and one write statement, because database round trips set the throughput ceiling (DESIGN).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { Money } from '../domain/money.js';
import type { Basket, BasketLine, SitePolicy } from '../domain/types.js';
import type { BasketTotals } from '../domain/totals.js';
import type { Rejection } from '../domain/mutations.js';
import type { BasketLineRow, BasketRow, Database, MutationRow, MutationStatus } from './database.js';
import { toSitePolicy } from './site.repository.js';

export interface LockedBasket {
  readonly basket: Basket;
  readonly pk: number;
  readonly site: SitePolicy;
}

/**
 * Locks the basket row (FOR UPDATE) and returns it with its site, or null when there is no such basket.
 * Call inside a transaction. Lines are not loaded: see `loadLines`.
 */
export async function lockBasket(trx: Kysely<Database>, basketId: string): Promise<Omit<LockedBasket, 'basket'> & { row: BasketRow } | null> {
  const row = await trx
    .selectFrom('baskets as b')
    .innerJoin('sites as s', 's.id', 'b.site_id')
    .selectAll('b')
    .select([
      's.price_list as s_price_list',
      's.stock_list as s_stock_list',
      's.taxation as s_taxation',
      's.tax_rounded_at_group as s_tax_rounded_at_group',
      's.rounding_mode as s_rounding_mode',
    ])
    .where('b.id', '=', basketId)
    .forUpdate('b')
    .executeTakeFirst();
  if (!row) return null;
  const site = toSitePolicy({
    id: row.site_id,
    // A basket keeps the currency it was created with; the site's other rules apply as they are now.
    currency: row.currency,
    price_list: row.s_price_list,
    stock_list: row.s_stock_list,
    taxation: row.s_taxation,
    tax_rounded_at_group: row.s_tax_rounded_at_group,
    rounding_mode: row.s_rounding_mode,
  });
  return { row, pk: row.pk, site };
}

export async function loadLines(db: Kysely<Database>, basketId: string): Promise<BasketLine[]> {
  const rows = await db.selectFrom('basket_lines').selectAll().where('basket_id', '=', basketId).orderBy('position').execute();
  return rows.map(toLine);
}

function toLine(r: BasketLineRow): BasketLine {
  return {
    itemId: r.item_id,
    sku: r.sku,
    quantity: r.quantity,
    addedUnitPrice: r.added_unit_price === null ? null : new Money(r.added_unit_price),
    position: r.position,
    attributes: r.attributes,
    custom: r.custom,
  };
}

export function toBasket(row: BasketRow, lines: readonly BasketLine[]): Basket {
  return {
    id: row.id,
    ownerId: row.owner_id,
    siteId: row.site_id,
    currency: row.currency,
    status: row.status,
    version: row.version,
    lines,
    custom: row.custom,
    agentBasket: row.agent_basket,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The stored snapshot of the basket's current version (read path fallback), or null when absent. */
export async function loadSnapshot(db: Kysely<Database>, basketId: string): Promise<unknown | null> {
  const row = await db.selectFrom('baskets').select('snapshot').where('id', '=', basketId).executeTakeFirst();
  return row?.snapshot ?? null;
}

export interface MutationRecord {
  readonly id: string;
  readonly basketId: string;
  readonly ownerId: string;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  readonly kind: string;
  readonly payload: unknown;
  readonly enqueuedAt: Date;
  readonly finishedAt: Date;
}

export type MutationOutcomeWrite =
  | {
      readonly status: 'applied';
      readonly before: Basket | null;
      readonly after: Basket;
      readonly totals: BasketTotals;
      /** The basket's pk (for a new basket: from `allocateBasketPk`). */
      readonly pk: number;
      /** The versioned document; also stored with the record when the mutation has an idempotency key. */
      readonly snapshot: unknown;
    }
  | { readonly status: 'rejected'; readonly rejection: Rejection; readonly version: number | null };

/** Takes the next basket pk from the identity sequence (a new basket's snapshot must carry its pk). */
export async function allocateBasketPk(trx: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ pk: number }>`select nextval(pg_get_serial_sequence('baskets', 'pk')) as pk`.execute(trx);
  return Number(rows[0]!.pk);
}

/**
 * Writes a mutation's whole outcome in one statement: basket insert/update, line deletes and upserts,
 * and the mutation record. Call inside the transaction that locked the basket. A second record for the
 * same mutation id fails on the primary key, which is the last guard of exactly-once.
 */
export async function writeMutationOutcome(trx: Kysely<Database>, record: MutationRecord, outcome: MutationOutcomeWrite): Promise<void> {
  const ctes: RawBuilder<unknown>[] = [];
  let status: MutationStatus;
  let version: number | null;
  let error: string | null = null;
  let result: string | null = null;
  if (outcome.status === 'applied') {
    const { before, after, totals } = outcome;
    status = 'applied';
    version = after.version;
    const snapshot = JSON.stringify(outcome.snapshot);
    result = record.idempotencyKey === null ? null : snapshot;
    ctes.push(before === null ? insertBasketCte(after, outcome.pk, totals, snapshot) : updateBasketCte(after, totals, snapshot));
    const keep = new Set(after.lines.map((l) => l.itemId));
    const deleted = (before?.lines ?? []).filter((l) => !keep.has(l.itemId)).map((l) => l.itemId);
    if (deleted.length > 0) {
      ctes.push(sql`lines_deleted as (delete from basket_lines where basket_id = ${after.id} and item_id = any(${deleted}::text[]))`);
    }
    const unchanged = new Set(before?.lines ?? []);
    const upserts = after.lines.filter((l) => !unchanged.has(l));
    if (upserts.length > 0) ctes.push(upsertLinesCte(after.id, upserts));
  } else {
    status = 'rejected';
    version = outcome.version;
    error = JSON.stringify(outcome.rejection);
  }
  ctes.push(sql`mutation_inserted as (
    insert into mutations (id, basket_id, owner_id, idempotency_key, request_hash, kind, payload, status, error, version, result, enqueued_at, finished_at)
    values (${record.id}, ${record.basketId}, ${record.ownerId}, ${record.idempotencyKey}, ${record.requestHash}, ${record.kind},
            ${JSON.stringify(record.payload)}::jsonb, ${status}, ${error}::jsonb, ${version}, ${result}::jsonb, ${record.enqueuedAt}, ${record.finishedAt}))`);
  await sql`with ${sql.join(ctes)} select 1`.execute(trx);
}

function totalsColumns(t: BasketTotals) {
  return {
    productSubTotal: t.productSubTotal.toString(),
    productTotal: t.productTotal.toString(),
    taxTotal: t.taxTotal.toString(),
    orderTotal: t.orderTotal.toString(),
  };
}

function insertBasketCte(b: Basket, pk: number, totals: BasketTotals, snapshot: string): RawBuilder<unknown> {
  const t = totalsColumns(totals);
  return sql`basket_written as (
    insert into baskets (id, pk, owner_id, site_id, currency, status, version, agent_basket, custom,
                         product_sub_total, product_total, tax_total, order_total, snapshot, created_at, updated_at)
    values (${b.id}, ${pk}, ${b.ownerId}, ${b.siteId}, ${b.currency}, ${b.status}, ${b.version}, ${b.agentBasket}, ${JSON.stringify(b.custom)}::jsonb,
            ${t.productSubTotal}, ${t.productTotal}, ${t.taxTotal}, ${t.orderTotal}, ${snapshot}::jsonb, ${b.createdAt}, ${b.updatedAt}))`;
}

function updateBasketCte(b: Basket, totals: BasketTotals, snapshot: string): RawBuilder<unknown> {
  const t = totalsColumns(totals);
  return sql`basket_written as (
    update baskets set status = ${b.status}, version = ${b.version}, custom = ${JSON.stringify(b.custom)}::jsonb,
      product_sub_total = ${t.productSubTotal}, product_total = ${t.productTotal}, tax_total = ${t.taxTotal},
      order_total = ${t.orderTotal}, snapshot = ${snapshot}::jsonb, updated_at = ${b.updatedAt}
    where id = ${b.id})`;
}

function upsertLinesCte(basketId: string, lines: readonly BasketLine[]): RawBuilder<unknown> {
  const values = lines.map(
    (l) => sql`(${basketId}::uuid, ${l.itemId}, ${l.sku}, ${l.quantity}::int, ${l.addedUnitPrice?.toString() ?? null}::numeric,
                ${l.position}::int, ${JSON.stringify(l.attributes)}::jsonb, ${JSON.stringify(l.custom)}::jsonb)`,
  );
  return sql`lines_upserted as (
    insert into basket_lines (basket_id, item_id, sku, quantity, added_unit_price, position, attributes, custom)
    values ${sql.join(values)}
    on conflict (basket_id, item_id) do update set quantity = excluded.quantity, added_unit_price = excluded.added_unit_price,
      position = excluded.position, attributes = excluded.attributes, custom = excluded.custom)`;
}

export type { MutationRow };

/** Products, price lists and stock lists: the admin catalogue feed (the worker reads the catalogue in basket.repository). */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database, Db } from './database.js';

export interface ProductInput {
  sku: string;
  name: string;
  tax_rate: string;
  online: boolean;
  image: string | null;
  attributes: Record<string, unknown>;
}

/** Upserts products by SKU; returns each SKU with its integer pk (Akinon's `product`). */
export async function upsertProducts(db: Db, products: readonly ProductInput[]): Promise<{ sku: string; pk: number }[]> {
  if (products.length === 0) return [];
  return db
    .insertInto('products')
    .values(products.map((p) => ({ ...p, attributes: JSON.stringify(p.attributes) })))
    .onConflict((oc) =>
      oc.column('sku').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        tax_rate: eb.ref('excluded.tax_rate'),
        online: eb.ref('excluded.online'),
        image: eb.ref('excluded.image'),
        attributes: eb.ref('excluded.attributes'),
        updated_at: new Date(),
      })),
    )
    .returning(['sku', 'pk'])
    .execute();
}

export interface PriceInput {
  sku: string;
  price: string;
  retail_price: string | null;
}

/** Creates the price list if needed and upserts the given prices (other SKUs' prices stay). */
/** The currency of a price list, or null when there is no such list. */
export async function priceListCurrency(db: Db, code: string): Promise<string | null> {
  const row = await db.selectFrom('price_lists').select('currency').where('code', '=', code).executeTakeFirst();
  return row?.currency ?? null;
}

export async function upsertPriceList(db: Db, code: string, currency: string, prices: readonly PriceInput[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('price_lists')
      .values({ code, currency })
      .onConflict((oc) => oc.column('code').doUpdateSet({ currency, updated_at: new Date() }))
      .execute();
    if (prices.length === 0) return;
    await trx
      .insertInto('prices')
      .values(prices.map((p) => ({ price_list: code, ...p })))
      .onConflict((oc) =>
        oc.columns(['price_list', 'sku']).doUpdateSet((eb) => ({
          price: eb.ref('excluded.price'),
          retail_price: eb.ref('excluded.retail_price'),
          updated_at: new Date(),
        })),
      )
      .execute();
  });
}

/** Creates an empty stock list under `code` unless it exists (a site or store naming it before any stock feed). */
export async function ensureStockList(db: Db, code: string): Promise<void> {
  await db
    .insertInto('stock_lists')
    .values({ code })
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
}

export interface StockInput {
  sku: string;
  quantity: number;
}

/** Creates the stock list if needed and sets on-hand for the given SKUs (reservations are untouched). */
export async function upsertStockList(db: Db, code: string, stocks: readonly StockInput[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('stock_lists').values({ code }).onConflict((oc) => oc.column('code').doUpdateSet({ updated_at: new Date() })).execute();
    if (stocks.length === 0) return;
    // Sorted so two concurrent feeds lock rows in the same order.
    const sorted = [...stocks].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    // The rows first, in a statement of their own, so the upsert below judges the watchers with a
    // snapshot taken after the lock (see the stock-revisit-locks migration).
    await sql`select 1 from stocks where stock_list = ${code} and sku = any(${sorted.map((x) => x.sku)}::text[]) order by sku for update`.execute(trx);
    // Flag the SKU for the sweep's revisit (see the stock-revisits migration) when baskets watch it, or
    // when on-hand drops below what is held (every holder is then short).
    await sql`
      insert into stocks (stock_list, sku, on_hand, revisit)
      select ${code}, x.sku, x.quantity,
             exists (select 1 from stock_watch w where w.stock_list = ${code} and w.sku = x.sku)
      from jsonb_to_recordset(${JSON.stringify(sorted)}::jsonb) as x (sku text, quantity int)
      order by x.sku
      on conflict (stock_list, sku) do update set on_hand = excluded.on_hand, updated_at = now(),
        revisit = stocks.revisit or (stocks.on_hand <> excluded.on_hand and (excluded.revisit or excluded.on_hand < stocks.reserved))`.execute(trx);
  });
}

export async function findStock(db: Kysely<Database>, code: string, sku: string): Promise<{ on_hand: number; reserved: number } | null> {
  const row = await db.selectFrom('stocks').select(['on_hand', 'reserved']).where('stock_list', '=', code).where('sku', '=', sku).executeTakeFirst();
  return row ?? null;
}

export async function stockListExists(db: Kysely<Database>, code: string): Promise<boolean> {
  return (await db.selectFrom('stock_lists').select('code').where('code', '=', code).executeTakeFirst()) !== undefined;
}

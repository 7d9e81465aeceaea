/** Sites: the pricing and stock policy of a storefront: currency, taxation, tax and money rounding, price and stock list. */
import { Money } from '../domain/money.js';
import type { PaymentMethod, ShippingMethod, SitePolicy } from '../domain/types.js';
import type { Kysely } from 'kysely';
import type { Database, Db, SiteRow } from './database.js';
import { ensureStockList } from './catalog.repository.js';

/** A shipping method row (decimals as text), as the site's methods are listed and read with a basket. */
export interface ShippingMethodRow {
  id: string;
  name: string;
  price: string;
  tax_rate: string;
  free_over: string | null;
  /** Absent in rows read before store pickup existed: not a pickup method. */
  store_pickup?: boolean;
}

export function toShippingMethod(m: ShippingMethodRow): ShippingMethod {
  return {
    id: m.id,
    name: m.name,
    price: new Money(m.price),
    taxRate: new Money(m.tax_rate),
    freeOver: m.free_over === null ? null : new Money(m.free_over),
    ...(m.store_pickup ? { storePickup: true } : {}),
  };
}

export function toSitePolicy(
  row: Pick<SiteRow, 'id' | 'currency' | 'price_list' | 'stock_list' | 'taxation' | 'tax_rounded_at_group' | 'rounding_mode'>,
): SitePolicy {
  return {
    siteId: row.id,
    currency: row.currency,
    priceList: row.price_list,
    stockList: row.stock_list,
    taxation: row.taxation,
    taxRoundedAtGroup: row.tax_rounded_at_group,
    roundingMode: row.rounding_mode,
  };
}

export interface SiteInput {
  currency: string;
  price_list: string;
  stock_list: string;
  taxation: 'gross' | 'net';
  tax_rounded_at_group: boolean;
  rounding_mode: 'half_up' | 'half_even';
  /** The shipping method shipping-method lists offer as the default (null: none). */
  default_shipping_method_id?: string | null;
}

/**
 * True when baskets of the site hold inventory in a stock list other than `stockList` and its stores'
 * (pickup items are held in their store's list, whatever the site's is).
 */
export async function holdsInventoryElsewhere(db: Kysely<Database>, siteId: string, stockList: string): Promise<boolean> {
  const row = await db
    .selectFrom('reservations as r')
    .innerJoin('baskets as b', 'b.id', 'r.basket_id')
    .select('r.stock_list')
    .where('b.site_id', '=', siteId)
    .where('r.stock_list', '<>', stockList)
    .where('r.stock_list', 'not in', (eb) => eb.selectFrom('stores as s').select('s.stock_list').where('s.site_id', '=', siteId))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Creates or replaces a site; its price and stock lists are created empty when missing. */
export async function upsertSite(db: Db, siteId: string, input: SiteInput): Promise<SitePolicy> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('price_lists')
      .values({ code: input.price_list, currency: input.currency })
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
    await ensureStockList(trx, input.stock_list);
    const row = await trx
      .insertInto('sites')
      .values({ id: siteId, ...input })
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...input, updated_at: new Date() }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSitePolicy(row);
  });
}

export interface ShippingMethodInput {
  name: string;
  price: string;
  tax_rate: string;
  free_over: string | null;
  /** A store pickup method (default false). */
  store_pickup?: boolean;
}

/** Creates or replaces a shipping method of a site; null when there is no such site. */
export async function upsertShippingMethod(db: Db, siteId: string, id: string, input: ShippingMethodInput): Promise<ShippingMethodRow | null> {
  const site = await db.selectFrom('sites').select('id').where('id', '=', siteId).executeTakeFirst();
  if (!site) return null;
  return db
    .insertInto('shipping_methods')
    .values({ site_id: siteId, id, ...input })
    .onConflict((oc) => oc.columns(['site_id', 'id']).doUpdateSet({ ...input, updated_at: new Date() }))
    .returning(['id', 'name', 'price', 'tax_rate', 'free_over', 'store_pickup'])
    .executeTakeFirstOrThrow();
}

export async function listShippingMethods(db: Kysely<Database>, siteId: string): Promise<ShippingMethodRow[]> {
  return db
    .selectFrom('shipping_methods')
    .select(['id', 'name', 'price', 'tax_rate', 'free_over', 'store_pickup'])
    .where('site_id', '=', siteId)
    .orderBy('id')
    .execute();
}

export interface PaymentMethodInput {
  name: string;
  enabled: boolean;
  card_types: string[];
}

/** Creates or replaces a payment method of a site; null when there is no such site. */
export async function upsertPaymentMethod(db: Db, siteId: string, id: string, input: PaymentMethodInput): Promise<PaymentMethod | null> {
  const site = await db.selectFrom('sites').select('id').where('id', '=', siteId).executeTakeFirst();
  if (!site) return null;
  const values = { name: input.name, enabled: input.enabled, card_types: JSON.stringify(input.card_types) };
  const row = await db
    .insertInto('payment_methods')
    .values({ site_id: siteId, id, ...values })
    .onConflict((oc) => oc.columns(['site_id', 'id']).doUpdateSet({ ...values, updated_at: new Date() }))
    .returning(['id', 'name', 'card_types'])
    .executeTakeFirstOrThrow();
  return { id: row.id, name: row.name, cardTypes: row.card_types };
}

/** The site's enabled payment methods. */
export async function listPaymentMethods(db: Kysely<Database>, siteId: string): Promise<PaymentMethod[]> {
  const rows = await db
    .selectFrom('payment_methods')
    .select(['id', 'name', 'card_types'])
    .where('site_id', '=', siteId)
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, cardTypes: r.card_types }));
}

/**
 * Removes a shipping method of a site; false when there was none. Baskets that chose it are flashed
 * `ShippingMethodNotApplicable` on their next recalculation.
 */
export async function deleteShippingMethod(db: Db, siteId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('shipping_methods').where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The site's default shipping method id (SCAPI `defaultShippingMethodId`), or null when it sets none. */
export async function defaultShippingMethodOf(db: Db, siteId: string): Promise<string | null> {
  const row = await db.selectFrom('sites').select('default_shipping_method_id').where('id', '=', siteId).executeTakeFirst();
  return row?.default_shipping_method_id ?? null;
}

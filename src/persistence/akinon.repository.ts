/**
 * What the Akinon dialect reads beside the snapshot: products by Akinon's integer `product`
 * (`products.pk`), and the product details and stock a rendering shows.
 */
import { sql } from 'kysely';
import type { Db } from './database.js';

/** The SKU of the product with this integer pk, or null. */
export async function skuOfProductPk(db: Db, pk: number): Promise<string | null> {
  const row = await db.selectFrom('products').select('sku').where('pk', '=', pk).executeTakeFirst();
  return row?.sku ?? null;
}

export interface AkinonProductDetails {
  readonly sku: string;
  readonly attributes: Record<string, unknown>;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Units of the site's stock list nobody holds (on hand − reserved, never below 0); null without a stock record. */
  readonly free: number | null;
  /** The site's running campaigns that take something off this product (named SKUs, or the whole order). */
  readonly basketOffers: readonly AkinonBasketOffer[];
}

/** A campaign as a product's `basket_offers` entry shows it: the promotion's integer pk and name. */
export interface AkinonBasketOffer {
  readonly pk: number;
  readonly label: string;
}

/** Product attributes and free stock (in the site's stock list) of the given SKUs. */
export async function productDetails(db: Db, siteId: string, skus: readonly string[]): Promise<Map<string, AkinonProductDetails>> {
  const out = new Map<string, AkinonProductDetails>();
  if (skus.length === 0) return out;
  const rows = await db
    .selectFrom('products as p')
    .leftJoin('sites as site', (join) => join.on('site.id', '=', siteId))
    .leftJoin('stocks as s', (join) => join.onRef('s.sku', '=', 'p.sku').onRef('s.stock_list', '=', 'site.stock_list'))
    .select(['p.sku', 'p.attributes', 'p.created_at', 'p.updated_at', 's.on_hand', 's.reserved'])
    .where('p.sku', 'in', [...new Set(skus)])
    .execute();
  const offers = await basketOffers(db, siteId, [...new Set(skus)]);
  for (const r of rows) {
    out.set(r.sku, {
      basketOffers: offers.get(r.sku) ?? [],
      sku: r.sku,
      attributes: r.attributes ?? {},
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
      free: r.on_hand === null || r.on_hand === undefined ? null : Math.max(0, r.on_hand - (r.reserved ?? 0)),
    });
  }
  return out;
}

/** The site's currency (Akinon renders a guest's not-yet-created basket in it); USD for an unknown site. */
export async function siteCurrency(db: Db, siteId: string): Promise<string> {
  const row = await db.selectFrom('sites').select('currency').where('id', '=', siteId).executeTakeFirst();
  return row?.currency ?? 'USD';
}

/**
 * Campaigns (never coupons: their codes are not advertised) of the site, enabled and running now, that
 * take something off each of these SKUs: the ones naming it, and order-level ones (no SKUs).
 */
async function basketOffers(db: Db, siteId: string, skus: readonly string[]): Promise<Map<string, AkinonBasketOffer[]>> {
  const rows = await db
    .selectFrom('promotions')
    .select(['pk', 'name', 'skus'])
    .where('kind', '=', 'campaign')
    .where('enabled', '=', true)
    .where((eb) => eb.or([eb('site_id', 'is', null), eb('site_id', '=', siteId)]))
    .where((eb) => eb.or([eb('starts_at', 'is', null), eb('starts_at', '<=', sql<Date>`now()`)]))
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', sql<Date>`now()`)]))
    .where((eb) => eb.or([eb('skus', 'is', null), sql<boolean>`skus && ${sql.val(skus)}::text[]`]))
    .orderBy('priority')
    .orderBy('code')
    .execute();
  const out = new Map<string, AkinonBasketOffer[]>();
  for (const sku of skus) {
    out.set(
      sku,
      rows.filter((r) => r.skus === null || r.skus.includes(sku)).map((r) => ({ pk: Number(r.pk), label: r.name })),
    );
  }
  return out;
}

/** The site's price list and stock list as Akinon's `segment` names them (integer pks); null for an unknown site. */
export interface AkinonSegment {
  readonly priceList: number;
  readonly stockList: number;
}

export async function siteSegment(db: Db, siteId: string): Promise<AkinonSegment | null> {
  const row = await db
    .selectFrom('sites as s')
    .innerJoin('price_lists as p', 'p.code', 's.price_list')
    .innerJoin('stock_lists as k', 'k.code', 's.stock_list')
    .select(['p.pk as price_list', 'k.pk as stock_list'])
    .where('s.id', '=', siteId)
    .executeTakeFirst();
  return row ? { priceList: Number(row.price_list), stockList: Number(row.stock_list) } : null;
}

/** A running campaign with a minimum the basket may not have reached yet (Akinon's `upsell_details`). */
export interface AkinonCampaignMinimum {
  readonly name: string;
  /** Decimal text. */
  readonly minAmount: string;
  readonly skus: readonly string[] | null;
}

export async function campaignMinimums(db: Db, siteId: string): Promise<AkinonCampaignMinimum[]> {
  const rows = await db
    .selectFrom('promotions')
    .select(['name', 'min_amount', 'skus'])
    .where('kind', '=', 'campaign')
    .where('enabled', '=', true)
    .where('min_amount', 'is not', null)
    .where((eb) => eb.or([eb('site_id', 'is', null), eb('site_id', '=', siteId)]))
    .where((eb) => eb.or([eb('starts_at', 'is', null), eb('starts_at', '<=', sql<Date>`now()`)]))
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', sql<Date>`now()`)]))
    .orderBy('priority')
    .orderBy('code')
    .execute();
  return rows.map((r) => ({ name: r.name, minAmount: String(r.min_amount), skus: r.skus }));
}

/** Everything a rendering of a basket on this site reads beside the snapshot. */
export interface AkinonRenderContext {
  readonly products: ReadonlyMap<string, AkinonProductDetails>;
  readonly segment: AkinonSegment | null;
  readonly campaigns: readonly AkinonCampaignMinimum[];
}

export async function akinonRenderContext(db: Db, siteId: string, skus: readonly string[]): Promise<AkinonRenderContext> {
  const [products, segment, campaigns] = await Promise.all([productDetails(db, siteId, skus), siteSegment(db, siteId), campaignMinimums(db, siteId)]);
  return { products, segment, campaigns };
}

/**
 * What the Akinon dialect reads beside the snapshot: products by Akinon's integer `product`
 * (`products.pk`), and the product details and stock a rendering shows.
 */
import type { Db } from './database.js';

/** The SKU of the product with this integer pk, or null. */
export async function skuOfProductPk(db: Db, pk: number): Promise<string | null> {
  const row = await db.selectFrom('products').select('sku').where('pk', '=', pk).executeTakeFirst();
  return row?.sku ?? null;
}

export interface AkinonProductDetails {
  readonly sku: string;
  readonly attributes: Record<string, unknown>;
  readonly updatedAt: string;
  /** Units of the site's stock list nobody holds (on hand − reserved, never below 0); null without a stock record. */
  readonly free: number | null;
}

/** Product attributes and free stock (in the site's stock list) of the given SKUs. */
export async function productDetails(db: Db, siteId: string, skus: readonly string[]): Promise<Map<string, AkinonProductDetails>> {
  const out = new Map<string, AkinonProductDetails>();
  if (skus.length === 0) return out;
  const rows = await db
    .selectFrom('products as p')
    .leftJoin('sites as site', (join) => join.on('site.id', '=', siteId))
    .leftJoin('stocks as s', (join) => join.onRef('s.sku', '=', 'p.sku').onRef('s.stock_list', '=', 'site.stock_list'))
    .select(['p.sku', 'p.attributes', 'p.updated_at', 's.on_hand', 's.reserved'])
    .where('p.sku', 'in', [...new Set(skus)])
    .execute();
  for (const r of rows) {
    out.set(r.sku, {
      sku: r.sku,
      attributes: r.attributes ?? {},
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

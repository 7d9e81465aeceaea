/**
 * What the Akinon dialect reads beside the snapshot: a product's SKU by Akinon's integer `product` pk,
 * and what a rendering shows of the site and the basket's products (details, free stock, campaigns).
 */
import type { Db } from '../persistence/database.js';
import {
  akinonRenderContext,
  siteCurrency,
  siteSegment,
  skuOfProductPk,
  type AkinonRenderContext,
  type AkinonSegment,
} from '../persistence/akinon.repository.js';

export type { AkinonRenderContext, AkinonSegment };

/** The SKU of the product with this integer pk, or null. */
export async function skuOfAkinonProduct(db: Db, pk: number): Promise<string | null> {
  return skuOfProductPk(db, pk);
}

/** Everything a rendering of a basket with these SKUs on this site reads beside the snapshot. */
export async function renderContextOf(db: Db, siteId: string, skus: readonly string[]): Promise<AkinonRenderContext> {
  return akinonRenderContext(db, siteId, skus);
}

/** What the empty basket of a guest without one shows: the site's currency (USD for an unknown site) and its lists. */
export async function emptyBasketContext(db: Db, siteId: string): Promise<{ currency: string; segment: AkinonSegment | null }> {
  const [currency, segment] = await Promise.all([siteCurrency(db, siteId), siteSegment(db, siteId)]);
  return { currency, segment };
}

/**
 * The admin feed's use cases: sites and their shipping and payment methods, promotions, products, price
 * lists and stock lists. Each write checks the rules that span tables (a site prices in its price list's
 * currency, a price list's currency is fixed, holdings are never stranded in a stock list a site left)
 * and answers which one refused it; plain upserts go straight to their repository.
 */
import { Money, minorUnits } from '../domain/money.js';
import type { SitePolicy } from '../domain/types.js';
import type { Db } from '../persistence/database.js';
import { holdsInventoryElsewhere, upsertSite, type SiteInput } from '../persistence/site.repository.js';
import { upsertPromotion, type findPromotion, type PromotionInput } from '../persistence/promotion.repository.js';
import { findStock, priceListCurrency, stockListExists, upsertPriceList, type PriceInput } from '../persistence/catalog.repository.js';

export { deleteShippingMethod, upsertPaymentMethod, upsertShippingMethod } from '../persistence/site.repository.js';
export { addRedemptions, findPromotion } from '../persistence/promotion.repository.js';
export { upsertProducts, upsertStockList } from '../persistence/catalog.repository.js';
export { findStore, upsertStore } from '../persistence/store.repository.js';

/** A promotion as the admin feed stores it. */
export type PromotionRecord = NonNullable<Awaited<ReturnType<typeof findPromotion>>>;

export type PutSiteResult =
  | { readonly kind: 'saved'; readonly site: SitePolicy }
  /** The site's price list is in another currency than the site's. */
  | { readonly kind: 'currency_mismatch'; readonly listCurrency: string }
  /** Baskets of the site hold inventory in its current stock list: moving the site would strand them (never released). */
  | { readonly kind: 'holds_inventory' };

export async function putSite(db: Db, siteId: string, input: SiteInput): Promise<PutSiteResult> {
  const listCurrency = await priceListCurrency(db, input.price_list);
  if (listCurrency !== null && listCurrency !== input.currency) return { kind: 'currency_mismatch', listCurrency };
  if (await holdsInventoryElsewhere(db, siteId, input.stock_list)) return { kind: 'holds_inventory' };
  return { kind: 'saved', site: await upsertSite(db, siteId, input) };
}

export type PutPromotionResult =
  | { readonly kind: 'saved'; readonly promotion: PromotionRecord }
  | { readonly kind: 'site_not_found' }
  /** Two PUTs racing to create one code in different cases: the second met the case-insensitive index. */
  | { readonly kind: 'raced' };

export async function putPromotion(db: Db, code: string, input: PromotionInput): Promise<PutPromotionResult> {
  try {
    const promotion = await upsertPromotion(db, code, input);
    return promotion ? { kind: 'saved', promotion } : { kind: 'site_not_found' };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return { kind: 'raced' };
    throw err;
  }
}

export type PutPriceListResult =
  | { readonly kind: 'saved' }
  /** A list's currency is fixed: its prices (and the sites pricing with it) are in that currency. */
  | { readonly kind: 'currency_fixed'; readonly current: string }
  /** A price finer than the currency's minor unit (3 × 12.345 would not be 3 × 12.35). */
  | { readonly kind: 'too_fine'; readonly sku: string; readonly digits: number };

export async function putPriceList(db: Db, code: string, currency: string, prices: readonly PriceInput[]): Promise<PutPriceListResult> {
  const current = await priceListCurrency(db, code);
  if (current !== null && current !== currency) return { kind: 'currency_fixed', current };
  const digits = minorUnits(currency);
  const fine = prices.find((p) => [p.price, p.retail_price].some((v) => v !== null && new Money(v).decimalPlaces() > digits));
  if (fine) return { kind: 'too_fine', sku: fine.sku, digits };
  await upsertPriceList(db, code, currency, prices);
  return { kind: 'saved' };
}

export type StockLevel =
  | { readonly kind: 'found'; readonly onHand: number; readonly reserved: number }
  /** No such SKU in the list (`list_exists`), or no such list. */
  | { readonly kind: 'missing'; readonly listExists: boolean };

export async function stockLevel(db: Db, code: string, sku: string): Promise<StockLevel> {
  const stock = await findStock(db, code, sku);
  if (stock) return { kind: 'found', onHand: stock.on_hand, reserved: stock.reserved };
  return { kind: 'missing', listExists: await stockListExists(db, code) };
}

/**
 * The Akinon basket document (`{"basket": {...}}`, shaped as the seed's GET /baskets/basket/ answer)
 * rendered from a basket snapshot. Money is decimal text with the currency's minor digits.
 *
 * - `basketitem_set`: lines that are valid (product online and priced) and available (their units are
 *   held). Each line's `discount_amount` is what its own adjustments took off plus its share of the
 *   order-level ones; `offer_badges` break that down per promotion (or manual adjustment) and add up to
 *   it exactly (see `orderParts`).
 * - `total_product_amount` = Σ listed lines' `total_amount` (unit price × quantity);
 *   `total_amount` = Σ their prices after every discount; `total_discount_amount` = the difference =
 *   Σ `discounts` = Σ items' `discount_amount`. When every line is listed these are OCAPI's
 *   `product_sub_total` before discounts and `product_total`.
 * - `unavailable_basket_products`: the other lines, in the same item shape (prices null when the product
 *   has none; no badges, `discount_amount` 0) plus `reason`: `product_unavailable` (gone, offline or
 *   unpriced) or `out_of_stock` (its units could not be held).
 * - `upsell_details` (Akinon's `UpsellDetail`): running campaigns with a minimum the basket has not reached
 *   yet (and that could apply to it): `{message, params: {required, partial, remaining, partial_percentage}}`,
 *   amounts as JSON numbers written from their decimal text.
 * - `upsell_messages`: listed lines whose current unit price is above the price they were added (or last
 *   set) at: `{basket_item, product, old_price, new_price, message}`; gone once the shopper changes the line.
 * - `segment`: the site's price list and stock list by their integer pks (`pk` null: no user segment).
 * - A product's `basket_offers`: the site's running campaigns that take something off it.
 * - Item `id`s are integers: the first 48 bits of SHA-256 of the line's item id (`akinonItemId`).
 * - `stock` / `in_stock` come from the stock list when the version was rendered (renderings are cached
 *   per basket version): units nobody holds plus what this basket holds of the product.
 */
import { createHash } from 'node:crypto';
import { Money, formatMoney, minorUnits, roundMoney } from '../../domain/money.js';
import { splitOrderDiscounts } from '../../domain/discount-split.js';
import type { BasketSnapshot, SnapshotAdjustment, SnapshotLine } from '../../contracts/basket-snapshot.js';
import type { AkinonRenderContext, AkinonSegment } from '../../application/akinon-catalog.js';
import { JsonDecimal, stringifyWithDecimals } from '../json.js';

/** `{description, discount}`: a discount line or an item's offer badge. */
export interface AkinonDiscount {
  description: string;
  discount: string;
}

export interface AkinonProductImage<Pk extends number | null = number> {
  pk: Pk;
  status: string;
  image: string;
  order: number;
  created_date: string;
  specialimage_set: Record<string, unknown>[];
}

export interface AkinonBasketOfferDocument {
  pk: number;
  label: string;
  kwargs: { show_benefit_products: boolean };
  listing_kwargs: Record<string, unknown>;
}

/** A basket item's product. `Price` and `Pk` are null only for a line left out of the totals (no price, product gone). */
export interface AkinonProductDocument<Price extends string | null = string, Pk extends number | null = number> {
  pk: Pk;
  name: string;
  sku: string;
  base_code: string | null;
  attributes: Record<string, unknown>;
  attribute_set: null;
  attributes_kwargs: Record<string, unknown>;
  extra_attributes: Record<string, unknown>;
  productimage_set: AkinonProductImage<Pk>[];
  price: Price;
  in_stock: boolean;
  currency_type: string;
  retail_price: Price;
  unit_type: string;
  absolute_url: string;
  productvideo_set: Record<string, unknown>[];
  product_type: string;
  price_type: string;
  form_schema: null;
  is_ready_to_basket: boolean;
  stock: number;
  data_source: null;
  basket_offers: AkinonBasketOfferDocument[];
  created_date: string;
  modified_date: string;
  /** The units of it in this basket item, as decimal text. */
  quantity: string;
}

export interface AkinonBasketItemDocument<Price extends string | null = string, Pk extends number | null = number> {
  quantity: number;
  product: AkinonProductDocument<Price, Pk>;
  unit_price: Price;
  currency_type: string;
  currency_type_label: string;
  tax_rate: string;
  total_amount: Price;
  shipping_discount: null;
  attributes: Record<string, unknown>;
  id: number;
  attributes_kwargs: Record<string, unknown>;
  image: string | null;
  parent: null;
  offer_badges: AkinonDiscount[];
  price: Price;
  retail_price: Price;
  stock: number;
  discount_amount: string;
}

export interface AkinonUnavailableItemDocument extends AkinonBasketItemDocument<string | null, number | null> {
  reason: 'product_unavailable' | 'out_of_stock';
}

export interface AkinonUpsellDetail {
  message: string;
  params: { required: JsonDecimal; partial: JsonDecimal; remaining: JsonDecimal; partial_percentage: JsonDecimal };
}

export interface AkinonPriceChange {
  basket_item: number;
  product: number | null;
  old_price: string;
  new_price: string;
  message: string;
}

export interface AkinonSegmentDocument {
  pk: null;
  price_list: number | null;
  stock_list: number | null;
}

/** The basket document. `pk` and the dates are null only for a guest's basket that does not exist yet. */
export interface AkinonBasketDocument<Pk extends number | null = number> {
  basketitem_set: AkinonBasketItemDocument[];
  total_amount: string;
  total_quantity: number;
  unavailable_basket_products: AkinonUnavailableItemDocument[];
  upsell_details: AkinonUpsellDetail[];
  upsell_messages: AkinonPriceChange[];
  discounts: AkinonDiscount[];
  total_discount_amount: string;
  total_product_amount: string;
  voucher_code: string | null;
  pk: Pk;
  created_date: Pk extends number ? string : null;
  modified_date: Pk extends number ? string : null;
  segment: AkinonSegmentDocument;
}

/** The integer id Akinon clients see for a line: 48 bits of SHA-256 of its item id (stable, JSON-safe). */
export function akinonItemId(itemId: string): number {
  return Number.parseInt(createHash('sha256').update(itemId).digest('hex').slice(0, 12), 16);
}

/** The line whose Akinon id is `id`, or undefined. */
export function lineOfAkinonId(snapshot: BasketSnapshot, id: number): SnapshotLine | undefined {
  return snapshot.lines.find((l) => akinonItemId(l.itemId) === id);
}

export function isListed(line: SnapshotLine): boolean {
  return line.valid && line.available;
}

interface Part {
  readonly key: string;
  readonly description: string;
  /** Minor units (a whole `Money`: this module counts in units, never in a JS number). */
  amount: Money;
}

const toUnits = (amount: string | Money, currency: string): Money => new Money(amount).times(new Money(10).pow(minorUnits(currency))).round();
const fromUnits = (units: Money, currency: string) => formatMoney(units.dividedBy(new Money(10).pow(minorUnits(currency))), currency);
const total_ = (amounts: readonly Money[]) => amounts.reduce((n, a) => n.plus(a), new Money(0));

function describe(a: SnapshotAdjustment, names: ReadonlyMap<string, string>): { key: string; description: string } {
  if (a.promotionCode) return { key: `promotion:${a.promotionCode}`, description: names.get(a.promotionCode) ?? a.itemText ?? a.promotionCode };
  return { key: `manual:${a.id}`, description: a.itemText ?? a.reasonCode ?? 'Discount' };
}

/**
 * Each valid line's share of each order-level adjustment, in minor units, such that a line's parts add
 * up to its share of the order discount and each adjustment's parts add up to its amount (the split is
 * the domain's `splitOrderDiscounts`).
 */
function orderParts(snapshot: BasketSnapshot, names: ReadonlyMap<string, string>): Map<string, Part[]> {
  const cur = snapshot.currency;
  const lines = snapshot.lines.filter((l) => l.valid);
  const adjustments = snapshot.orderAdjustments.filter((a) => new Money(a.amount).gt(0));
  const out = new Map<string, Part[]>(lines.map((l) => [l.itemId, []]));
  if (adjustments.length === 0 || lines.length === 0) return out;
  const grid = splitOrderDiscounts(
    adjustments.map((a) => new Money(a.amount)),
    lines.map((l) => new Money(l.priceAfterItemDiscount)),
    lines.map((l) => new Money(l.priceAfterItemDiscount).minus(l.priceAfterOrderDiscount)),
    cur,
  ).map((row) => row.map((m) => toUnits(m, cur)));
  lines.forEach((l, i) => {
    out.set(
      l.itemId,
      adjustments.map((a, j) => ({ ...describe(a, names), amount: grid[j]![i]! })),
    );
  });
  return out;
}

/** A line's discounts per promotion / manual adjustment: its own first, then its order-level parts. */
function lineParts(line: SnapshotLine, order: ReadonlyMap<string, Part[]>, names: ReadonlyMap<string, string>, currency: string): Part[] {
  const parts: Part[] = [];
  const add = (p: Part) => {
    if (p.amount.lte(0)) return;
    const same = parts.find((x) => x.key === p.key);
    if (same) same.amount = same.amount.plus(p.amount);
    else parts.push({ ...p });
  };
  for (const a of line.adjustments) add({ ...describe(a, names), amount: toUnits(a.amount, currency) });
  for (const p of order.get(line.itemId) ?? []) add(p);
  return parts;
}

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function taxPercent(rate: string): string {
  return new Money(rate).times(100).toFixed(2);
}

function segmentOf(segment: AkinonSegment | null): AkinonSegmentDocument {
  return { pk: null, price_list: segment?.priceList ?? null, stock_list: segment?.stockList ?? null };
}

/** Money as Akinon's UpsellDetail params carry it: a JSON number written from its decimal text. */
const jsonMoney = (units: Money, currency: string) => new JsonDecimal(fromUnits(units, currency));

/**
 * The running campaigns whose minimum the basket has not reached yet and that could apply to it (an
 * order-level one, or one naming a product the basket lists), with how far it is.
 */
function upsellDetails(listed: readonly SnapshotLine[], productUnits: Money, context: AkinonRenderContext, currency: string): AkinonUpsellDetail[] {
  if (listed.length === 0) return [];
  const skus = new Set(listed.map((l) => l.sku));
  return context.campaigns
    .filter((c) => c.skus === null || c.skus.some((sku) => skus.has(sku)))
    .map((c) => ({ campaign: c, required: toUnits(c.minAmount, currency) }))
    .filter(({ required }) => required.gt(productUnits))
    .map(({ campaign, required }) => {
      const remaining = required.minus(productUnits);
      return {
        message: `Add ${fromUnits(remaining, currency)} ${currency} more to get ${campaign.name}.`,
        params: {
          required: jsonMoney(required, currency),
          partial: jsonMoney(productUnits, currency),
          remaining: jsonMoney(remaining, currency),
          partial_percentage: new JsonDecimal(productUnits.times(100).dividedBy(required).toDecimalPlaces(2, Money.ROUND_DOWN).toFixed(2)),
        },
      };
    });
}

export function renderAkinonBasket(snapshot: BasketSnapshot, context: AkinonRenderContext): { basket: AkinonBasketDocument } {
  const { products } = context;
  const cur = snapshot.currency;
  const lower = cur.toLowerCase();
  const names = new Map((snapshot.discounts ?? []).map((d) => [d.code, d.name]));
  const order = orderParts(snapshot, names);
  const lines = [...snapshot.lines].sort((a, b) => a.position - b.position);
  // Units of each SKU this basket holds (a SKU may sit on several lines after a split).
  const held = new Map<string, number>();
  for (const l of lines) if (l.valid && l.available) held.set(l.sku, (held.get(l.sku) ?? 0) + l.quantity);

  const productOf = <P extends string | null, K extends number | null>(
    line: SnapshotLine,
    pk: K,
    stock: number,
    price: P,
    retailPrice: P,
  ): AkinonProductDocument<P, K> => {
    const details = products.get(line.sku);
    const attributes = details?.attributes ?? {};
    const baseCode = typeof attributes.base_code === 'string' ? attributes.base_code : null;
    const created = details?.createdAt ?? snapshot.createdAt;
    return {
      pk,
      name: line.productName,
      sku: line.sku,
      base_code: baseCode,
      attributes,
      attribute_set: null,
      attributes_kwargs: {},
      extra_attributes: {},
      productimage_set: line.image
        ? [{ pk, status: 'active', image: line.image, order: 1, created_date: details?.updatedAt ?? created, specialimage_set: [] }]
        : [],
      price,
      in_stock: line.valid && stock > 0,
      currency_type: lower,
      retail_price: retailPrice,
      unit_type: 'qty',
      absolute_url: `/${[line.sku, baseCode, line.productName]
        .filter((x): x is string => !!x)
        .map(slug)
        .filter(Boolean)
        .join('-')}/`,
      productvideo_set: [],
      product_type: '0',
      price_type: 'default',
      form_schema: null,
      is_ready_to_basket: line.valid,
      stock,
      data_source: null,
      basket_offers: (details?.basketOffers ?? []).map((o) => ({ pk: o.pk, label: o.label, kwargs: { show_benefit_products: false }, listing_kwargs: {} })),
      created_date: created,
      modified_date: details?.updatedAt ?? created,
      quantity: String(line.quantity),
    };
  };

  /** An item; `price` is the line's unit price (null only for an unpriced line), `total` what it counts for. */
  const itemOf = <P extends string | null, K extends number | null>(
    line: SnapshotLine,
    pk: K,
    parts: Part[],
    price: P,
    total: P,
  ): AkinonBasketItemDocument<P, K> => {
    const free = products.get(line.sku)?.free ?? 0;
    const stock = free + (held.get(line.sku) ?? 0);
    const discount = total_(parts.map((p) => p.amount));
    const retail = (line.retailPrice ?? price) as P;
    return {
      quantity: line.quantity,
      product: productOf(line, pk, stock, price, retail),
      unit_price: price,
      currency_type: lower,
      currency_type_label: cur,
      tax_rate: taxPercent(line.taxRate),
      total_amount: total,
      shipping_discount: null,
      attributes: line.attributes,
      id: akinonItemId(line.itemId),
      attributes_kwargs: {},
      image: line.image,
      parent: null,
      offer_badges: parts.map((p) => ({ description: p.description, discount: fromUnits(p.amount, cur) })),
      price,
      retail_price: retail,
      stock,
      discount_amount: fromUnits(discount, cur),
    };
  };

  const listed = lines.filter(isListed);
  const items = listed.map((line) => ({ line, parts: lineParts(line, order, names, cur) }));
  const basketitemSet = items.map(({ line, parts }) => {
    // A listed line is valid: its product exists and is priced.
    if (line.basePrice === null || line.productPk === null) throw new Error(`listed line ${line.itemId} has no product or price`);
    return itemOf(line, line.productPk, parts, line.basePrice, line.price);
  });
  const unavailable = lines
    .filter((l) => !isListed(l))
    .map((line): AkinonUnavailableItemDocument => {
      // A line left out of the totals (out of stock) still shows what it would cost.
      const wouldCost =
        line.basePrice === null ? null : formatMoney(roundMoney(new Money(line.basePrice).times(line.quantity), cur, snapshot.roundingMode), cur);
      return {
        ...itemOf<string | null, number | null>(line, line.productPk, [], line.basePrice, wouldCost),
        reason: line.valid ? 'out_of_stock' : 'product_unavailable',
      };
    });

  const discounts: Part[] = [];
  for (const { parts } of items) {
    for (const p of parts) {
      const same = discounts.find((d) => d.key === p.key);
      if (same) same.amount = same.amount.plus(p.amount);
      else discounts.push({ ...p });
    }
  }
  // Item-level discounts first (as they first appear), then the order-level ones in the order they applied.
  const orderRank = new Map(snapshot.orderAdjustments.map((a, j) => [describe(a, names).key, j]));
  const rank = (d: Part) => orderRank.get(d.key) ?? -1;
  discounts.sort((x, y) => rank(x) - rank(y));
  const productAmount = total_(listed.map((l) => toUnits(l.price, cur)));
  const discountAmount = total_(discounts.map((d) => d.amount));

  const priceChanges = listed
    .filter((l) => l.basePrice !== null && l.addedUnitPrice !== null && new Money(l.basePrice).gt(l.addedUnitPrice))
    .map((l) => ({
      basket_item: akinonItemId(l.itemId),
      product: l.productPk,
      old_price: l.addedUnitPrice!,
      new_price: l.basePrice!,
      message: `The price of ${l.productName} has changed from ${l.addedUnitPrice} to ${l.basePrice} ${cur}.`,
    }));

  return {
    basket: {
      basketitem_set: basketitemSet,
      total_amount: fromUnits(productAmount.minus(discountAmount), cur),
      total_quantity: listed.reduce((n, l) => n + l.quantity, 0),
      unavailable_basket_products: unavailable,
      upsell_details: upsellDetails(listed, productAmount, context, cur),
      upsell_messages: priceChanges,
      discounts: discounts.map((d) => ({ description: d.description, discount: fromUnits(d.amount, cur) })),
      total_discount_amount: fromUnits(discountAmount, cur),
      total_product_amount: fromUnits(productAmount, cur),
      // The voucher while it is a valid code (one that stopped being valid, e.g. used up, shows as none).
      voucher_code: snapshot.coupons?.find((c) => c.valid)?.code ?? null,
      pk: snapshot.pk,
      created_date: snapshot.createdAt,
      modified_date: snapshot.updatedAt,
      segment: segmentOf(context.segment),
    },
  };
}

/** The basket document as JSON text (upsell amounts are JSON numbers written from their decimal text). */
export function akinonBasketJson(doc: { basket: AkinonBasketDocument<number | null> }): string {
  return stringifyWithDecimals(doc);
}

/** One basket item as `basketitem_set` has it (the basket_items PATCH answer). */
export function renderAkinonItem(
  snapshot: BasketSnapshot,
  itemId: string,
  context: AkinonRenderContext,
): AkinonBasketItemDocument<string | null, number | null> | null {
  const doc = renderAkinonBasket(snapshot, context).basket;
  const id = akinonItemId(itemId);
  return doc.basketitem_set.find((i) => i.id === id) ?? doc.unavailable_basket_products.find((i) => i.id === id) ?? null;
}

/** What a guest without a basket yet sees: an empty basket with no identity (`pk` null) in the site's currency. */
export function emptyAkinonBasket(currency: string, segment: AkinonSegment | null): { basket: AkinonBasketDocument<null> } {
  const zero = formatMoney(new Money(0), currency);
  return {
    basket: {
      basketitem_set: [],
      total_amount: zero,
      total_quantity: 0,
      unavailable_basket_products: [],
      upsell_details: [],
      upsell_messages: [],
      discounts: [],
      total_discount_amount: zero,
      total_product_amount: zero,
      voucher_code: null,
      pk: null,
      created_date: null,
      modified_date: null,
      segment: segmentOf(segment),
    },
  };
}

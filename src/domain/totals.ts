/**
 * The pricing core: from stored lines, the catalogue and the site's policy to priced lines, totals and
 * flashes. Pure and deterministic; every figure is rounded exactly once through `roundMoney` (`moneyRounder`).
 * Stored totals must always equal `priceBasket` of the stored lines (README "Invariants" 4: a recalculation never changes a stored figure).
 */
import { Money, ZERO, moneyRounder, sum } from './money.js';
import { groupTaxes, taxParts, type TaxedPart } from './tax.js';
import {
  adjustedPriceLessThanZero,
  invalidProductItem,
  productItemNotAvailable,
  productItemWithoutPrice,
  shippingMethodNotApplicable,
  type Flash,
} from './flashes.js';
import { allocateByLargestRemainder } from './allocation.js';
import { shippingQuote } from './shipping.js';
import {
  NO_OFFERS,
  couponBlock,
  orderPromotionAdjustment,
  productPromotionAdjustment,
  promotionLevel,
  qualifyingPromotions,
  sameCode,
  type ActivePromotion,
  type CouponStatus,
  type Offers,
} from './promotions.js';
import type { BasketLine, Catalog, CouponItem, PriceAdjustment, PricingPolicy, ShippingMethod } from './types.js';

export interface PricedLine {
  readonly line: BasketLine;
  readonly productName: string;
  readonly productPk: number | null;
  readonly image: string | null;
  /** False when the product is gone, offline or unpriced. */
  readonly valid: boolean;
  /** False when the basket cannot hold enough inventory for the line (flash ProductItemNotAvailable). */
  readonly available: boolean;
  /**
   * Valid and available: only such a line counts in the totals (and takes discounts). Others show their
   * unit price but price at zero — every dialect leaves them out alike (Akinon lists them apart).
   */
  readonly counted: boolean;
  /** Tax on `price`, before any discount (OCAPI's product item `tax`; `tax` here is after them). */
  readonly taxBeforeDiscounts: Money;
  /** Unit price from the price list (null when unpriced). */
  readonly basePrice: Money | null;
  readonly retailPrice: Money | null;
  /** basePrice × quantity. */
  readonly price: Money;
  readonly priceAfterItemDiscount: Money;
  readonly priceAfterOrderDiscount: Money;
  readonly taxRate: Money;
  /** Tax on priceAfterOrderDiscount, rounded per line. */
  readonly tax: Money;
  /** The line's own adjustments and what each took off. */
  readonly adjustments: readonly AppliedAdjustment[];
}

export interface AppliedAdjustment {
  readonly adjustment: PriceAdjustment;
  /** The amount taken off (≥ 0), rounded to the currency. */
  readonly amount: Money;
}

export interface GroupedTax {
  readonly taxRate: Money;
  readonly taxValue: Money;
}

export interface BasketTotals {
  readonly productSubTotal: Money;
  readonly productTotal: Money;
  readonly merchandizeTotalTax: Money;
  readonly adjustedMerchandizeTotalTax: Money;
  readonly shippingTotal: Money;
  readonly shippingTotalTax: Money;
  readonly adjustedShippingTotalTax: Money;
  readonly taxTotal: Money;
  readonly orderTotal: Money;
  readonly groupedTaxItems: readonly GroupedTax[];
  readonly totalQuantity: number;
}

/** The default shipment's method as priced for this basket. */
export interface PricedShipping {
  readonly method: ShippingMethod;
  /** Price of the shipment before shipping adjustments (zero when the product total reached the method's free-over threshold). */
  readonly price: Money;
  /** Tax of `price` (before shipping adjustments). */
  readonly tax: Money;
  /** Tax after shipping adjustments. */
  readonly adjustedTax: Money;
  /** Free-shipping promotions: what they took off the shipment. */
  readonly adjustments: readonly AppliedAdjustment[];
}

/**
 * One shipment as priced: its lines' figures and its own shipping. The parts add up to the basket's
 * totals exactly (every figure of every shipment sums to the basket's of the same name).
 */
export interface PricedShipment {
  readonly id: string;
  /** Its product items (every line, counted or not). */
  readonly itemIds: readonly string[];
  /** The method it chose (null: none), and that method as the site has it now (null when gone or none). */
  readonly selectedId: string | null;
  readonly method: ShippingMethod | null;
  /**
   * Whether it ships anything, so needs an address and a method and is charged: it carries product
   * items, or it is the basket's only shipment (priced as single-shipment baskets always were).
   */
  readonly ships: boolean;
  /** Shipping price before adjustments (zero from its method's `free_over` on, compared with its own product total). */
  readonly shippingPrice: Money;
  readonly shippingAdjustments: readonly AppliedAdjustment[];
  readonly shippingTotal: Money;
  readonly shippingTotalTax: Money;
  readonly adjustedShippingTotalTax: Money;
  readonly productSubTotal: Money;
  readonly productTotal: Money;
  readonly merchandizeTotalTax: Money;
  readonly adjustedMerchandizeTotalTax: Money;
  readonly taxTotal: Money;
  /** What the shipment costs in all: its products and shipping (and, net, their tax). */
  readonly shipmentTotal: Money;
}

/** A coupon code as priced: its OCAPI status and whether it is valid (applied or merely not applicable). */
export interface PricedCoupon {
  readonly item: CouponItem;
  readonly status: CouponStatus;
  readonly valid: boolean;
  /**
   * Its promotion's conditions hold (minimum reached, a product it names in the basket), whether or not
   * it takes anything off now (free shipping before a method is chosen, or an exclusive one beat it).
   */
  readonly conditionMet: boolean;
}

/** What one promotion took off the basket in all (Akinon `discounts`). */
export interface PromotionTotal {
  readonly code: string;
  readonly name: string;
  readonly couponCode: string | null;
  readonly amount: Money;
}

export interface PricedBasket {
  readonly lines: readonly PricedLine[];
  readonly orderAdjustments: readonly AppliedAdjustment[];
  /** The default shipment's method as priced, or null (what single-shipment readers show). */
  readonly shipping: PricedShipping | null;
  /** Every shipment, the default one (`me`) first. */
  readonly shipments: readonly PricedShipment[];
  readonly coupons: readonly PricedCoupon[];
  /** Promotions that took something off, in the order they applied. */
  readonly promotionTotals: readonly PromotionTotal[];
  readonly totals: BasketTotals;
  readonly flashes: readonly Flash[];
}

export interface ShippingChoice {
  /** The method id the basket chose, or null. */
  readonly selectedId: string | null;
  /** That method as the site has it now, or null when it has none by that id. */
  readonly method: ShippingMethod | null;
}

/** A shipment other than the default one, for pricing: the lines it carries and the method it chose. */
export interface ShipmentChoice {
  readonly id: string;
  readonly itemIds: readonly string[];
  readonly shipping: ShippingChoice;
}

/**
 * What pricing works from. `short`: SKUs the basket cannot hold enough inventory of (from the reservation
 * plan), or, per line, a predicate (lines held in different stock lists, a pickup store's and the site's,
 * can be short apart). `shipping`: the default shipment's chosen method; its tax joins the tax groups, and its price the
 * order total. `shipments`: the other shipments (the default one carries every line they do not).
 * `adjustments`: agents' manual adjustments. `offers`: promotions and the basket's codes.
 */
export interface PricingInput {
  readonly lines: readonly BasketLine[];
  readonly catalog: Catalog;
  readonly policy: PricingPolicy;
  readonly short?: ReadonlySet<string> | ((line: BasketLine) => boolean);
  readonly shipping?: ShippingChoice;
  readonly shipments?: readonly ShipmentChoice[];
  readonly adjustments?: readonly PriceAdjustment[];
  readonly offers?: Offers;
}

/** `PricingInput` with every default filled in, and the currency's rounding at hand. */
interface Pricing {
  readonly lines: readonly BasketLine[];
  readonly catalog: Catalog;
  readonly policy: PricingPolicy;
  readonly short: (line: BasketLine) => boolean;
  /** Every shipment, the default one first with the lines no other carries. */
  readonly shipments: readonly ShipmentChoice[];
  readonly adjustments: readonly PriceAdjustment[];
  readonly offers: Offers;
  readonly round: (m: Money) => Money;
  /** The price (unit price × quantity, rounded) of each line that counts, worked out once for every pass. */
  readonly linePrices: ReadonlyMap<BasketLine, Money>;
}

/**
 * Prices a basket. The recipe: choose the promotions that apply (an exclusive one alone), then
 * 1. lines — each line's price and its item-level discounts (promotions first, then manual ones);
 * 2. order — order-level discounts, capped at the subtotal and spread over the lines;
 * 3. shipping — each shipment's chosen method's price for its lines and free-shipping promotions;
 * 4. tax — per line or per rate group, products and shipments together, split per shipment;
 * 5. totals — what the parts add up to, what each promotion took, each coupon's status.
 */
export function priceBasket(input: PricingInput): PricedBasket {
  const { policy, catalog } = input;
  const given = input.short ?? new Set<string>();
  const short = typeof given === 'function' ? given : (l: BasketLine) => given.has(l.sku);
  const round = moneyRounder(policy.currency, policy.roundingMode);
  // Lines that count (priced, online, held): what promotions' targets and minimums look at.
  const linePrices = new Map<BasketLine, Money>();
  for (const l of input.lines) {
    const entry = catalog.get(l.sku);
    if (entry?.online === true && entry.price != null && !short(l)) linePrices.set(l, round(entry.price.times(l.quantity)));
  }
  // Each shipment's items in line position order, whatever order the lines or the shipment list them in.
  const inOrder = [...input.lines].sort((a, b) => a.position - b.position).map((l) => l.itemId);
  const others = (input.shipments ?? []).map((s) => ({ ...s, itemIds: inOrder.filter((id) => s.itemIds.includes(id)) }));
  const elsewhere = new Set(others.flatMap((s) => s.itemIds));
  const pricing: Pricing = {
    lines: input.lines,
    catalog,
    policy,
    short,
    shipments: [
      {
        id: 'me',
        itemIds: inOrder.filter((id) => !elsewhere.has(id)),
        shipping: input.shipping ?? { selectedId: null, method: null },
      },
      ...others,
    ],
    adjustments: input.adjustments ?? [],
    offers: input.offers ?? NO_OFFERS,
    round,
    linePrices,
  };
  const { offers } = pricing;
  const merchandiseTotal = sum(linePrices.values());
  const qualifying = qualifyingPromotions(offers, new Set([...linePrices.keys()].map((l) => l.sku)), merchandiseTotal);
  // An exclusive promotion applies alone, but only if it takes something off (a free shipment, say,
  // takes nothing while no method is chosen): the first such in application order (item level before
  // order level before shipping, then priority within a level); otherwise the stackable ones.
  for (const exclusive of qualifying.filter((a) => a.promotion.exclusive)) {
    const alone = priceWith(pricing, [exclusive]);
    if (alone.promotionTotals.some((t) => t.code === exclusive.promotion.code)) return withCouponConditions(alone, qualifying);
  }
  return withCouponConditions(
    priceWith(
      pricing,
      qualifying.filter((a) => !a.promotion.exclusive),
    ),
    qualifying,
  );
}

/**
 * Last pass, coupon conditions: a valid code whose promotion qualifies (its conditions hold) has them met
 * even when it took nothing off (an exclusive one beat it, or it is free shipping before a method is chosen).
 */
function withCouponConditions(priced: PricedBasket, qualifying: readonly ActivePromotion[]): PricedBasket {
  const qualifies = (code: string) => qualifying.some((a) => sameCode(a.promotion.code, code));
  return { ...priced, coupons: priced.coupons.map((c) => ({ ...c, conditionMet: c.status === 'applied' || (c.valid && qualifies(c.item.code)) })) };
}

/** `priceBasket` with the promotions that apply already chosen (`active`, in the order they apply). */
function priceWith(pricing: Pricing, active: readonly ActivePromotion[]): PricedBasket {
  const flashes: Flash[] = [];
  const lines = priceLines(pricing, active, flashes);
  const order = applyOrderDiscounts(pricing, active, lines);
  const shipments = priceShipping(pricing, active, order, flashes);
  const tax = computeTaxes(pricing, order.taxable, shipments);
  const { policy, offers } = pricing;

  // Every field named (in the pass's order, then the tax): a spread of the pass with fields added took V8's
  // slow object-copy path, the costliest single step of pricing a line.
  const priced: PricedLine[] = lines.map((l) => ({
    adjustments: l.adjustments,
    line: l.line,
    productName: l.productName,
    productPk: l.productPk,
    image: l.image,
    valid: l.valid,
    available: l.available,
    counted: l.counted,
    basePrice: l.basePrice,
    retailPrice: l.retailPrice,
    price: l.price,
    priceAfterItemDiscount: l.priceAfterItemDiscount,
    priceAfterOrderDiscount: order.afterOrder.get(l.line.itemId) ?? l.priceAfterOrderDiscount,
    taxRate: l.taxRate,
    tax: tax.byItem.get(l.line.itemId) ?? ZERO,
    taxBeforeDiscounts: tax.beforeDiscountsByItem.get(l.line.itemId) ?? ZERO,
  }));
  const { productTotal } = order;
  // One shipment's figures are the basket's (its tax parts add up to the tax total): no sums to work out again.
  const single = shipments.length === 1;
  const shippingTotal = single ? shipments[0]!.total : sum(shipments.map((s) => s.total));
  const withTax = (amount: Money, taxes: Money) => (policy.taxation === 'gross' ? amount : amount.plus(taxes));
  const orderTotal = withTax(productTotal.plus(shippingTotal), tax.total);
  const promotionTotals = totalsByPromotion([...priced.flatMap((l) => l.adjustments), ...order.adjustments, ...shipments.flatMap((s) => s.adjustments)]);
  const coupons = offers.coupons.map((item): PricedCoupon => {
    const blocked = couponBlock(item.code, offers);
    const status = blocked ?? (promotionTotals.some((p) => sameCode(p.code, item.code)) ? 'applied' : 'no_applicable_promotion');
    return { item, status, valid: status === 'applied' || status === 'no_applicable_promotion', conditionMet: status === 'applied' };
  });
  const pricedShipments = shipments.map((s, i): PricedShipment => {
    const t = tax.shipments[i]!;
    return {
      id: s.id,
      itemIds: s.itemIds,
      selectedId: s.selectedId,
      method: s.method,
      ships: s.ships,
      shippingPrice: s.price,
      shippingAdjustments: s.adjustments,
      shippingTotal: s.total,
      shippingTotalTax: t.shippingBeforeAdjustments,
      adjustedShippingTotalTax: t.shipping,
      productSubTotal: s.productSubTotal,
      productTotal: s.productTotal,
      merchandizeTotalTax: t.merchandize,
      adjustedMerchandizeTotalTax: t.adjustedMerchandize,
      taxTotal: single ? tax.total : t.adjustedMerchandize.plus(t.shipping),
      shipmentTotal: single ? orderTotal : withTax(s.productTotal.plus(s.total), t.adjustedMerchandize.plus(t.shipping)),
    };
  });
  const home = pricedShipments[0]!;

  return {
    lines: priced,
    shipping: home.method
      ? {
          method: home.method,
          price: home.shippingPrice,
          tax: home.shippingTotalTax,
          adjustedTax: home.adjustedShippingTotalTax,
          adjustments: home.shippingAdjustments,
        }
      : null,
    shipments: pricedShipments,
    orderAdjustments: order.adjustments,
    coupons,
    promotionTotals,
    flashes,
    totals: {
      productSubTotal: order.productSubTotal,
      productTotal,
      merchandizeTotalTax: tax.merchandize,
      adjustedMerchandizeTotalTax: tax.adjustedMerchandize,
      shippingTotal,
      shippingTotalTax: single ? home.shippingTotalTax : sum(tax.shipments.map((t) => t.shippingBeforeAdjustments)),
      adjustedShippingTotalTax: single ? home.adjustedShippingTotalTax : sum(tax.shipments.map((t) => t.shipping)),
      taxTotal: tax.total,
      orderTotal,
      groupedTaxItems: tax.groups,
      totalQuantity: pricing.lines.reduce((n, l) => n + l.quantity, 0),
    },
  };
}

/** A line after pass 1: priced, its own adjustments applied; order discount and tax still to come. */
type LinePass = Omit<PricedLine, 'tax' | 'taxBeforeDiscounts'>;

/**
 * Pass 1, lines: in position order, each line's validity (flashed when gone, offline, unpriced or short
 * of stock), its price (unit price × quantity, rounded once; zero unless it counts), and its item-level
 * adjustments — promotions in the order they apply, then manual ones in the order added — which
 * together never take it below zero.
 */
function priceLines(pricing: Pricing, active: readonly ActivePromotion[], flashes: Flash[]): LinePass[] {
  const { catalog, short, adjustments, round } = pricing;
  const sorted = [...pricing.lines].sort((a, b) => a.position - b.position);
  const entries = sorted.map((line, index) => {
    const entry = catalog.get(line.sku);
    const exists = entry !== undefined && entry.online;
    if (!exists) flashes.push(invalidProductItem(index, line.sku));
    else if (entry.price === null) flashes.push(productItemWithoutPrice(index, line.sku));
    const available = !short(line);
    if (exists && !available) flashes.push(productItemNotAvailable(index, line.sku));
    const basePrice = entry?.price ?? null;
    const valid = exists && basePrice !== null;
    const counted = valid && available;
    return { index, line, entry, available, basePrice, valid, counted, price: counted ? pricing.linePrices.get(line)! : ZERO };
  });

  return entries.map(({ index, line, entry, available, basePrice, valid, counted, price }) => {
    const own = counted
      ? [
          ...active
            .filter((a) => promotionLevel(a.promotion) === 'product' && a.promotion.skus?.includes(line.sku))
            .map((a) => productPromotionAdjustment(a, line.itemId, line.quantity)),
          ...adjustments.filter((x) => x.level === 'product' && x.itemId === line.itemId),
        ]
      : [];
    let left = price;
    const applied: AppliedAdjustment[] = [];
    for (const a of own) {
      const wanted = Money.max(ZERO, round(discountOf(a, price, left, () => round(a.value.times(line.quantity)))));
      const amount = Money.min(wanted, left);
      if (amount.lt(wanted) && a.promotionCode === undefined) flashes.push(adjustedPriceLessThanZero(index));
      left = left.minus(amount);
      applied.push({ adjustment: a, amount });
    }
    return {
      adjustments: applied,
      line,
      productName: entry?.name ?? line.sku,
      productPk: entry?.pk ?? null,
      image: entry?.image ?? null,
      valid,
      available,
      counted,
      basePrice,
      retailPrice: entry?.retailPrice ?? null,
      price,
      priceAfterItemDiscount: left,
      priceAfterOrderDiscount: left,
      taxRate: entry?.taxRate ?? ZERO,
    };
  });
}

interface OrderPass {
  readonly productSubTotal: Money;
  readonly productTotal: Money;
  readonly adjustments: readonly AppliedAdjustment[];
  /** The lines that count, with their price after the order discount. */
  readonly taxable: readonly LinePass[];
  readonly afterOrder: ReadonlyMap<string, Money>;
}

/**
 * Pass 2, order: order-level adjustments (promotions first, then manual ones) on the subtotal after item
 * discounts, each capped at what is left, their total spread over the lines that count in proportion
 * to their prices, minor units by largest remainder.
 */
function applyOrderDiscounts(pricing: Pricing, active: readonly ActivePromotion[], lines: readonly LinePass[]): OrderPass {
  const { policy, round } = pricing;
  const counted = lines.filter((l) => l.counted);
  const productSubTotal = sum(counted.map((l) => l.priceAfterItemDiscount));
  let orderLeft = productSubTotal;
  const adjustments: AppliedAdjustment[] = [
    ...active.filter((a) => promotionLevel(a.promotion) === 'order').map(orderPromotionAdjustment),
    ...pricing.adjustments.filter((a) => a.level === 'order'),
  ].map((a) => {
    const amount = Money.min(Money.max(ZERO, round(discountOf(a, productSubTotal, orderLeft, () => round(a.value)))), orderLeft);
    orderLeft = orderLeft.minus(amount);
    return { adjustment: a, amount };
  });
  const discount = productSubTotal.minus(orderLeft);
  // Nothing taken off the order: every line keeps its price after item discounts, and the total is the subtotal.
  const shares = discount.isZero()
    ? null
    : allocateByLargestRemainder(
        discount,
        counted.map((l) => l.priceAfterItemDiscount),
        policy.currency,
      );
  const taxable = shares === null ? counted : counted.map((l, i) => ({ ...l, priceAfterOrderDiscount: l.priceAfterItemDiscount.minus(shares[i]!) }));
  return {
    productSubTotal,
    productTotal: shares === null ? productSubTotal : sum(taxable.map((l) => l.priceAfterOrderDiscount)),
    adjustments,
    taxable,
    afterOrder: new Map(taxable.map((l) => [l.line.itemId, l.priceAfterOrderDiscount])),
  };
}

interface ShippingPass {
  readonly id: string;
  readonly itemIds: readonly string[];
  readonly selectedId: string | null;
  readonly method: ShippingMethod | null;
  readonly ships: boolean;
  /** Its lines that count, with their prices after the order discount. */
  readonly taxable: readonly LinePass[];
  readonly productSubTotal: Money;
  readonly productTotal: Money;
  /** The shipment's price before shipping adjustments. */
  readonly price: Money;
  readonly adjustments: readonly AppliedAdjustment[];
  /** What the shopper pays for the shipment. */
  readonly total: Money;
}

/**
 * Pass 3, shipping, per shipment: its chosen method's quote (free from the method's threshold on,
 * compared with the shipment's own product total after order discounts). A free-shipping promotion is a
 * shipping adjustment on every shipment it finds charged: the price stays, the total goes to zero. A
 * shipment that ships nothing (no product items while the basket has other shipments) costs nothing. A
 * chosen method the site no longer has is flashed at its shipment.
 */
function priceShipping(pricing: Pricing, active: readonly ActivePromotion[], order: OrderPass, flashes: Flash[]): ShippingPass[] {
  const { shipments, policy } = pricing;
  const freeShipping = active.find((a) => promotionLevel(a.promotion) === 'shipping');
  return shipments.map((s, index) => {
    const { method, selectedId } = s.shipping;
    if (selectedId !== null && method === null) flashes.push(shippingMethodNotApplicable(selectedId, index));
    // The only shipment carries every line: its figures are the order's.
    const single = shipments.length === 1;
    const carried = new Set(s.itemIds);
    const own = single ? order.taxable : order.taxable.filter((l) => carried.has(l.line.itemId));
    const productTotal = single ? order.productTotal : sum(own.map((l) => l.priceAfterOrderDiscount));
    const ships = shipments.length === 1 || s.itemIds.length > 0;
    const price = method === null || !ships ? ZERO : shippingQuote(method, productTotal, policy.currency, policy.roundingMode);
    const adjustments: AppliedAdjustment[] =
      freeShipping && price.gt(0) ? [{ adjustment: shippingPromotionAdjustment(freeShipping, s.id), amount: price }] : [];
    return {
      id: s.id,
      itemIds: s.itemIds,
      selectedId,
      method,
      ships,
      taxable: own,
      productSubTotal: single ? order.productSubTotal : sum(own.map((l) => l.priceAfterItemDiscount)),
      productTotal,
      price,
      adjustments,
      total: adjustments.length > 0 ? ZERO : price,
    };
  });
}

interface ShipmentTax {
  /** Its products' tax before and after discounts. */
  readonly merchandize: Money;
  readonly adjustedMerchandize: Money;
  /** Its shipping's tax after and before shipping adjustments. */
  readonly shipping: Money;
  readonly shippingBeforeAdjustments: Money;
}

interface TaxPass {
  readonly total: Money;
  readonly groups: readonly GroupedTax[];
  /** Products' tax before and after discounts (`merchandize_total_tax`, `adjusted_merchandize_total_tax`). */
  readonly merchandize: Money;
  readonly adjustedMerchandize: Money;
  /** Per shipment, in shipment order; each figure sums to the basket's. */
  readonly shipments: readonly ShipmentTax[];
  readonly byItem: ReadonlyMap<string, Money>;
  readonly beforeDiscountsByItem: ReadonlyMap<string, Money>;
}

/**
 * Pass 4, tax: products and shipments are taxed together, so the rate groups and the tax total cover
 * all. Rounded per rate group, a part's tax is what it adds to the groups of the parts before it
 * (products shipment by shipment, then each shipment's shipping), so the parts add up to the tax total
 * exactly; per line, that is each part's own rounded tax anyway. With one shipment this is the basket's
 * products' tax, then what its shipping adds.
 */
function computeTaxes(pricing: Pricing, taxable: readonly LinePass[], shipments: readonly ShippingPass[]): TaxPass {
  const { policy } = pricing;
  // Each amount is taxed once (`taxParts`); the groupings below only add and round those parts.
  const taxOfParts = (parts: readonly TaxedPart[]) => groupTaxes(parts, policy).total;
  /**
   * What each group of parts adds to the tax of `base` (whose tax is `baseTax`) and the groups before it;
   * `allTax` is the tax of all of them, so the last group's share needs no regrouping (with one
   * shipment, none does).
   */
  const increments = (base: readonly TaxedPart[], baseTax: Money, groups: readonly (readonly TaxedPart[])[], allTax: Money): Money[] => {
    let acc = [...base];
    let before = baseTax;
    return groups.map((g, k) => {
      if (k === groups.length - 1) return allTax.minus(before);
      acc = [...acc, ...g];
      const after = taxOfParts(acc);
      const added = after.minus(before);
      before = after;
      return added;
    });
  };
  const productTaxables = taxParts(
    taxable.map((l) => ({ rate: l.taxRate, amount: l.priceAfterOrderDiscount })),
    policy,
  );
  // Before discounts: a line no discount touched has the same amount, so the same tax part.
  const merchandizeTaxables = taxable.map((l, i) =>
    l.price.eq(l.priceAfterOrderDiscount) ? productTaxables[i]! : taxParts([{ rate: l.taxRate, amount: l.price }], policy)[0]!,
  );
  // A free shipment adds no (zero) tax group of its own.
  const shippingParts = shipments.map((s): TaxedPart[] =>
    s.method !== null && s.total.gt(0) ? taxParts([{ rate: s.method.taxRate, amount: s.total }], policy) : [],
  );
  // The same parts grouped again give the same figures (groupTaxes is pure): with no shipping tax all of it is
  // the products', and with no discount (every part shared above) the tax before discounts is the tax after.
  const shippingTaxed = shippingParts.flat();
  const adjustedTax = groupTaxes(productTaxables, policy);
  const allTax = shippingTaxed.length === 0 ? adjustedTax : groupTaxes([...productTaxables, ...shippingTaxed], policy);
  const merchandizeTax = merchandizeTaxables.every((p, i) => p === productTaxables[i]) ? adjustedTax : groupTaxes(merchandizeTaxables, policy);
  // With one shipment it carries every taxable line and takes the whole of each figure: no split to work out.
  const single = shipments.length === 1;
  const indexOf = single ? new Map<LinePass, number>() : new Map(taxable.map((l, i) => [l, i]));
  const partsOf = (s: ShippingPass, parts: readonly TaxedPart[]) => (single ? [] : s.taxable.map((l) => parts[indexOf.get(l)!]!));
  const adjustedByShipment = increments(
    [],
    ZERO,
    shipments.map((s) => partsOf(s, productTaxables)),
    adjustedTax.total,
  );
  const merchandizeByShipment = increments(
    [],
    ZERO,
    shipments.map((s) => partsOf(s, merchandizeTaxables)),
    merchandizeTax.total,
  );
  const shippingByShipment = policy.taxRoundedAtGroup
    ? increments(productTaxables, adjustedTax.total, shippingParts, allTax.total)
    : // Per line: each shipment's own rounded tax (after the products in `allTax`, in shipment order).
      shippingParts.map((parts) => (parts.length === 0 ? ZERO : parts[0]!.rounded));
  // Before a free-shipping adjustment, the shipment's tax is worked out the same way as after one:
  // rounded per group, what the shipment at its price would add to the groups before it (not its own rounded tax).
  let before: TaxedPart[] = [...productTaxables];
  let beforeTax = adjustedTax.total;
  const shipmentTaxes = shipments.map((s, i): ShipmentTax => {
    const shipping = shippingByShipment[i]!;
    const shippingBeforeAdjustments =
      s.method === null ? ZERO : s.adjustments.length === 0 ? shipping : shipmentTaxAt(s.price, s.method.taxRate, before, beforeTax, policy);
    if (i < shipments.length - 1) {
      before = [...before, ...shippingParts[i]!];
      beforeTax = beforeTax.plus(shipping);
    }
    return { merchandize: merchandizeByShipment[i]!, adjustedMerchandize: adjustedByShipment[i]!, shipping, shippingBeforeAdjustments };
  });
  return {
    total: allTax.total,
    groups: allTax.groups.map((g) => ({ taxRate: g.rate, taxValue: g.tax })),
    merchandize: merchandizeTax.total,
    adjustedMerchandize: adjustedTax.total,
    shipments: shipmentTaxes,
    byItem: new Map(taxable.map((l, i) => [l.line.itemId, allTax.lineTaxes[i]!])),
    beforeDiscountsByItem: new Map(taxable.map((l, i) => [l.line.itemId, merchandizeTax.lineTaxes[i]!])),
  };
}

/**
 * The tax a shipment at `amount` carries: its own rounded tax per line, or rounded per rate group what it
 * adds to the groups of the parts before it (`before`, whose tax is `beforeTax`).
 */
function shipmentTaxAt(amount: Money, rate: Money, before: readonly TaxedPart[], beforeTax: Money, policy: PricingPolicy): Money {
  const own = taxParts([{ rate, amount }], policy)[0]!;
  if (!policy.taxRoundedAtGroup) return own.rounded;
  return groupTaxes([...before, own], policy).total.minus(beforeTax);
}

/** What each promotion took off in all (item, order and shipping adjustments), in the order they applied; promotions that took nothing are left out. */
function totalsByPromotion(applied: readonly AppliedAdjustment[]): PromotionTotal[] {
  const byCode = new Map<string, PromotionTotal>();
  for (const a of applied) {
    const code = a.adjustment.promotionCode;
    if (code === undefined || a.amount.isZero()) continue;
    const prior = byCode.get(code);
    byCode.set(code, {
      code,
      name: a.adjustment.itemText ?? code,
      couponCode: a.adjustment.couponCode ?? null,
      amount: (prior?.amount ?? ZERO).plus(a.amount),
    });
  }
  return [...byCode.values()];
}

/** The free-shipping adjustment of one shipment (the default one's id is as single-shipment baskets always had it). */
function shippingPromotionAdjustment(a: ActivePromotion, shipmentId: string): PriceAdjustment {
  return {
    id: shipmentId === 'me' ? `promo-${a.promotion.code}-shipping` : `promo-${a.promotion.code}-shipping-${shipmentId}`,
    level: 'order',
    itemId: null,
    type: 'percentage',
    value: new Money(100),
    reasonCode: null,
    itemText: a.promotion.name,
    createdBy: 'promotion',
    promotionCode: a.promotion.code,
    ...(a.couponCode !== null ? { couponCode: a.couponCode } : {}),
  };
}

/**
 * What an adjustment takes off (unrounded): a percentage of the original `base`, a fixed amount, or
 * whatever stands between what is `left` after earlier adjustments and the fixed price (`fixedTotal`:
 * the fixed unit price × quantity for a line, the fixed subtotal for an order, already rounded; worked out
 * only for a fixed price).
 */
function discountOf(a: PriceAdjustment, base: Money, left: Money, fixedTotal: () => Money): Money {
  switch (a.type) {
    case 'percentage':
      return base.times(a.value).dividedBy(100);
    case 'amount':
      return a.value;
    case 'fixed_price':
      return left.minus(fixedTotal());
  }
}

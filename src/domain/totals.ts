/**
 * The pricing core: from stored lines, the catalogue and the site's policy to priced lines, totals and
 * flashes. Pure and deterministic; every figure is rounded exactly once through `roundMoney`.
 * Stored totals must always equal `priceBasket` of the stored lines (DESIGN invariant 4).
 */
import { Money, ZERO, roundMoney, sum } from './money.js';
import { computeTax } from './tax.js';
import { adjustedPriceLessThanZero, invalidProductItem, productItemNotAvailable, productItemWithoutPrice, shippingMethodNotApplicable, type Flash } from './flashes.js';
import { allocateByLargestRemainder } from './allocation.js';
import { NO_OFFERS, couponBlock, sameCode, orderPromotionAdjustment, productPromotionAdjustment, qualifyingPromotions, type ActivePromotion, type CouponStatus, type Offers } from './promotions.js';
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
  readonly shipping: PricedShipping | null;
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

/**
 * `short`: SKUs the basket cannot hold enough inventory of (from the reservation plan).
 * `shipping`: the default shipment's chosen method; its tax joins the tax groups, and its price the
 * order total. `offers`: promotions and the basket's codes (item-level discounts apply before order-level
 * ones, promotions before manual adjustments).
 */
export function priceBasket(
  lines: readonly BasketLine[],
  catalog: Catalog,
  policy: PricingPolicy,
  short: ReadonlySet<string> = new Set(),
  shipping: ShippingChoice = { selectedId: null, method: null },
  adjustments: readonly PriceAdjustment[] = [],
  offers: Offers = NO_OFFERS,
): PricedBasket {
  const round = (m: Money) => roundMoney(m, policy.currency, policy.roundingMode);
  // Lines that count (priced, online, held): what promotions' targets and minimums look at.
  const counted = lines.filter((l) => catalog.get(l.sku)?.online === true && catalog.get(l.sku)?.price != null && !short.has(l.sku));
  const merchandiseTotal = sum(counted.map((l) => round(catalog.get(l.sku)!.price!.times(l.quantity))));
  const qualifying = qualifyingPromotions(offers, new Set(counted.map((l) => l.sku)), merchandiseTotal);
  const qualifies = (code: string) => qualifying.some((a) => sameCode(a.promotion.code, code));
  const price = (active: readonly ActivePromotion[]): PricedBasket => {
    const priced = priceWith(lines, catalog, policy, short, shipping, adjustments, offers, active);
    return { ...priced, coupons: priced.coupons.map((c) => ({ ...c, conditionMet: c.status === 'applied' || (c.valid && qualifies(c.item.code)) })) };
  };
  // An exclusive promotion applies alone, but only if it takes something off (a free shipment, say,
  // takes nothing while no method is chosen): the first such, by priority; otherwise the stackable ones.
  for (const exclusive of qualifying.filter((a) => a.promotion.exclusive)) {
    const alone = price([exclusive]);
    if (alone.promotionTotals.some((t) => t.code === exclusive.promotion.code)) return alone;
  }
  return price(qualifying.filter((a) => !a.promotion.exclusive));
}

/** `priceBasket` with the promotions that apply already chosen (`active`, in the order they apply). */
function priceWith(
  lines: readonly BasketLine[],
  catalog: Catalog,
  policy: PricingPolicy,
  short: ReadonlySet<string>,
  shipping: ShippingChoice,
  adjustments: readonly PriceAdjustment[],
  offers: Offers,
  active: readonly ActivePromotion[],
): PricedBasket {
  const round = (m: Money) => roundMoney(m, policy.currency, policy.roundingMode);
  const flashes: Flash[] = [];
  const sorted = [...lines].sort((a, b) => a.position - b.position);

  const entries = sorted.map((line, index) => {
    const entry = catalog.get(line.sku);
    const exists = entry !== undefined && entry.online;
    if (!exists) flashes.push(invalidProductItem(index, line.sku));
    else if (entry.price === null) flashes.push(productItemWithoutPrice(index, line.sku));
    const available = !short.has(line.sku);
    if (exists && !available) flashes.push(productItemNotAvailable(index, line.sku));
    const basePrice = entry?.price ?? null;
    const valid = exists && basePrice !== null;
    const counted = valid && available;
    return { index, line, entry, available, basePrice, valid, counted, price: counted ? round(basePrice.times(line.quantity)) : ZERO };
  });


  const unrated = entries.map(({ index, line, entry, available, basePrice, valid, counted, price }) => {
    // Item-level adjustments: promotions in the order they apply, then manual ones in the order added;
    // together they never take the line below zero.
    const own = counted
      ? [
          ...active.filter((a) => a.promotion.skus?.includes(line.sku) && a.promotion.discountType !== 'free_shipping').map((a) => productPromotionAdjustment(a, line.itemId, line.quantity)),
          ...adjustments.filter((x) => x.level === 'product' && x.itemId === line.itemId),
        ]
      : [];
    let left = price;
    const applied: AppliedAdjustment[] = [];
    for (const a of own) {
      const wanted = Money.max(ZERO, round(discountOf(a, price, left, round(a.value.times(line.quantity)))));
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

  const discounted = unrated.filter((l) => l.counted);
  const productSubTotal = sum(discounted.map((l) => l.priceAfterItemDiscount));
  // Order-level adjustments (promotions first, then manual), capped at the subtotal, spread over lines by largest remainder.
  let orderLeft = productSubTotal;
  const orderAdjustments: AppliedAdjustment[] = [
    ...active.filter((a) => a.promotion.skus === null && a.promotion.discountType !== 'free_shipping').map(orderPromotionAdjustment),
    ...adjustments.filter((a) => a.level === 'order'),
  ].map((a) => {
    const amount = Money.min(Money.max(ZERO, round(discountOf(a, productSubTotal, orderLeft, round(a.value)))), orderLeft);
    orderLeft = orderLeft.minus(amount);
    return { adjustment: a, amount };
  });
  const shares = allocateByLargestRemainder(productSubTotal.minus(orderLeft), discounted.map((l) => l.priceAfterItemDiscount), policy.currency);
  const taxable = discounted.map((l, i) => ({ ...l, priceAfterOrderDiscount: l.priceAfterItemDiscount.minus(shares[i]!) }));
  const afterOrder = new Map(taxable.map((l) => [l.line.itemId, l.priceAfterOrderDiscount]));
  const productTotal = sum(taxable.map((l) => l.priceAfterOrderDiscount));

  const method = shipping.method;
  if (shipping.selectedId !== null && method === null) flashes.push(shippingMethodNotApplicable(shipping.selectedId));
  const shippingPrice = method === null || (method.freeOver !== null && productTotal.gte(method.freeOver)) ? ZERO : round(method.price);
  // A free-shipping promotion is a shipping adjustment: the shipment's price stays, its total goes to zero.
  const freeShipping = method === null ? undefined : active.find((a) => a.promotion.discountType === 'free_shipping');
  const shippingAdjustments: AppliedAdjustment[] = freeShipping && shippingPrice.gt(0) ? [{ adjustment: shippingPromotionAdjustment(freeShipping), amount: shippingPrice }] : [];
  const shippingTotal = shippingAdjustments.length > 0 ? ZERO : shippingPrice;

  // Products and the shipment are taxed together, so the rate groups and the tax total cover both.
  const productTaxables = taxable.map((l) => ({ rate: l.taxRate, amount: l.priceAfterOrderDiscount }));
  // A free shipment adds no (zero) tax group of its own.
  const shipmentTaxed = method !== null && shippingTotal.gt(0);
  const allTax = computeTax(shipmentTaxed ? [...productTaxables, { rate: method.taxRate, amount: shippingTotal }] : productTaxables, policy);
  const adjustedTax = computeTax(productTaxables, policy);
  const merchandizeTax = computeTax(taxable.map((l) => ({ rate: l.taxRate, amount: l.price })), policy);
  // Rounded per rate group, the shipment's tax is what it adds to the groups, so that products' and
  // shipment's tax add up to the tax total exactly (per line, the two ways agree anyway).
  const adjustedShippingTax = !shipmentTaxed ? ZERO : policy.taxRoundedAtGroup ? allTax.total.minus(adjustedTax.total) : allTax.lineTaxes[taxable.length]!;
  const shippingTaxBeforeAdjustments =
    method === null ? ZERO : shippingAdjustments.length === 0 ? adjustedShippingTax : computeTax([{ rate: method.taxRate, amount: shippingPrice }], policy).total;
  const taxByItem = new Map(taxable.map((l, i) => [l.line.itemId, allTax.lineTaxes[i]!]));
  const taxBeforeByItem = new Map(taxable.map((l, i) => [l.line.itemId, merchandizeTax.lineTaxes[i]!]));
  const priced: PricedLine[] = unrated.map((l) => ({
    ...l,
    priceAfterOrderDiscount: afterOrder.get(l.line.itemId) ?? l.priceAfterOrderDiscount,
    tax: taxByItem.get(l.line.itemId) ?? ZERO,
    taxBeforeDiscounts: taxBeforeByItem.get(l.line.itemId) ?? ZERO,
  }));
  const taxTotal = allTax.total;
  const orderTotal = policy.taxation === 'gross' ? productTotal.plus(shippingTotal) : productTotal.plus(shippingTotal).plus(taxTotal);

  const promotionTotals = totalsByPromotion([...priced.flatMap((l) => l.adjustments), ...orderAdjustments, ...shippingAdjustments]);
  const coupons = offers.coupons.map((item): PricedCoupon => {
    const blocked = couponBlock(item.code, offers);
    const status = blocked ?? (promotionTotals.some((p) => sameCode(p.code, item.code)) ? 'applied' : 'no_applicable_promotion');
    return { item, status, valid: status === 'applied' || status === 'no_applicable_promotion', conditionMet: status === 'applied' };
  });

  return {
    lines: priced,
    shipping: method ? { method, price: shippingPrice, tax: shippingTaxBeforeAdjustments, adjustedTax: adjustedShippingTax, adjustments: shippingAdjustments } : null,
    orderAdjustments,
    coupons,
    promotionTotals,
    flashes,
    totals: {
      productSubTotal,
      productTotal,
      merchandizeTotalTax: merchandizeTax.total,
      adjustedMerchandizeTotalTax: adjustedTax.total,
      shippingTotal,
      shippingTotalTax: shippingTaxBeforeAdjustments,
      adjustedShippingTotalTax: adjustedShippingTax,
      taxTotal,
      orderTotal,
      groupedTaxItems: allTax.groups.map((g) => ({ taxRate: g.rate, taxValue: g.tax })),
      totalQuantity: sorted.reduce((n, l) => n + l.quantity, 0),
    },
  };
}

/** What each promotion took off in all (item, order and shipping adjustments), in the order they applied; promotions that took nothing are left out. */
function totalsByPromotion(applied: readonly AppliedAdjustment[]): PromotionTotal[] {
  const byCode = new Map<string, PromotionTotal>();
  for (const a of applied) {
    const code = a.adjustment.promotionCode;
    if (code === undefined || a.amount.isZero()) continue;
    const prior = byCode.get(code);
    byCode.set(code, { code, name: a.adjustment.itemText ?? code, couponCode: a.adjustment.couponCode ?? null, amount: (prior?.amount ?? ZERO).plus(a.amount) });
  }
  return [...byCode.values()];
}

function shippingPromotionAdjustment(a: ActivePromotion): PriceAdjustment {
  return {
    id: `promo-${a.promotion.code}-shipping`,
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
 * the fixed unit price × quantity for a line, the fixed subtotal for an order, already rounded).
 */
function discountOf(a: PriceAdjustment, base: Money, left: Money, fixedTotal: Money): Money {
  switch (a.type) {
    case 'percentage':
      return base.times(a.value).dividedBy(100);
    case 'amount':
      return a.value;
    case 'fixed_price':
      return left.minus(fixedTotal);
  }
}

/**
 * The pricing core: from stored lines, the catalogue and the site's policy to priced lines, totals and
 * flashes. Pure and deterministic; every figure is rounded exactly once through `roundMoney`.
 * Stored totals must always equal `priceBasket` of the stored lines (DESIGN invariant 4).
 */
import { Money, ZERO, roundMoney, sum } from './money.js';
import { computeTax } from './tax.js';
import { adjustedPriceLessThanZero, invalidProductItem, productItemNotAvailable, productItemWithoutPrice, shippingMethodNotApplicable, type Flash } from './flashes.js';
import { allocateByLargestRemainder } from './allocation.js';
import type { BasketLine, Catalog, PriceAdjustment, PricingPolicy, ShippingMethod } from './types.js';

export interface PricedLine {
  readonly line: BasketLine;
  readonly productName: string;
  readonly productPk: number | null;
  readonly image: string | null;
  /** False when the product is gone, offline or unpriced: the line then counts in no total. */
  readonly valid: boolean;
  /** False when the basket cannot hold enough inventory for the line (flash ProductItemNotAvailable). */
  readonly available: boolean;
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
  /** Price of the shipment (zero when the product total reached the method's free-over threshold). */
  readonly price: Money;
  readonly tax: Money;
}

export interface PricedBasket {
  readonly lines: readonly PricedLine[];
  readonly orderAdjustments: readonly AppliedAdjustment[];
  readonly shipping: PricedShipping | null;
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
 * order total.
 */
export function priceBasket(
  lines: readonly BasketLine[],
  catalog: Catalog,
  policy: PricingPolicy,
  short: ReadonlySet<string> = new Set(),
  shipping: ShippingChoice = { selectedId: null, method: null },
  adjustments: readonly PriceAdjustment[] = [],
): PricedBasket {
  const round = (m: Money) => roundMoney(m, policy.currency, policy.roundingMode);
  const flashes: Flash[] = [];
  const sorted = [...lines].sort((a, b) => a.position - b.position);

  const unrated = sorted.map((line, index) => {
    const entry = catalog.get(line.sku);
    const exists = entry !== undefined && entry.online;
    if (!exists) flashes.push(invalidProductItem(index, line.sku));
    else if (entry.price === null) flashes.push(productItemWithoutPrice(index, line.sku));
    const available = !short.has(line.sku);
    if (exists && !available) flashes.push(productItemNotAvailable(index, line.sku));
    const basePrice = entry?.price ?? null;
    const valid = exists && basePrice !== null;
    const price = valid ? round(basePrice.times(line.quantity)) : ZERO;
    // Item-level adjustments, in the order they were added; together they never take the line below zero.
    let left = price;
    const applied: AppliedAdjustment[] = [];
    if (valid) {
      for (const a of adjustments.filter((x) => x.level === 'product' && x.itemId === line.itemId)) {
        const wanted = Money.max(ZERO, round(discountOf(a, price, left, round(a.value.times(line.quantity)))));
        const amount = Money.min(wanted, left);
        if (amount.lt(wanted)) flashes.push(adjustedPriceLessThanZero(index));
        left = left.minus(amount);
        applied.push({ adjustment: a, amount });
      }
    }
    return {
      adjustments: applied,
      line,
      productName: entry?.name ?? line.sku,
      productPk: entry?.pk ?? null,
      image: entry?.image ?? null,
      valid,
      available,
      basePrice,
      retailPrice: entry?.retailPrice ?? null,
      price,
      priceAfterItemDiscount: left,
      priceAfterOrderDiscount: left,
      taxRate: entry?.taxRate ?? ZERO,
    };
  });

  const discounted = unrated.filter((l) => l.valid);
  const productSubTotal = sum(discounted.map((l) => l.priceAfterItemDiscount));
  // Order-level adjustments, capped at the subtotal, spread over lines by largest remainder.
  let orderLeft = productSubTotal;
  const orderAdjustments: AppliedAdjustment[] = adjustments
    .filter((a) => a.level === 'order')
    .map((a) => {
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
  const shippingTotal = method === null || (method.freeOver !== null && productTotal.gte(method.freeOver)) ? ZERO : round(method.price);

  // Products and the shipment are taxed together, so the rate groups and the tax total cover both.
  const productTaxables = taxable.map((l) => ({ rate: l.taxRate, amount: l.priceAfterOrderDiscount }));
  const allTax = computeTax(method ? [...productTaxables, { rate: method.taxRate, amount: shippingTotal }] : productTaxables, policy);
  const adjustedTax = computeTax(productTaxables, policy);
  const merchandizeTax = computeTax(taxable.map((l) => ({ rate: l.taxRate, amount: l.price })), policy);
  const shippingTax = method ? allTax.lineTaxes[taxable.length]! : ZERO;
  const taxByItem = new Map(taxable.map((l, i) => [l.line.itemId, allTax.lineTaxes[i]!]));
  const priced: PricedLine[] = unrated.map((l) => ({ ...l, priceAfterOrderDiscount: afterOrder.get(l.line.itemId) ?? l.priceAfterOrderDiscount, tax: taxByItem.get(l.line.itemId) ?? ZERO }));
  const taxTotal = allTax.total;
  const orderTotal = policy.taxation === 'gross' ? productTotal.plus(shippingTotal) : productTotal.plus(shippingTotal).plus(taxTotal);

  return {
    lines: priced,
    shipping: method ? { method, price: shippingTotal, tax: shippingTax } : null,
    orderAdjustments,
    flashes,
    totals: {
      productSubTotal,
      productTotal,
      merchandizeTotalTax: merchandizeTax.total,
      adjustedMerchandizeTotalTax: adjustedTax.total,
      shippingTotal,
      shippingTotalTax: shippingTax,
      adjustedShippingTotalTax: shippingTax,
      taxTotal,
      orderTotal,
      groupedTaxItems: allTax.groups.map((g) => ({ taxRate: g.rate, taxValue: g.tax })),
      totalQuantity: sorted.reduce((n, l) => n + l.quantity, 0),
    },
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

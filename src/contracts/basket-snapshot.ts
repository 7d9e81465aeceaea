/**
 * The versioned basket snapshot: the one JSON document a worker computes per version. It is cached in
 * Redis, stored beside the basket row, sent in replies, and rendered by each API dialect. Money is
 * exact decimal text with the currency's minor digits; nothing in it is a float.
 */
import { formatMoney, type Money, type RoundingMode } from '../domain/money.js';
import type { Flash } from '../domain/flashes.js';
import type { CouponStatus } from '../domain/promotions.js';
import type { AppliedAdjustment, PricedBasket, PricedShipment } from '../domain/totals.js';
import { shipmentIdOf, shipmentViews } from '../domain/shipments.js';
import type { Basket, BasketStatus, Checkout, SitePolicy, Taxation } from '../domain/types.js';

export interface SnapshotLine {
  itemId: string;
  sku: string;
  productPk: number | null;
  productName: string;
  image: string | null;
  quantity: number;
  position: number;
  valid: boolean;
  available: boolean;
  basePrice: string | null;
  retailPrice: string | null;
  addedUnitPrice: string | null;
  price: string;
  priceAfterItemDiscount: string;
  priceAfterOrderDiscount: string;
  taxRate: string;
  /** Tax after all discounts (OCAPI `adjusted_tax`). */
  tax: string;
  /** Tax before discounts (OCAPI `tax`); absent in snapshots written before it existed. */
  taxBeforeDiscounts?: string;
  attributes: Record<string, unknown>;
  custom: Record<string, unknown>;
  /** Set only on gift items; the message only when one was given. */
  gift?: boolean;
  giftMessage?: string;
  adjustments: SnapshotAdjustment[];
  /** The shipment it ships in; absent in snapshots written before shipments (then `me`). */
  shipmentId?: string;
  /** The stock list holding its units as the shopper named it (SCAPI `inventoryId`); absent: the site's. */
  inventoryId?: string;
}

export interface SnapshotTotals {
  productSubTotal: string;
  productTotal: string;
  merchandizeTotalTax: string;
  adjustedMerchandizeTotalTax: string;
  shippingTotal: string;
  shippingTotalTax: string;
  adjustedShippingTotalTax: string;
  taxTotal: string;
  orderTotal: string;
  groupedTaxItems: { taxRate: string; taxValue: string }[];
  totalQuantity: number;
}

export interface SnapshotAdjustment {
  id: string;
  type: string;
  value: string;
  /** What it took off, ≥ 0. */
  amount: string;
  reasonCode: string | null;
  itemText: string | null;
  createdBy: string;
  /** Set when a promotion made it (then not manual). */
  promotionCode?: string | null;
  /** An agent's custom properties (`c_*`). */
  custom?: Record<string, unknown>;
  couponCode?: string | null;
}

export interface SnapshotCoupon {
  id: string;
  code: string;
  status: CouponStatus;
  valid: boolean;
}

/** What one promotion took off in all. */
export interface SnapshotDiscount {
  code: string;
  name: string;
  couponCode: string | null;
  amount: string;
}

export interface SnapshotShipping {
  methodId: string;
  methodName: string;
  price: string;
  /** Tax before shipping adjustments; `adjustedTax` after. */
  tax: string;
  adjustedTax?: string;
  taxRate: string;
  adjustments?: SnapshotAdjustment[];
  /** Set only for a store pickup method (rendered `c_storePickupEnabled: true`, as PWA Kit reads it). */
  storePickup?: true;
}

/** One shipment with its own figures; every figure sums over the shipments to the basket's of the same name. */
export interface SnapshotShipment {
  id: string;
  itemIds: string[];
  shippingAddress?: Record<string, unknown>;
  /** The method it chose (null: none), and that method as priced (null: none chosen, or the site no longer has it). */
  selectedMethodId: string | null;
  shipping: SnapshotShipping | null;
  gift?: boolean;
  giftMessage?: string;
  custom: Record<string, unknown>;
  /** It carries product items (or is the only shipment): it needs an address and a method, and is charged. */
  ships: boolean;
  /** The basket's figures for this shipment's part (they add up to the basket's), and its own total. */
  totals: Omit<SnapshotTotals, 'orderTotal' | 'groupedTaxItems' | 'totalQuantity'> & { shipmentTotal: string };
}

export interface BasketSnapshot {
  id: string;
  pk: number;
  ownerId: string;
  siteId: string;
  currency: string;
  status: BasketStatus;
  version: number;
  agentBasket: boolean;
  custom: Record<string, unknown>;
  sourceCode: string | null;
  checkout: Checkout;
  createdAt: string;
  updatedAt: string;
  taxation: Taxation;
  taxRoundedAtGroup: boolean;
  roundingMode: RoundingMode;
  lines: SnapshotLine[];
  orderAdjustments: SnapshotAdjustment[];
  /** The default shipment's chosen method as priced, or null. */
  shipping: SnapshotShipping | null;
  /** Every shipment, `me` first; absent in snapshots written before shipments (then only `me`, from `shipping` and `checkout`). */
  shipments?: SnapshotShipment[];
  totals: SnapshotTotals;
  flashes: Flash[];
  coupons?: SnapshotCoupon[];
  externalOfferCode?: string | null;
  discounts?: SnapshotDiscount[];
  /** Earliest expiry of the inventory the basket holds (ISO), or null when it holds none. */
  reservationExpiry: string | null;
}

function adjustmentOf(a: AppliedAdjustment, currency: string): SnapshotAdjustment {
  return {
    id: a.adjustment.id,
    type: a.adjustment.type,
    value: a.adjustment.value.toString(),
    amount: formatMoney(a.amount, currency),
    reasonCode: a.adjustment.reasonCode,
    itemText: a.adjustment.itemText,
    createdBy: a.adjustment.createdBy,
    promotionCode: a.adjustment.promotionCode ?? null,
    ...(a.adjustment.custom ? { custom: { ...a.adjustment.custom } } : {}),
    couponCode: a.adjustment.couponCode ?? null,
  };
}

/** A shipment's chosen method as priced (null when none is chosen or the site no longer has it). */
function shippingOf(p: PricedShipment, currency: string): SnapshotShipping | null {
  if (p.method === null) return null;
  return {
    methodId: p.method.id,
    methodName: p.method.name,
    price: formatMoney(p.shippingPrice, currency),
    tax: formatMoney(p.shippingTotalTax, currency),
    adjustedTax: formatMoney(p.adjustedShippingTotalTax, currency),
    taxRate: p.method.taxRate.toString(),
    adjustments: p.shippingAdjustments.map((a) => adjustmentOf(a, currency)),
    ...(p.method.storePickup ? { storePickup: true as const } : {}),
  };
}

/** `checkoutFlashes`: what still blocks checkout, shown after the pricing flashes. */
export function buildSnapshot(
  basket: Basket,
  pk: number,
  site: SitePolicy,
  priced: PricedBasket,
  reservationExpiry: Date | null = null,
  checkoutFlashes: readonly Flash[] = [],
): BasketSnapshot {
  const m = (v: Money) => formatMoney(v, basket.currency);
  const t = priced.totals;
  return {
    id: basket.id,
    pk,
    ownerId: basket.ownerId,
    siteId: basket.siteId,
    currency: basket.currency,
    status: basket.status,
    version: basket.version,
    agentBasket: basket.agentBasket,
    custom: { ...basket.custom },
    sourceCode: basket.sourceCode,
    checkout: { ...basket.checkout },
    createdAt: basket.createdAt.toISOString(),
    updatedAt: basket.updatedAt.toISOString(),
    taxation: site.taxation,
    taxRoundedAtGroup: site.taxRoundedAtGroup,
    roundingMode: site.roundingMode,
    lines: priced.lines.map((p) => ({
      itemId: p.line.itemId,
      sku: p.line.sku,
      productPk: p.productPk,
      productName: p.productName,
      image: p.image,
      quantity: p.line.quantity,
      position: p.line.position,
      valid: p.valid,
      available: p.available,
      basePrice: p.basePrice === null ? null : m(p.basePrice),
      retailPrice: p.retailPrice === null ? null : m(p.retailPrice),
      addedUnitPrice: p.line.addedUnitPrice === null ? null : m(p.line.addedUnitPrice),
      price: m(p.price),
      priceAfterItemDiscount: m(p.priceAfterItemDiscount),
      priceAfterOrderDiscount: m(p.priceAfterOrderDiscount),
      taxRate: p.taxRate.toString(),
      tax: m(p.tax),
      taxBeforeDiscounts: m(p.taxBeforeDiscounts),
      attributes: { ...p.line.attributes },
      custom: { ...p.line.custom },
      ...(p.line.gift ? { gift: true } : {}),
      ...(p.line.giftMessage !== undefined ? { giftMessage: p.line.giftMessage } : {}),
      adjustments: p.adjustments.map((a) => adjustmentOf(a, basket.currency)),
      shipmentId: shipmentIdOf(basket.checkout, p.line.itemId),
      ...(p.line.inventoryId !== undefined ? { inventoryId: p.line.inventoryId } : {}),
    })),
    orderAdjustments: priced.orderAdjustments.map((a) => adjustmentOf(a, basket.currency)),
    shipping: priced.shipping
      ? {
          methodId: priced.shipping.method.id,
          methodName: priced.shipping.method.name,
          price: m(priced.shipping.price),
          tax: m(priced.shipping.tax),
          adjustedTax: m(priced.shipping.adjustedTax),
          taxRate: priced.shipping.method.taxRate.toString(),
          adjustments: priced.shipping.adjustments.map((a) => adjustmentOf(a, basket.currency)),
          ...(priced.shipping.method.storePickup ? { storePickup: true as const } : {}),
        }
      : null,
    shipments: shipmentViews(basket).map((view, i) => {
      const p = priced.shipments[i]!;
      return {
        id: view.id,
        itemIds: [...p.itemIds],
        ...(view.shippingAddress ? { shippingAddress: { ...view.shippingAddress } } : {}),
        selectedMethodId: view.shippingMethodId,
        shipping: shippingOf(p, basket.currency),
        ...(view.gift ? { gift: true } : {}),
        ...(view.giftMessage !== undefined ? { giftMessage: view.giftMessage } : {}),
        custom: { ...view.custom },
        ships: p.ships,
        totals: {
          productSubTotal: m(p.productSubTotal),
          productTotal: m(p.productTotal),
          merchandizeTotalTax: m(p.merchandizeTotalTax),
          adjustedMerchandizeTotalTax: m(p.adjustedMerchandizeTotalTax),
          shippingTotal: m(p.shippingTotal),
          shippingTotalTax: m(p.shippingTotalTax),
          adjustedShippingTotalTax: m(p.adjustedShippingTotalTax),
          taxTotal: m(p.taxTotal),
          shipmentTotal: m(p.shipmentTotal),
        },
      };
    }),
    totals: {
      productSubTotal: m(t.productSubTotal),
      productTotal: m(t.productTotal),
      merchandizeTotalTax: m(t.merchandizeTotalTax),
      adjustedMerchandizeTotalTax: m(t.adjustedMerchandizeTotalTax),
      shippingTotal: m(t.shippingTotal),
      shippingTotalTax: m(t.shippingTotalTax),
      adjustedShippingTotalTax: m(t.adjustedShippingTotalTax),
      taxTotal: m(t.taxTotal),
      orderTotal: m(t.orderTotal),
      groupedTaxItems: t.groupedTaxItems.map((g) => ({ taxRate: g.taxRate.toString(), taxValue: m(g.taxValue) })),
      totalQuantity: t.totalQuantity,
    },
    coupons: priced.coupons.map((c) => ({ id: c.item.id, code: c.item.code, status: c.status, valid: c.valid })),
    externalOfferCode: basket.externalOfferCode,
    discounts: priced.promotionTotals.map((d) => ({ code: d.code, name: d.name, couponCode: d.couponCode, amount: m(d.amount) })),
    flashes: [...priced.flashes, ...checkoutFlashes],
    reservationExpiry: reservationExpiry?.toISOString() ?? null,
  };
}

/**
 * Renders a basket snapshot as the OCAPI Shop API 23.2 Basket document (seed 004): snake_case, `_v`,
 * `_type`, money as JSON numbers written from the decimal text. Fields this service cannot know yet
 * (addresses, payment) are rendered empty as OCAPI does for a fresh basket.
 */
import { createHash } from 'node:crypto';
import type { BasketSnapshot, SnapshotAdjustment, SnapshotLine, SnapshotShipment } from '../../contracts/basket-snapshot.js';
import type { PaymentInstrument } from '../../domain/types.js';
import { decimal } from '../json.js';

export const OCAPI_VERSION = '23.2';

/** Opaque token of the basket's state, for optimistic concurrency on PATCH (`_resource_state`). */
export function resourceState(snapshot: Pick<BasketSnapshot, 'id' | 'version'>): string {
  return createHash('sha256').update(`${snapshot.id}:${snapshot.version}`).digest('hex');
}

/**
 * The version a `_resource_state` stands for, looked for around the version the caller's read saw
 * (a little newer too: the cache may lag what the client was told), or null if none near it.
 */
export function versionOfResourceState(basketId: string, state: string, around: number): number | null {
  for (let v = around + 10; v >= Math.max(1, around - 1000); v--) if (resourceState({ id: basketId, version: v }) === state) return v;
  return null;
}

function customProps(custom: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(custom)) if (k.startsWith('c_')) out[k] = v;
  return out;
}

/** OCAPI PriceAdjustment: `price` is what it takes off, as a negative amount; promotions' are not manual. */
function priceAdjustment(a: SnapshotAdjustment) {
  const discountField = a.type === 'percentage' ? 'percentage' : a.type === 'amount' ? 'amount' : 'fixed_price';
  const promotion = a.promotionCode ?? null;
  return {
    _type: 'price_adjustment',
    price_adjustment_id: a.id,
    price: decimal(/^0(\.0+)?$/.test(a.amount) ? a.amount : `-${a.amount}`),
    item_text: a.itemText ?? 'Manual adjustment',
    manual: promotion === null,
    custom: false,
    applied_discount: { _type: 'discount', type: a.type, [discountField]: decimal(a.value) },
    ...(promotion === null ? { created_by: a.createdBy } : { promotion_id: promotion }),
    ...(a.couponCode ? { coupon_code: a.couponCode } : {}),
    ...(a.reasonCode ? { reason_code: a.reasonCode } : {}),
    ...customProps(a.custom ?? {}),
  };
}

function paymentInstrument(p: PaymentInstrument) {
  return {
    _type: 'order_payment_instrument',
    payment_instrument_id: p.id,
    payment_method_id: p.methodId,
    ...(p.amount !== null ? { amount: decimal(p.amount) } : {}),
    ...(p.card
      ? {
          payment_card: {
            _type: 'payment_card',
            card_type: p.card.cardType,
            ...(p.card.holder !== null ? { holder: p.card.holder } : {}),
            ...(p.card.maskedNumber !== null ? { masked_number: p.card.maskedNumber, number_last_digits: p.card.maskedNumber.slice(-4) } : {}),
            ...(p.card.expirationMonth !== null ? { expiration_month: p.card.expirationMonth } : {}),
            ...(p.card.expirationYear !== null ? { expiration_year: p.card.expirationYear } : {}),
          },
        }
      : {}),
  };
}

function productItem(line: SnapshotLine) {
  return {
    _type: 'product_item',
    adjusted_tax: decimal(line.tax),
    base_price: decimal(line.basePrice),
    bonus_product_line_item: false,
    gift: line.gift ?? false,
    ...(line.giftMessage !== undefined ? { gift_message: line.giftMessage } : {}),
    item_id: line.itemId,
    item_text: line.productName,
    price: decimal(line.price),
    price_adjustments: (line.adjustments ?? []).map(priceAdjustment),
    price_after_item_discount: decimal(line.priceAfterItemDiscount),
    price_after_order_discount: decimal(line.priceAfterOrderDiscount),
    product_id: line.sku,
    product_name: line.productName,
    quantity: line.quantity,
    shipment_id: line.shipmentId ?? 'me',
    ...(line.inventoryId !== undefined ? { inventory_id: line.inventoryId } : {}),
    // OCAPI: `tax` before adjustments, `adjusted_tax` after them (and `tax_basis` is what that is taxed on).
    tax: decimal(line.taxBeforeDiscounts ?? line.tax),
    tax_basis: decimal(line.priceAfterOrderDiscount),
    tax_class_id: null,
    tax_rate: decimal(line.taxRate),
    ...customProps(line.custom),
  };
}

/**
 * The snapshot's shipments; one written before shipments existed has only `me`, rebuilt from its
 * `shipping` and `checkout`, its figures the basket's (a single shipment's are).
 */
function shipmentsOf(s: BasketSnapshot): SnapshotShipment[] {
  if (s.shipments) return s.shipments;
  const t = s.totals;
  return [
    {
      id: 'me',
      itemIds: s.lines.map((l) => l.itemId),
      ...(s.checkout?.shippingAddress ? { shippingAddress: { ...s.checkout.shippingAddress } } : {}),
      selectedMethodId: s.shipping?.methodId ?? null,
      shipping: s.shipping,
      custom: {},
      ships: true,
      totals: {
        productSubTotal: t.productSubTotal,
        productTotal: t.productTotal,
        merchandizeTotalTax: t.merchandizeTotalTax,
        adjustedMerchandizeTotalTax: t.adjustedMerchandizeTotalTax,
        shippingTotal: t.shippingTotal,
        shippingTotalTax: t.shippingTotalTax,
        adjustedShippingTotalTax: t.adjustedShippingTotalTax,
        taxTotal: t.taxTotal,
        shipmentTotal: t.orderTotal,
      },
    },
  ];
}

/** An OCAPI Shipment: its address, method, gift fields, its own figures, `c_*`. */
function shipment(x: SnapshotShipment, index: number) {
  const t = x.totals;
  return {
    _type: 'shipment',
    shipment_id: x.id,
    shipment_no: String(index + 1).padStart(8, '0'),
    gift: x.gift ?? false,
    ...(x.giftMessage !== undefined ? { gift_message: x.giftMessage } : {}),
    ...(x.shippingAddress ? { shipping_address: { _type: 'order_address', ...x.shippingAddress } } : {}),
    ...(x.shipping
      ? {
          shipping_method: {
            _type: 'shipping_method',
            id: x.shipping.methodId,
            name: x.shipping.methodName,
            price: decimal(x.shipping.price),
            // PWA Kit tells a pickup shipment by its method's custom flag (utils/shipment-utils.js isPickupMethod).
            ...(x.shipping.storePickup ? { c_storePickupEnabled: true } : {}),
          },
        }
      : {}),
    adjusted_merchandize_total_tax: decimal(t.adjustedMerchandizeTotalTax),
    adjusted_shipping_total_tax: decimal(t.adjustedShippingTotalTax),
    merchandize_total_tax: decimal(t.merchandizeTotalTax),
    product_sub_total: decimal(t.productSubTotal),
    product_total: decimal(t.productTotal),
    shipment_total: decimal(t.shipmentTotal),
    shipping_total: decimal(t.shippingTotal),
    shipping_total_tax: decimal(t.shippingTotalTax),
    tax_total: decimal(t.taxTotal),
    ...customProps(x.custom),
  };
}

/** A shipment's shipping item (one per shipment with a method), its id as single-shipment baskets always had it for `me`. */
function shippingItem(x: SnapshotShipment) {
  if (!x.shipping) return [];
  const total = x.totals.shippingTotal;
  return [
    {
      _type: 'shipping_item',
      item_id: `${x.id}-shipping`,
      item_text: x.shipping.methodName,
      shipment_id: x.id,
      price: decimal(x.shipping.price),
      price_after_item_discount: decimal(total),
      price_adjustments: (x.shipping.adjustments ?? []).map(priceAdjustment),
      tax: decimal(x.shipping.tax),
      adjusted_tax: decimal(x.shipping.adjustedTax ?? x.shipping.tax),
      tax_basis: decimal(total),
      tax_rate: decimal(x.shipping.taxRate),
    },
  ];
}

export function renderBasketDocument(s: BasketSnapshot) {
  const t = s.totals;
  return {
    _v: OCAPI_VERSION,
    _type: 'basket',
    _resource_state: resourceState(s),
    adjusted_merchandize_total_tax: decimal(t.adjustedMerchandizeTotalTax),
    adjusted_shipping_total_tax: decimal(t.adjustedShippingTotalTax),
    agent_basket: s.agentBasket,
    basket_id: s.id,
    bonus_discount_line_items: [],
    channel_type: s.agentBasket ? 'callcenter' : 'storefront',
    coupon_items: (s.coupons ?? []).map((c) => ({ _type: 'coupon_item', code: c.code, coupon_item_id: c.id, status_code: c.status, valid: c.valid })),
    creation_date: s.createdAt,
    currency: s.currency,
    customer_info: {
      _type: 'customer_info',
      customer_id: s.ownerId,
      ...(s.checkout?.customerEmail ? { email: s.checkout.customerEmail } : {}),
      ...(s.checkout?.customerNo ? { customer_no: s.checkout.customerNo } : {}),
    },
    ...(s.checkout?.billingAddress ? { billing_address: { _type: 'order_address', ...s.checkout.billingAddress } } : {}),
    ...(s.flashes.length > 0 ? { flash: s.flashes.map((f) => ({ _type: 'flash', type: f.type, message: f.message, path: f.path })) } : {}),
    gift_certificate_items: [],
    grouped_tax_items: t.groupedTaxItems.map((g) => ({ _type: 'grouped_tax_item', tax_rate: decimal(g.taxRate), tax_value: decimal(g.taxValue) })),
    inventory_reservation_expiry: s.reservationExpiry ?? null,
    last_modified: s.updatedAt,
    merchandize_total_tax: decimal(t.merchandizeTotalTax),
    notes: { _type: 'simple_link', link: `/baskets/${s.id}/notes` },
    order_price_adjustments: (s.orderAdjustments ?? []).map(priceAdjustment),
    order_total: decimal(t.orderTotal),
    payment_instruments: (s.checkout?.paymentInstruments ?? []).map(paymentInstrument),
    product_items: s.lines.map(productItem),
    product_sub_total: decimal(t.productSubTotal),
    product_total: decimal(t.productTotal),
    shipments: shipmentsOf(s).map(shipment),
    shipping_items: shipmentsOf(s).flatMap(shippingItem),
    shipping_total: decimal(t.shippingTotal),
    ...(s.sourceCode ? { source_code: s.sourceCode } : {}),
    shipping_total_tax: decimal(t.shippingTotalTax),
    tax_rounded_at_group: s.taxRoundedAtGroup,
    tax_total: decimal(t.taxTotal),
    taxation: s.taxation,
    ...customProps(s.custom),
  };
}

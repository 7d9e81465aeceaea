/**
 * A basket's row and line rows as the mutation read returns them, and their mapping to the domain's
 * Basket. Shared by the read (`loadMutationState`) and by `HeldBaskets.rememberWritten`, which gives a
 * written basket the form reading it back would have by passing it through the same mapping.
 */
import { Money } from '../domain/money.js';
import type { Basket, BasketLine, Checkout, CouponItem, PriceAdjustment } from '../domain/types.js';

export interface LineRow {
  item_id: string;
  sku: string;
  quantity: number;
  added_unit_price: string | null;
  position: number;
  attributes: Record<string, unknown>;
  custom: Record<string, unknown>;
  gift: boolean;
  gift_message: string | null;
  /** The stock list holding the line's units (a pickup store's); null: the site's. */
  inventory_id: string | null;
}

/** A price adjustment as stored: the value as decimal text. */
export type StoredAdjustment = Omit<PriceAdjustment, 'value'> & { value: string };

export interface BasketRow {
  id: string;
  owner_id: string;
  site_id: string;
  currency: string;
  status: Basket['status'];
  version: number;
  agent_basket: boolean;
  custom: Record<string, unknown>;
  source_code: string | null;
  checkout: Checkout;
  shipping_method_id: string | null;
  adjustments: StoredAdjustment[];
  coupons: CouponItem[];
  external_offer_code: string | null;
  created_at: Date;
  updated_at: Date;
}

export function toBasketLine(l: LineRow): BasketLine {
  return {
    itemId: l.item_id,
    sku: l.sku,
    quantity: l.quantity,
    addedUnitPrice: l.added_unit_price === null ? null : new Money(l.added_unit_price),
    position: l.position,
    attributes: l.attributes,
    custom: l.custom,
    ...(l.gift ? { gift: true } : {}),
    ...(l.gift_message !== null ? { giftMessage: l.gift_message } : {}),
    ...(l.inventory_id !== null ? { inventoryId: l.inventory_id } : {}),
  };
}

export function toBasket(r: BasketRow, lines: readonly BasketLine[]): Basket {
  return {
    id: r.id,
    ownerId: r.owner_id,
    siteId: r.site_id,
    currency: r.currency,
    status: r.status,
    version: r.version,
    lines,
    custom: r.custom,
    sourceCode: r.source_code,
    checkout: r.checkout ?? {},
    shippingMethodId: r.shipping_method_id,
    adjustments: (r.adjustments ?? []).map((a) => ({ ...a, value: new Money(a.value) })),
    coupons: r.coupons ?? [],
    externalOfferCode: r.external_offer_code,
    agentBasket: r.agent_basket,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/**
 * The basket aggregate as the pure core sees it. Amounts are `Money`; ids are strings; time is a
 * `Date` given by the caller (the core never reads a clock).
 */
import type { Money, RoundingMode } from './money.js';

import type { AdjustmentLevel, BasketStatus, DiscountType, PromotionDiscountType, PromotionKind, Taxation } from './enumerations.js';
export type { BasketStatus, DiscountType, Taxation } from './enumerations.js';

/** Pricing rules a site fixes for its baskets (set through `PUT /admin/sites/{site_id}`). */
export interface PricingPolicy {
  readonly currency: string;
  readonly taxation: Taxation;
  readonly taxRoundedAtGroup: boolean;
  readonly roundingMode: RoundingMode;
}

export interface SitePolicy extends PricingPolicy {
  readonly siteId: string;
  readonly priceList: string;
  readonly stockList: string;
}

/** One product line as stored: what the shopper asked for; prices are derived, never stored as truth. */
export interface BasketLine {
  readonly itemId: string;
  readonly sku: string;
  readonly quantity: number;
  /** Unit price when the line was added or last touched by the shopper (for upsell detection). */
  readonly addedUnitPrice: Money | null;
  readonly position: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly custom: Readonly<Record<string, unknown>>;
  /** OCAPI/SCAPI `gift` and `gift_message` of the product item (absent: not a gift, no message). */
  readonly gift?: boolean;
  readonly giftMessage?: string;
  /**
   * The stock list the line's units are held in (SCAPI `inventoryId`: a store's for store pickup, or the
   * site's own), as the shopper gave it; absent: the site's stock list.
   */
  readonly inventoryId?: string;
}

/** An OCAPI OrderAddress, as given (validated at the edge). */
export type Address = Readonly<Record<string, unknown>>;

/** What checkout needs beyond the lines: who buys, and where the bill and the parcel go. */
export interface Checkout {
  readonly customerEmail?: string;
  readonly customerNo?: string;
  readonly billingAddress?: Address;
  readonly shippingAddress?: Address;
  readonly paymentInstruments?: readonly PaymentInstrument[];
  /**
   * The default shipment `me`'s own fields beyond its address (`shippingAddress` above) and method
   * (`Basket.shippingMethodId`): gift flag and message, custom properties. Absent: none set.
   */
  readonly defaultShipment?: ShipmentDetails;
  /**
   * The shipments other than the default one, in the order created. Absent or empty: the basket has
   * only `me` (every basket before multi-shipment looks like that).
   */
  readonly shipments?: readonly Shipment[];
}

/** What any shipment carries beside its address and method. */
export interface ShipmentDetails {
  readonly gift?: boolean;
  readonly giftMessage?: string;
  /** Custom properties (`c_*`), e.g. the app's `c_fromStoreId` of a pickup shipment. */
  readonly custom?: Readonly<Record<string, unknown>>;
}

/**
 * A shipment other than the default: its own address and method, and the product items it carries
 * (by item id; every other line ships in `me`).
 */
export interface Shipment extends ShipmentDetails {
  readonly id: string;
  readonly shippingAddress?: Address;
  readonly shippingMethodId?: string;
  readonly itemIds: readonly string[];
}

/**
 * A payment instrument on the basket. Card data is kept masked only: the full number and the security
 * code never reach storage (they are dropped at the edge).
 */
export interface PaymentInstrument {
  readonly id: string;
  readonly methodId: string;
  /** Decimal text, or null: the whole order total. */
  readonly amount: string | null;
  readonly card: PaymentCard | null;
}

export interface PaymentCard {
  readonly cardType: string;
  readonly holder: string | null;
  /** Last four digits, e.g. "************1111". */
  readonly maskedNumber: string | null;
  readonly expirationMonth: number | null;
  readonly expirationYear: number | null;
}

/** A payment method a site accepts (CREDIT_CARD, …) and the card types it takes. */
export interface PaymentMethod {
  readonly id: string;
  readonly name: string;
  readonly cardTypes: readonly string[];
}

/**
 * A promotion, as the admin feed defines it. Campaigns apply by themselves; coupons only while their
 * code is in the basket. `skus` set: a product-level promotion on those SKUs (an `amount` is off each
 * unit); null: order level (or the shipment, for `free_shipping`). `minAmount` is compared with the
 * basket's product total before any discount. Lower `priority` applies first; an `exclusive`
 * promotion that qualifies applies alone.
 */
export interface Promotion {
  readonly code: string;
  readonly kind: PromotionKind;
  readonly name: string;
  readonly enabled: boolean;
  readonly startsAt: Date | null;
  readonly endsAt: Date | null;
  readonly discountType: PromotionDiscountType;
  /** Percent (0..100) for `percentage`, an amount for `amount`; unused for `free_shipping`. */
  readonly discountValue: Money;
  readonly skus: readonly string[] | null;
  readonly minAmount: Money | null;
  readonly priority: number;
  readonly exclusive: boolean;
  /** Redemptions allowed (null: unlimited) and redemptions so far, as the order system reports them. */
  readonly redemptionLimit: number | null;
  readonly redeemed: number;
}

/** A coupon code the shopper entered (OCAPI coupon item). */
export interface CouponItem {
  readonly id: string;
  readonly code: string;
}

/**
 * A manual price adjustment an agent put on the basket. `value`: percent (0..100) for `percentage`,
 * an amount off for `amount`, the unit price (product level) or order subtotal (order level) for
 * `fixed_price`.
 */
export interface PriceAdjustment {
  readonly id: string;
  readonly level: AdjustmentLevel;
  /** The product item it applies to (product level), else null. */
  readonly itemId: string | null;
  readonly type: DiscountType;
  readonly value: Money;
  readonly reasonCode: string | null;
  readonly itemText: string | null;
  readonly createdBy: string;
  /** The agent's custom properties (`c_*`). */
  readonly custom?: Readonly<Record<string, unknown>>;
  /** Set on adjustments a promotion made (never stored; recomputed on every change). */
  readonly promotionCode?: string;
  /** The coupon code that activated that promotion, if any. */
  readonly couponCode?: string;
}

export interface Basket {
  readonly id: string;
  readonly ownerId: string;
  readonly siteId: string;
  readonly currency: string;
  readonly status: BasketStatus;
  readonly version: number;
  readonly lines: readonly BasketLine[];
  readonly custom: Readonly<Record<string, unknown>>;
  /** OCAPI `source_code`: the campaign or channel code the shopper came with. */
  readonly sourceCode: string | null;
  readonly checkout: Checkout;
  /** The method chosen for the default shipment, or null. */
  readonly shippingMethodId: string | null;
  readonly adjustments: readonly PriceAdjustment[];
  /** Coupon codes the shopper entered, in the order entered. */
  readonly coupons: readonly CouponItem[];
  /** Akinon's `external_offer_code`: kept as given; activates a promotion of that code, unverified. */
  readonly externalOfferCode: string | null;
  readonly agentBasket: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What the catalogue says about one SKU for the basket's site (price list and product). */
export interface CatalogEntry {
  readonly sku: string;
  readonly pk: number;
  readonly name: string;
  readonly taxRate: Money;
  readonly online: boolean;
  readonly image: string | null;
  /** Null when the site's price list has no price for the SKU. */
  readonly price: Money | null;
  readonly retailPrice: Money | null;
}

export type Catalog = ReadonlyMap<string, CatalogEntry>;

/** A site's shipping method; `price` is as the site's taxation has it (gross or net). */
export interface ShippingMethod {
  readonly id: string;
  readonly name: string;
  readonly price: Money;
  readonly taxRate: Money;
  /** The shipment is free when the product total reaches this amount. */
  readonly freeOver: Money | null;
  /** A store pickup method (rendered as the app reads it: `c_storePickupEnabled: true`); absent: not. */
  readonly storePickup?: boolean;
}

/**
 * A store a pickup shipment names (`c_fromStoreId`): its address (what the app shows and copies into the
 * shipment) and its own stock list, which holds the units of items picked up there.
 */
export interface Store {
  readonly id: string;
  readonly name: string;
  readonly stockList: string;
  readonly address1: string | null;
  readonly city: string | null;
  readonly postalCode: string | null;
  readonly stateCode: string | null;
  readonly countryCode: string | null;
  readonly phone: string | null;
}

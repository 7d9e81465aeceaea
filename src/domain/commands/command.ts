/**
 * What a basket mutation is: the commands (one per kind), the context a handler gets (catalogue, limits,
 * ids, `now`: no IO, no clock), and the reasons a command can be refused.
 */
import type { Address, Basket, Catalog, DiscountType, PaymentInstrument, PaymentMethod, ShippingMethod } from '../types.js';

/** Coupon codes a basket may carry at once, and payment instruments. */
export const MAX_COUPONS = 10;
export const MAX_PAYMENT_INSTRUMENTS = 5;

export type MutationCommand =
  | {
      readonly kind: 'create_basket';
      readonly siteId: string;
      /** Null: the site's currency, filled in by the application before `applyMutation` runs. */
      readonly currency: string | null;
      readonly agentBasket: boolean;
      readonly custom: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'add_items'; readonly items: readonly AddItem[] }
  | { readonly kind: 'set_item_quantity'; readonly itemId: string; readonly quantity: number }
  | { readonly kind: 'remove_item'; readonly itemId: string }
  /** Akinon PUT/PATCH: the line of that SKU gets this quantity (0 removes it; absent: added). */
  | { readonly kind: 'set_product_quantity'; readonly sku: string; readonly quantity: number; readonly attributes?: Readonly<Record<string, unknown>> }
  /** Akinon DELETE: every line goes (and its held units); codes and checkout information stay. */
  | { readonly kind: 'empty_basket' }
  /**
   * Akinon basket_items PATCH: new attributes for a line, or (`splitOne`, quantity > 1) for one unit of
   * it, which becomes a line of its own.
   */
  | { readonly kind: 'set_item_attributes'; readonly itemId: string; readonly attributes: Readonly<Record<string, unknown>>; readonly splitOne: boolean }
  | { readonly kind: 'delete_basket' }
  | { readonly kind: 'set_customer'; readonly email: string; readonly customerNo?: string }
  /** `alsoShipping` / `alsoBilling`: the same address for the other role too (OCAPI `use_as_shipping` / `use_as_billing`). */
  | { readonly kind: 'set_billing_address'; readonly address: Address; readonly alsoShipping?: boolean }
  | { readonly kind: 'set_shipping_address'; readonly shipmentId: string; readonly address: Address; readonly alsoBilling?: boolean }
  | { readonly kind: 'set_shipping_method'; readonly shipmentId: string; readonly methodId: string }
  | {
      readonly kind: 'add_price_adjustment';
      readonly level: 'product' | 'order';
      readonly itemId: string | null;
      readonly type: DiscountType;
      /** Decimal text. */
      readonly value: string;
      readonly reasonCode: string | null;
      readonly itemText: string | null;
      /** Custom properties (`c_*`); on update, a null value removes one. */
      readonly custom?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'update_price_adjustment';
      readonly adjustmentId: string;
      readonly type?: DiscountType;
      readonly value?: string;
      readonly reasonCode?: string | null;
      readonly itemText?: string | null;
      readonly custom?: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'remove_price_adjustment'; readonly adjustmentId: string }
  /** OCAPI/SCAPI: the code joins the basket whatever its status (the coupon item shows it). */
  | { readonly kind: 'add_coupon'; readonly code: string }
  | { readonly kind: 'remove_coupon'; readonly couponItemId: string }
  /**
   * Akinon's codes: `voucherCode` replaces the basket's coupon codes (null removes them; verified like
   * `add_coupon`); `externalOfferCode` is kept unverified (null clears it). Undefined leaves either as is.
   */
  | { readonly kind: 'set_offer_codes'; readonly voucherCode?: string | null; readonly externalOfferCode?: string | null }
  | { readonly kind: 'add_payment_instrument'; readonly instrument: Omit<PaymentInstrument, 'id'> }
  /**
   * SCAPI merge: a guest's basket (`ctx.mergeSource`, owned by `sourceOwnerId`) goes into this one as
   * one serial change: its lines (quantities of a product in both combined by `mode`, capped at the
   * line limit) and its coupon codes; the guest basket is deleted and its held units move here.
   */
  | { readonly kind: 'merge_basket'; readonly sourceBasketId: string; readonly sourceOwnerId: string; readonly mode: MergeMode }
  | { readonly kind: 'remove_payment_instrument'; readonly paymentInstrumentId: string }
  | {
      readonly kind: 'update_basket';
      /** Must be the basket's currency (a site prices in one currency). */
      readonly currency?: string;
      /** A string sets, null clears. */
      readonly sourceCode?: string | null;
      /** Custom properties to set; a null value removes the property. */
      readonly custom: Readonly<Record<string, unknown>>;
      /** Optimistic concurrency (OCAPI `_resource_state`): reject if the basket moved past this version. */
      readonly expectedVersion: number | null;
    }
  /** The expiry sweep's mutation: lines stay; held units whose expiry passed are released. */
  | { readonly kind: 'expire_reservations' }
  /** Re-price and re-check the basket against the catalogue as it is now (after a catalogue change). */
  | { readonly kind: 'recalculate' };

/** The command list and MUTATION_KINDS agree both ways: a kind added to one and not the other does not compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kindsAgree: Same<MutationCommand['kind'], MutationKind> = true;
void kindsAgree;

export type { MergeMode, MutationKind } from '../enumerations.js';
import type { MergeMode, MutationKind } from '../enumerations.js';

export interface AddItem {
  readonly sku: string;
  readonly quantity: number;
  readonly custom?: Readonly<Record<string, unknown>>;
  /** Product options (Akinon `attributes`); replace the line's when given. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export type RejectionCode =
  | 'basket_not_found'
  | 'site_not_found'
  | 'basket_exists'
  | 'product_not_found'
  | 'product_without_price'
  | 'item_not_found'
  | 'quantity_limit_exceeded'
  | 'line_limit_exceeded'
  | 'product_item_not_available'
  | 'nothing_to_expire'
  | 'resource_state_conflict'
  | 'currency_not_supported'
  | 'shipment_not_found'
  | 'shipping_method_not_found'
  | 'price_adjustment_not_found'
  | 'coupon_already_in_basket'
  | 'coupon_limit_exceeded'
  | 'coupon_item_not_found'
  | 'coupon_not_applicable'
  | 'payment_method_not_found'
  | 'payment_instrument_limit_exceeded'
  | 'payment_instrument_not_found'
  | 'payment_amount_invalid'
  | 'forbidden';

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
}

export interface MutationContext {
  readonly basketId: string;
  readonly ownerId: string;
  readonly now: Date;
  /** Catalogue entries for every SKU in the basket and in the command. */
  readonly catalog: Catalog;
  readonly limits: { readonly maxLineQuantity: number; readonly maxLines: number };
  /** The site's payment methods by id. */
  readonly paymentMethods?: ReadonlyMap<string, PaymentMethod>;
  /** For `merge_basket`: the guest basket as read (null when there is none to merge). */
  readonly mergeSource?: Basket | null;
  /** The site's currency, for a basket created without one. */
  readonly siteCurrency?: string;
  /** The site's shipping methods by id. */
  readonly shippingMethods?: ReadonlyMap<string, ShippingMethod>;
  /** Deterministic id for the n-th line this mutation creates (so a replay creates the same ids). */
  readonly newItemId: (n: number) => string;
}

export type MutationResult =
  | { readonly outcome: 'applied'; readonly basket: Basket }
  | { readonly outcome: 'rejected'; readonly rejection: Rejection };


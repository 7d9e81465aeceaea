/**
 * What a handler works with: the context of one mutation (catalogue, limits, the site's methods, ids and
 * `now`: no IO, no clock), and the reasons a command can be refused.
 */
import type { Basket, Catalog, PaymentMethod, ShippingMethod, Store } from '../types.js';
import type { CustomPropertyLimits } from '../custom-properties.js';

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
  /** createShipment with an id the basket already has. */
  | 'shipment_id_in_use'
  | 'shipment_limit_exceeded'
  /** removeShipment of the default shipment `me` (SFCC: 403 DefaultShipmentDeletionForbidden). */
  | 'default_shipment_not_removable'
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
  | 'basket_transfer_conflict'
  | 'forbidden'
  /** A shipment's `c_fromStoreId` names no store of the site. */
  | 'store_not_found'
  /** An item's `inventoryId` is neither the site's stock list nor one of its stores'. */
  | 'inventory_list_not_found'
  /** An item's `inventoryId` is not the stock list of the store its pickup shipment names. */
  | 'inventory_not_of_store'
  /** The result's custom properties (`c_*`, the basket's or a line's) would outgrow the limits. */
  | 'custom_properties_limit_exceeded';

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
  /** `custom`: caps on custom properties, checked on every applied result (unset: not checked). */
  readonly limits: { readonly maxLineQuantity: number; readonly maxLines: number; readonly custom?: CustomPropertyLimits };
  /** The site's payment methods by id. */
  readonly paymentMethods?: ReadonlyMap<string, PaymentMethod>;
  /**
   * For `merge_basket`: the guest basket as read (null when there is none to merge); for
   * `transfer_basket`: the caller's own active basket it absorbs (null when none).
   */
  readonly mergeSource?: Basket | null;
  /** The site's currency, for a basket created without one. */
  readonly siteCurrency?: string;
  /** The site's shipping methods by id. */
  readonly shippingMethods?: ReadonlyMap<string, ShippingMethod>;
  /** The site's stock list (the one lines without `inventoryId` hold units in). */
  readonly homeStockList?: string;
  /**
   * The site's stores this mutation may involve, by id: those its command or the basket's shipments name
   * by id, and those whose stock list its items name. Absent: none (any store or store inventory is unknown).
   */
  readonly stores?: ReadonlyMap<string, Store>;
  /** Deterministic id for the n-th line this mutation creates (so a replay creates the same ids). */
  readonly newItemId: (n: number) => string;
}

export type MutationResult =
  | { readonly outcome: 'applied'; readonly basket: Basket }
  | { readonly outcome: 'rejected'; readonly rejection: Rejection };


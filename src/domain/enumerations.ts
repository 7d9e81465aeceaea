/**
 * Every closed set of values the service stores or accepts, listed once. Types derive from these lists,
 * and so do the API's zod enums and the Kysely column types; a test holds the migrations' CHECK
 * constraints to them, so a value added here and not in the schema (or the other way) fails a test.
 */
export const TAXATIONS = ['gross', 'net'] as const;
export type Taxation = (typeof TAXATIONS)[number];

export const ROUNDING_MODES = ['half_up', 'half_even'] as const;
export type RoundingMode = (typeof ROUNDING_MODES)[number];

export const BASKET_STATUSES = ['active', 'deleted'] as const;
export type BasketStatus = (typeof BASKET_STATUSES)[number];

export const PROMOTION_KINDS = ['campaign', 'coupon'] as const;
export type PromotionKind = (typeof PROMOTION_KINDS)[number];

/** What a promotion takes off: a percentage, an amount (per unit at item level), or the shipping. */
export const PROMOTION_DISCOUNT_TYPES = ['percentage', 'amount', 'free_shipping'] as const;
export type PromotionDiscountType = (typeof PROMOTION_DISCOUNT_TYPES)[number];

/** What a price adjustment takes off: a percentage, an amount, or down to a fixed price. */
export const ADJUSTMENT_TYPES = ['percentage', 'amount', 'fixed_price'] as const;
export type DiscountType = (typeof ADJUSTMENT_TYPES)[number];

export const ADJUSTMENT_LEVELS = ['product', 'order'] as const;
export type AdjustmentLevel = (typeof ADJUSTMENT_LEVELS)[number];

export const MERGE_MODES = ['sum_quantities', 'highest_quantity', 'lowest_quantity'] as const;
export type MergeMode = (typeof MERGE_MODES)[number];

/**
 * SCAPI transferBasket, when the caller already has an active basket: `transfer` refuses, `merge` merges
 * it into the transferred one, `override` deletes it.
 */
export const TRANSFER_MODES = ['transfer', 'merge', 'override'] as const;
export type TransferMode = (typeof TRANSFER_MODES)[number];

/** How a mutation ended, as the mutation log records it (`queued` is only ever a ticket's state, never recorded). */
export const MUTATION_STATUSES = ['applied', 'rejected', 'failed'] as const;
export type MutationStatus = (typeof MUTATION_STATUSES)[number];

/** Every kind of basket mutation. `src/domain/mutations.ts` checks at compile time that this list and its commands agree. */
export const MUTATION_KINDS = [
  'create_basket',
  'add_items',
  'set_item_quantity',
  'remove_item',
  'set_product_quantity',
  'empty_basket',
  'set_item_attributes',
  'update_item',
  'update_items',
  'delete_basket',
  'set_customer',
  'set_billing_address',
  'set_shipping_address',
  'set_shipping_method',
  'create_shipment',
  'update_shipment',
  'remove_shipment',
  'add_price_adjustment',
  'update_price_adjustment',
  'remove_price_adjustment',
  'add_coupon',
  'remove_coupon',
  'set_offer_codes',
  'add_payment_instrument',
  'remove_payment_instrument',
  'update_payment_instrument',
  'merge_basket',
  'transfer_basket',
  'update_basket',
  'expire_reservations',
  'recalculate',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/**
 * Basket validity flashes (names from the OCAPI Basket document). Pure: derived from the priced
 * basket on every recalculation, never stored as truth.
 */
export type FlashType =
  | 'InvalidProductItem'
  | 'ProductItemWithoutPrice'
  | 'ProductItemNotAvailable'
  | 'ShippingMethodNotApplicable'
  | 'ProductItemAdjustedPriceLessThanZero';

export interface Flash {
  readonly type: FlashType;
  readonly message: string;
  /** JSON-path-like location inside the OCAPI document, e.g. `$.product_items[0]`. */
  readonly path: string;
}

export function invalidProductItem(index: number, sku: string): Flash {
  return {
    type: 'InvalidProductItem',
    message: `The product '${sku}' no longer exists or is offline.`,
    path: `$.product_items[${index}]`,
  };
}

export function productItemWithoutPrice(index: number, sku: string): Flash {
  return {
    type: 'ProductItemWithoutPrice',
    message: `The product '${sku}' has no price in this site's price list.`,
    path: `$.product_items[${index}]`,
  };
}

export function productItemNotAvailable(index: number, sku: string): Flash {
  return {
    type: 'ProductItemNotAvailable',
    message: `Not enough inventory of '${sku}' is available for the quantity in this basket.`,
    path: `$.product_items[${index}]`,
  };
}

export function shippingMethodNotApplicable(methodId: string): Flash {
  return {
    type: 'ShippingMethodNotApplicable',
    message: `The shipping method '${methodId}' is not available on this site any more.`,
    path: '$.shipments[0].shipping_method',
  };
}

export function adjustedPriceLessThanZero(index: number): Flash {
  return {
    type: 'ProductItemAdjustedPriceLessThanZero',
    message: 'Price adjustments take this item below zero; its price was held at zero. Correct the adjustments.',
    path: `$.product_items[${index}]`,
  };
}

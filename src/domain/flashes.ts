/**
 * Basket validity flashes (names from the OCAPI Basket document). Pure: derived from the priced
 * basket on every recalculation, never stored as truth.
 */
export type FlashType =
  | 'InvalidProductItem'
  | 'ProductItemWithoutPrice'
  | 'ProductItemNotAvailable'
  | 'ShippingMethodNotApplicable'
  | 'ProductItemAdjustedPriceLessThanZero'
  | 'ShippingAddressRequired'
  | 'BillingAddressRequired'
  | 'ShippingMethodRequired'
  | 'PaymentMethodRequired'
  | 'PaymentMethodNotApplicable'
  | 'OrderTotalNotSet';

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

/** `shipment`: the shipment's index in the document's `shipments` (the default one is 0). */
export function shippingMethodNotApplicable(methodId: string, shipment = 0): Flash {
  return {
    type: 'ShippingMethodNotApplicable',
    message: `The shipping method '${methodId}' is not available on this site any more.`,
    path: `$.shipments[${shipment}].shipping_method`,
  };
}

export function adjustedPriceLessThanZero(index: number): Flash {
  return {
    type: 'ProductItemAdjustedPriceLessThanZero',
    message: 'Price adjustments take this item below zero; its price was held at zero. Correct the adjustments.',
    path: `$.product_items[${index}]`,
  };
}

export function shippingAddressRequired(shipment = 0): Flash {
  return { type: 'ShippingAddressRequired', message: 'The shipment needs a shipping address.', path: `$.shipments[${shipment}].shipping_address` };
}

export const billingAddressRequired: Flash = {
  type: 'BillingAddressRequired',
  message: 'The basket needs a billing address.',
  path: '$.billing_address',
};

export function shippingMethodRequired(shipment = 0): Flash {
  return { type: 'ShippingMethodRequired', message: 'The shipment needs a shipping method.', path: `$.shipments[${shipment}].shipping_method` };
}

export const paymentMethodRequired: Flash = {
  type: 'PaymentMethodRequired',
  message: 'The basket needs a payment instrument with a payment method.',
  path: '$.payment_instruments',
};

export function paymentMethodNotApplicable(index: number, methodId: string): Flash {
  return {
    type: 'PaymentMethodNotApplicable',
    message: `The payment method '${methodId}' is not available on this site.`,
    path: `$.payment_instruments[${index}].payment_method_id`,
  };
}

export const orderTotalNotSet: Flash = {
  type: 'OrderTotalNotSet',
  message: 'The order total is not final: the basket needs at least one valid product item and an applicable shipping method.',
  path: '$.order_total',
};

/**
 * What still blocks checkout (OCAPI flashes), derived from the basket and its pricing on every change.
 * Pure; never stored as truth.
 */
import {
  billingAddressRequired,
  orderTotalNotSet,
  paymentMethodNotApplicable,
  paymentMethodRequired,
  shippingAddressRequired,
  shippingMethodRequired,
  type Flash,
} from './flashes.js';
import type { PricedBasket } from './totals.js';
import type { Address, Basket, PaymentMethod } from './types.js';

/** An address an order can use: partial ones are kept as given (SCAPI merges them) but still block checkout. */
export function isCompleteAddress(a: Address | undefined): boolean {
  return a !== undefined && typeof a.address1 === 'string' && typeof a.city === 'string' && typeof a.country_code === 'string';
}

/**
 * `OrderTotalNotSet` stands while the total cannot be final: no product item counts, or the shipment
 * has no applicable method (its price is unknown).
 */
export function checkoutFlashes(basket: Basket, priced: PricedBasket, paymentMethods: ReadonlyMap<string, PaymentMethod>): Flash[] {
  const flashes: Flash[] = [];
  const c = basket.checkout;
  if (!isCompleteAddress(c.shippingAddress)) flashes.push(shippingAddressRequired);
  if (!isCompleteAddress(c.billingAddress)) flashes.push(billingAddressRequired);
  if (basket.shippingMethodId === null) flashes.push(shippingMethodRequired);
  const instruments = c.paymentInstruments ?? [];
  if (instruments.length === 0) flashes.push(paymentMethodRequired);
  instruments.forEach((p, i) => {
    if (!paymentMethods.has(p.methodId)) flashes.push(paymentMethodNotApplicable(i, p.methodId));
  });
  if (priced.shipping === null || !priced.lines.some((l) => l.counted)) flashes.push(orderTotalNotSet);
  return flashes;
}

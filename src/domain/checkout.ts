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
import type { Basket, PaymentMethod } from './types.js';

/**
 * `OrderTotalNotSet` stands while the total cannot be final: no product item counts, or the shipment
 * has no applicable method (its price is unknown).
 */
export function checkoutFlashes(basket: Basket, priced: PricedBasket, paymentMethods: ReadonlyMap<string, PaymentMethod>): Flash[] {
  const flashes: Flash[] = [];
  const c = basket.checkout;
  if (!c.shippingAddress) flashes.push(shippingAddressRequired);
  if (!c.billingAddress) flashes.push(billingAddressRequired);
  if (basket.shippingMethodId === null) flashes.push(shippingMethodRequired);
  const instruments = c.paymentInstruments ?? [];
  if (instruments.length === 0) flashes.push(paymentMethodRequired);
  instruments.forEach((p, i) => {
    if (!paymentMethods.has(p.methodId)) flashes.push(paymentMethodNotApplicable(i, p.methodId));
  });
  if (priced.shipping === null || !priced.lines.some((l) => l.counted)) flashes.push(orderTotalNotSet);
  return flashes;
}

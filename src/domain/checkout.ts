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
import { shipmentViews } from './shipments.js';
import type { PricedBasket } from './totals.js';
import type { Address, Basket, PaymentMethod } from './types.js';

/** An address an order can use: partial ones are kept as given (SCAPI merges them) but still block checkout. */
export function isCompleteAddress(a: Address | undefined): boolean {
  return a !== undefined && typeof a.address1 === 'string' && typeof a.city === 'string' && typeof a.country_code === 'string';
}

/**
 * Each shipment that ships something (`PricedShipment.ships`: it carries product items, or it is the
 * only one) needs an address and a method, flashed at its index in `shipments`; an empty shipment beside
 * others needs neither (SFCC keeps it; the storefront removes it). `OrderTotalNotSet` stands while the
 * total cannot be final: no product item counts, or a shipment that ships has no applicable method (its
 * price is unknown).
 */
export function checkoutFlashes(basket: Basket, priced: PricedBasket, paymentMethods: ReadonlyMap<string, PaymentMethod>): Flash[] {
  const flashes: Flash[] = [];
  const c = basket.checkout;
  const shipments = shipmentViews(basket);
  const ships = (i: number) => priced.shipments[i]?.ships ?? i === 0;
  shipments.forEach((s, i) => {
    if (ships(i) && !isCompleteAddress(s.shippingAddress)) flashes.push(shippingAddressRequired(i));
  });
  if (!isCompleteAddress(c.billingAddress)) flashes.push(billingAddressRequired);
  shipments.forEach((s, i) => {
    if (ships(i) && s.shippingMethodId === null) flashes.push(shippingMethodRequired(i));
  });
  const instruments = c.paymentInstruments ?? [];
  if (instruments.length === 0) flashes.push(paymentMethodRequired);
  instruments.forEach((p, i) => {
    if (!paymentMethods.has(p.methodId)) flashes.push(paymentMethodNotApplicable(i, p.methodId));
  });
  const unpriced = priced.shipments.some((s) => s.ships && s.method === null);
  if (unpriced || !priced.lines.some((l) => l.counted)) flashes.push(orderTotalNotSet);
  return flashes;
}

/** What a shipping method costs a basket: free once the product total (after order discounts) reaches its `free_over`. Pure. */
import { ZERO, roundMoney, type Money, type RoundingMode } from './money.js';
import type { ShippingMethod } from './types.js';

export function shippingQuote(method: ShippingMethod, productTotal: Money, currency: string, roundingMode: RoundingMode): Money {
  if (method.freeOver !== null && productTotal.gte(method.freeOver)) return ZERO;
  return roundMoney(method.price, currency, roundingMode);
}

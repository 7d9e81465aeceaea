/**
 * The site's shipping and payment methods as a basket's method lists offer them (OCAPI/SCAPI
 * `shipping_methods`, `payment_methods`); pricing a method for a basket belongs to `domain/shipping.ts`.
 */
import type { PaymentMethod, ShippingMethod } from '../domain/types.js';
import type { Db } from '../persistence/database.js';
import { defaultShippingMethodOf, listPaymentMethods, listShippingMethods, toShippingMethod } from '../persistence/site.repository.js';

export interface SiteShippingMethods {
  readonly methods: readonly ShippingMethod[];
  /** The method the storefront preselects: the site's setting while that method exists, else the first method (null: none). */
  readonly defaultId: string | null;
}

export async function siteShippingMethods(db: Db, siteId: string): Promise<SiteShippingMethods> {
  const methods = (await listShippingMethods(db, siteId)).map(toShippingMethod);
  const siteDefault = await defaultShippingMethodOf(db, siteId);
  const defaultId = methods.some((m) => m.id === siteDefault) ? siteDefault : (methods[0]?.id ?? null);
  return { methods, defaultId };
}

/** The site's enabled payment methods. */
export async function sitePaymentMethods(db: Db, siteId: string): Promise<PaymentMethod[]> {
  return listPaymentMethods(db, siteId);
}

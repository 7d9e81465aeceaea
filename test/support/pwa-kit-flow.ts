/**
 * The Retail React App's (npm `@salesforce/retail-react-app` 10.2.1, on `@salesforce/commerce-sdk-react`
 * 5.4) cart and checkout call sequence, driven through the official `commerce-sdk-isomorphic` clients
 * (ShopperBasketsV2, ShopperCustomers) against a running server, with the bodies the app's own code
 * builds. Each step names the app file it copies. Token provision is the caller's: the same flow runs
 * with this service's HS256 tokens and with an external (SLAS-like) issuer's.
 */
import { expect } from 'vitest';
import { ResponseError, ShopperBasketsV2, ShopperCustomers } from 'commerce-sdk-isomorphic';
import { seedProducts, type Harness } from './harness.js';

export interface Identity {
  /** The bearer token the storefront holds. */
  readonly token: string;
  /** The customer id the app reads from it (commerce-sdk-react `useCustomerId`). */
  readonly customerId: string;
}

export interface FlowSetup {
  readonly h: Harness;
  readonly origin: string;
  readonly siteId: string;
  readonly stockList: string;
  /** Variants of one master: the shopper adds `red`, swaps it for `blue`. */
  readonly red: string;
  readonly blue: string;
  readonly socks: string;
  readonly coupon: string;
  readonly defaultMethod: string;
}

const config = (s: FlowSetup, token: string) => ({
  parameters: { organizationId: 'f_ecom_zzrf_001', siteId: s.siteId, shortCode: 'local' },
  proxy: s.origin,
  headers: { authorization: `Bearer ${token}` },
  throwOnBadResponse: true,
});

async function held(s: FlowSetup, sku: string): Promise<number> {
  const r = await s.h.app.inject({ method: 'GET', url: `/admin/stock-lists/${s.stockList}/${sku}`, headers: s.h.adminHeaders });
  return r.json().reserved as number;
}

/** The status and body of an SDK call that must fail (its ResponseError). */
export async function errorOf(p: Promise<unknown>): Promise<{ status: number; body: any }> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ResponseError);
  const res = (e as ResponseError).response;
  return { status: res.status, body: await res.json() };
}

/**
 * The guest's cart and checkout up to the payment, then sign-in: a merge (login page / auth modal) and,
 * on a second guest basket, a transfer (one-click checkout's contact step).
 */
export async function runStorefrontFlow(
  s: FlowSetup,
  ids: { guest: Identity; registered: Identity; secondGuest: Identity; registeredAfterSecond: Identity },
): Promise<void> {
  const baskets = new ShopperBasketsV2(config(s, ids.guest.token));
  const customers = new ShopperCustomers(config(s, ids.guest.token));

  // app/hooks/use-current-basket.js: the basket is found only through getCustomerBaskets.
  const none = await customers.getCustomerBaskets({ parameters: { customerId: ids.guest.customerId } });
  expect(none.total).toBe(0);

  // commerce-sdk-react hooks/ShopperBasketsV2/helpers.js addItemToNewOrExistingBasket: total 0 → createBasket({body: {}}).
  const created = await baskets.createBasket({ body: {} });
  const basketId = created.basketId!;
  // app/pages/product-detail/index.jsx handleAddToCart: {productId, price, quantity} (+ shipmentId when targeted).
  // The client's price (1.00 here) is taken and never trusted: the price list says 30.00.
  let basket = await baskets.addItemToBasket({ parameters: { basketId }, body: [{ productId: s.red, price: 1, quantity: 1, shipmentId: 'me' } as never] });
  expect(basket.productItems?.map((i) => [i.productId, i.basePrice, i.quantity])).toEqual([[s.red, 30, 1]]);

  const found = await customers.getCustomerBaskets({ parameters: { customerId: ids.guest.customerId } });
  expect(found.total).toBe(1);
  expect(found.baskets?.[0]?.basketId).toBe(basketId);

  // app/pages/cart/index.jsx changeItemQuantity: {productId, quantity}.
  const item = basket.productItems![0]!;
  basket = await baskets.updateItemInBasket({ parameters: { basketId, itemId: item.itemId! }, body: { productId: item.productId!, quantity: 3 } });
  expect(basket.productItems![0]!.quantity).toBe(3);
  expect(await held(s, s.red)).toBe(3);

  // app/pages/cart/index.jsx handleUpdateCart (another variant, not yet in the basket): {productId, quantity, price}.
  basket = await baskets.updateItemInBasket({ parameters: { basketId, itemId: item.itemId! }, body: { productId: s.blue, quantity: 2, price: 999 } as never });
  expect(basket.productItems?.map((i) => [i.itemId, i.productId, i.basePrice, i.price, i.quantity])).toEqual([[item.itemId, s.blue, 64, 128, 2]]);
  expect([await held(s, s.red), await held(s, s.blue)]).toEqual([0, 2]);

  // app/pages/cart/index.jsx handleIsAGiftChange: {productId, quantity, gift}.
  basket = await baskets.updateItemInBasket({ parameters: { basketId, itemId: item.itemId! }, body: { productId: s.blue, quantity: 2, gift: true } });
  expect(basket.productItems![0]!.gift).toBe(true);

  // app/components/promo-code/index.jsx submitPromoCode: {code}; only an applied coupon counts as success.
  basket = await baskets.addCouponToBasket({ parameters: { basketId }, body: { code: s.coupon } });
  const coupon = basket.couponItems?.find((c) => c.code === s.coupon);
  expect(coupon).toEqual(expect.objectContaining({ statusCode: 'applied', valid: true }));
  expect(basket.productTotal).toBe(115.2); // 2 × 64.00 − 10%
  // An unknown code: SFCC answers 400 InvalidCouponCode; the app's catch shows "check the code".
  const unknown = await errorOf(baskets.addCouponToBasket({ parameters: { basketId }, body: { code: `${s.coupon}-NOPE` } }));
  expect(unknown.status).toBe(400);
  expect(unknown.body).toEqual(expect.objectContaining({ title: 'Invalid Coupon Code', type: expect.stringMatching(/\/invalid-coupon-code$/) }));
  // removePromoCode: {couponItemId}.
  basket = await baskets.removeCouponFromBasket({ parameters: { basketId, couponItemId: coupon!.couponItemId! } });
  expect(basket.couponItems ?? []).toEqual([]);
  expect(basket.productTotal).toBe(128);

  // A second line, changed with updateItemsInBasket (app/pages/cart/index.jsx handleUpdateBundle: [{itemId, productId, quantity}]) and removed.
  basket = await baskets.addItemToBasket({ parameters: { basketId }, body: [{ productId: s.socks, price: 8, quantity: 1 }] as never });
  const socks = basket.productItems!.find((i) => i.productId === s.socks)!;
  basket = await baskets.updateItemsInBasket({ parameters: { basketId }, body: [{ itemId: socks.itemId!, productId: s.socks, quantity: 4 }] });
  expect(basket.productItems!.find((i) => i.productId === s.socks)!.quantity).toBe(4);
  // app/pages/cart/index.jsx handleRemoveItem.
  basket = await baskets.removeItemFromBasket({ parameters: { basketId, itemId: socks.itemId! } });
  expect(basket.productItems?.map((i) => i.productId)).toEqual([s.blue]);
  expect(await held(s, s.socks)).toBe(0);

  // app/pages/checkout/partials/contact-info.jsx: updateCustomerForBasket {email}.
  basket = await baskets.updateCustomerForBasket({ parameters: { basketId }, body: { email: 'ada@example.com' } });
  expect(basket.customerInfo?.email).toBe('ada@example.com');
  // app/pages/checkout-one-click/partials/one-click-contact-info.jsx: the guest's phone alone, {...billingAddress, phone}.
  basket = await baskets.updateBillingAddressForBasket({ parameters: { basketId }, body: { phone: '+1 555 0100' } as never });
  expect(basket.billingAddress).toEqual(expect.objectContaining({ phone: '+1 555 0100' }));

  // app/pages/checkout/partials/shipping-address.jsx: cleanAddressForOrder(address), useAsBilling false.
  const address = { address1: '12 Analytical Row', city: 'London', countryCode: 'GB', firstName: 'Ada', lastName: 'Lovelace', postalCode: 'N1 1AA' };
  basket = await baskets.updateShippingAddressForShipment({ parameters: { basketId, shipmentId: 'me', useAsBilling: false }, body: address });
  expect(basket.shipments![0]!.shippingAddress).toEqual(expect.objectContaining({ lastName: 'Lovelace', city: 'London' }));

  // app/pages/checkout/partials/shipping-method-options.jsx: the list's defaultShippingMethodId is preselected.
  const methods = await baskets.getShippingMethodsForShipment({ parameters: { basketId, shipmentId: 'me' } });
  expect(methods.defaultShippingMethodId).toBe(s.defaultMethod);
  basket = await baskets.updateShippingMethodForShipment({ parameters: { basketId, shipmentId: 'me' }, body: { id: methods.defaultShippingMethodId! } });
  expect(basket.shipments![0]!.shippingMethod?.id).toBe(s.defaultMethod);

  // app/pages/checkout/partials/payment.jsx onBillingSubmit: the address without addressId/creationDate/… (billing same as shipping).
  basket = await baskets.updateBillingAddressForBasket({ parameters: { basketId }, body: address });
  // The phone given earlier stays: addresses merge.
  expect(basket.billingAddress).toEqual(expect.objectContaining({ city: 'London', phone: '+1 555 0100' }));
  // payment.jsx onPaymentSubmit: CREDIT_CARD with a masked number.
  basket = await baskets.addPaymentInstrumentToBasket({
    parameters: { basketId },
    body: {
      paymentMethodId: 'CREDIT_CARD',
      paymentCard: { holder: 'Ada Lovelace', maskedNumber: '************1111', cardType: 'Visa', expirationMonth: 3, expirationYear: 2031 },
    },
  });
  const instrument = basket.paymentInstruments![0]!;
  // app/pages/checkout/index.jsx doCreateOrder: the amount set to the order total.
  basket = await baskets.updatePaymentInstrumentInBasket({
    parameters: { basketId, paymentInstrumentId: instrument.paymentInstrumentId! },
    body: { amount: basket.orderTotal },
  });
  expect(basket.paymentInstruments![0]!.amount).toBe(basket.orderTotal);
  // payment.jsx onPaymentRemoval.
  basket = await baskets.removePaymentInstrumentFromBasket({ parameters: { basketId, paymentInstrumentId: instrument.paymentInstrumentId! } });
  expect(basket.paymentInstruments ?? []).toEqual([]);

  // Sign-in. app/hooks/use-auth-modal.js and app/pages/login/index.jsx: mergeBasket({createDestinationBasket: true}).
  const signedIn = new ShopperBasketsV2(config(s, ids.registered.token));
  const merged = await signedIn.mergeBasket({ headers: { 'Content-Type': 'application/json' }, parameters: { createDestinationBasket: true } });
  expect(merged.productItems?.map((i) => [i.productId, i.quantity, i.gift])).toEqual([[s.blue, 2, true]]);
  expect(merged.customerInfo?.customerId).toBe(ids.registered.customerId);
  expect(await held(s, s.blue)).toBe(2);
  const registeredCustomers = new ShopperCustomers(config(s, ids.registered.token));
  const mine = await registeredCustomers.getCustomerBaskets({ parameters: { customerId: ids.registered.customerId } });
  expect([mine.total, mine.baskets?.[0]?.basketId]).toEqual([1, merged.basketId]);
  // Only one's own baskets.
  expect((await errorOf(registeredCustomers.getCustomerBaskets({ parameters: { customerId: ids.guest.customerId } }))).status).toBe(403);

  // A new guest session fills a basket, then signs in during one-click checkout:
  // app/pages/checkout-one-click/partials/one-click-contact-info.jsx transferBasket({merge: true}).
  const guest2 = new ShopperBasketsV2(config(s, ids.secondGuest.token));
  const second = (await guest2.createBasket({ body: {} })).basketId!;
  await guest2.addItemToBasket({ parameters: { basketId: second }, body: [{ productId: s.socks, quantity: 2 }] });
  const signedIn2 = new ShopperBasketsV2(config(s, ids.registeredAfterSecond.token));
  const transferred = await signedIn2.transferBasket({ headers: { 'Content-Type': 'application/json' }, parameters: { merge: true } });
  // The guest basket is now the shopper's, with the shopper's earlier basket merged into it.
  expect(transferred.basketId).toBe(second);
  expect(transferred.customerInfo?.customerId).toBe(ids.registeredAfterSecond.customerId);
  expect(transferred.productItems?.map((i) => [i.productId, i.quantity]).sort()).toEqual(
    [
      [s.blue, 2],
      [s.socks, 2],
    ].sort(),
  );
  expect([await held(s, s.blue), await held(s, s.socks)]).toEqual([2, 2]);
  const after = await new ShopperCustomers(config(s, ids.registeredAfterSecond.token)).getCustomerBaskets({
    parameters: { customerId: ids.registeredAfterSecond.customerId },
  });
  expect([after.total, after.baskets?.[0]?.basketId]).toEqual([1, second]);
  // The earlier basket is gone; the second guest no longer sees the transferred one.
  expect((await errorOf(signedIn2.getBasket({ parameters: { basketId: merged.basketId! } }))).status).toBe(404);
  expect((await errorOf(guest2.getBasket({ parameters: { basketId: second } }))).status).toBe(404);
}

/** A site of its own (lists, a default shipping method, CREDIT_CARD) so other tests' baskets never mix in. */
export async function storefrontSite(h: Harness, origin: string): Promise<FlowSetup> {
  const t = h.tag;
  const siteId = `pwa-${t}`.slice(0, 64);
  const list = `pwa-${t}`;
  const put = async (url: string, payload: object) => {
    const r = await h.app.inject({ method: 'PUT', url, headers: h.adminHeaders, payload });
    expect(r.statusCode, r.body).toBe(200);
  };
  const s: FlowSetup = {
    h,
    origin,
    siteId,
    stockList: list,
    red: `${t}-dress-red`,
    blue: `${t}-dress-blue`,
    socks: `${t}-socks`,
    coupon: `${t}-PWA10`,
    defaultMethod: 'standard',
  };
  await seedProducts(
    h,
    [
      { sku: s.red, price: '30.00', stock: 20 },
      { sku: s.blue, price: '64.00', stock: 20 },
      { sku: s.socks, price: '8.00', stock: 20 },
    ],
    list,
    'USD',
    list,
  );
  await put(`/admin/sites/${siteId}`, { currency: 'USD', price_list: list, stock_list: list, default_shipping_method_id: 'standard' });
  await put(`/admin/sites/${siteId}/shipping-methods/express`, { name: 'Express', price: '15.00', tax_rate: '0.2' });
  await put(`/admin/sites/${siteId}/shipping-methods/standard`, { name: 'Standard', price: '5.00', tax_rate: '0.2' });
  await put(`/admin/sites/${siteId}/payment-methods/CREDIT_CARD`, { name: 'Credit card', card_types: ['Visa', 'Master Card'] });
  await put(`/admin/promotions/${s.coupon}`, { kind: 'coupon', name: 'Ten percent', site: siteId, discount: { type: 'percentage', value: '10' } });
  return s;
}

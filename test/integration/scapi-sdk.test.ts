/**
 * The official `commerce-sdk-isomorphic` ShopperBaskets client, unchanged, pointed at this server
 * through its `proxy` option: the storefront flow end to end over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { ResponseError, ShopperBaskets } from 'commerce-sdk-isomorphic';
import { seedProducts, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let origin: string;
let sku: string;
let other: string;
let coupon: string;
beforeAll(async () => {
  h = await startHarness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  sku = `${h.tag}-shirt`;
  other = `${h.tag}-socks`;
  coupon = `${h.tag}-SDK10`;
  await seedProducts(h, [
    { sku, price: '30.00', tax_rate: '0.2', stock: 50 },
    { sku: other, price: '8.00', tax_rate: '0.2', stock: 50 },
  ]);
  const put = (url: string, payload: object) => h.app.inject({ method: 'PUT', url, headers: h.adminHeaders, payload });
  expect((await put(`/admin/promotions/${coupon}`, { kind: 'coupon', name: 'Ten percent', site: 'default', discount: { type: 'percentage', value: '10' } })).statusCode).toBe(200);
  expect((await put('/admin/sites/default/shipping-methods/sdk-ground', { name: 'Ground', price: '6.00', tax_rate: '0.2' })).statusCode).toBe(200);
});
afterAll(async () => h?.close());

function client(sub: string, extra: Record<string, string> = {}) {
  return new ShopperBaskets({
    parameters: { organizationId: 'f_ecom_test', siteId: 'default', shortCode: 'local' },
    proxy: origin,
    headers: { authorization: `Bearer ${h.tokens.sign(sub)}`, ...extra },
    throwOnBadResponse: true,
  });
}

describe('commerce-sdk-isomorphic ShopperBaskets against this server', () => {
  it('create, add, update, remove, coupon, shipping address and method, get', async () => {
    const sdk = client(`sdk-${h.tag}`);
    const created = await sdk.createBasket({ body: {} });
    const basketId = created.basketId!;
    expect(basketId).toEqual(expect.any(String));

    let basket = await sdk.addItemToBasket({ parameters: { basketId }, body: [{ productId: sku, quantity: 2 }, { productId: other, quantity: 1 }] });
    expect(basket.productItems?.map((i) => [i.productId, i.quantity])).toEqual([
      [sku, 2],
      [other, 1],
    ]);
    const shirt = basket.productItems![0]!;
    basket = await sdk.updateItemInBasket({ parameters: { basketId, itemId: shirt.itemId! }, body: { quantity: 3 } });
    expect(basket.productItems![0]!.quantity).toBe(3);
    basket = await sdk.removeItemFromBasket({ parameters: { basketId, itemId: basket.productItems![1]!.itemId! } });
    expect(basket.productItems).toHaveLength(1);

    basket = await sdk.addCouponToBasket({ parameters: { basketId }, body: { code: coupon } });
    // 3 × 30.00 = 90.00, 10% off → 81.00.
    expect(basket.couponItems).toEqual([expect.objectContaining({ code: coupon, statusCode: 'applied', valid: true })]);
    expect(basket.productTotal).toBe(81);

    basket = await sdk.updateShippingAddressForShipment({
      // As PWA Kit's checkout sends it: the same address for billing.
      parameters: { basketId, shipmentId: 'me', useAsBilling: true },
      body: { firstName: 'Grace', lastName: 'Hopper', address1: '2 Navy Way', city: 'Arlington', postalCode: '22202', countryCode: 'US' },
    });
    expect(basket.shipments![0]!.shippingAddress).toEqual(expect.objectContaining({ lastName: 'Hopper', countryCode: 'US' }));
    expect(basket.billingAddress).toEqual(expect.objectContaining({ lastName: 'Hopper', city: 'Arlington' }));
    const methods = await sdk.getShippingMethodsForShipment({ parameters: { basketId, shipmentId: 'me' } });
    expect(methods.applicableShippingMethods).toContainEqual(expect.objectContaining({ id: 'sdk-ground', price: 6 }));
    basket = await sdk.updateShippingMethodForShipment({ parameters: { basketId, shipmentId: 'me' }, body: { id: 'sdk-ground' } });
    expect(basket.shippingTotal).toBe(6);

    const read = await sdk.getBasket({ parameters: { basketId } });
    // 81.00 + 6.00; gross, 20%: 13.50 + 1.00 = 14.50.
    expect([read.productTotal, read.shippingTotal, read.orderTotal, read.taxTotal]).toEqual([81, 6, 87, 14.5]);
    expect(read.couponItems?.[0]?.code).toBe(coupon);
  });

  it('payment instruments and methods, and the merge after a guest signs in', async () => {
    const guestSub = `sdk-guest-${h.tag}`;
    const guest = client(guestSub);
    const guestBasket = (await guest.createBasket({ body: {} })).basketId!;
    await guest.addItemToBasket({ parameters: { basketId: guestBasket }, body: [{ productId: other, quantity: 2 }] });

    const customer = client(`sdk-customer-${h.tag}`, { 'x-guest-authorization': `Bearer ${h.tokens.sign(guestSub)}` });
    const merged = await customer.mergeBasket({ parameters: { createDestinationBasket: true, productItemMergeMode: 'sum_quantities' } });
    expect(merged.productItems?.map((i) => [i.productId, i.quantity])).toEqual([[other, 2]]);

    const methods = await customer.getPaymentMethodsForBasket({ parameters: { basketId: merged.basketId! } });
    expect(methods.applicablePaymentMethods?.map((m) => m.id)).toContain('CREDIT_CARD');
    const paid = await customer.addPaymentInstrumentToBasket({
      parameters: { basketId: merged.basketId! },
      body: { paymentMethodId: 'CREDIT_CARD', paymentCard: { cardType: 'Visa', number: '4111111111111111', expirationMonth: 3, expirationYear: 2031 } as never },
    });
    expect(paid.paymentInstruments?.[0]?.paymentCard?.maskedNumber).toBe('************1111');
  });

  it("a foreign basket is a ResponseError 404 with SCAPI's error document", async () => {
    const owner = client(`sdk-owner-${h.tag}`);
    const basketId = (await owner.createBasket({ body: {} })).basketId!;
    const error = await client(`sdk-stranger-${h.tag}`)
      .getBasket({ parameters: { basketId } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as ResponseError).response.status).toBe(404);
    expect(await (error as ResponseError).response.json()).toEqual(expect.objectContaining({ title: 'Basket Not Found' }));
    // deleteBasket resolves (204) for the owner.
    await expect(owner.deleteBasket({ parameters: { basketId } })).resolves.toBeUndefined();
  });
});

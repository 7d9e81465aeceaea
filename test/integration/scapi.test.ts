/**
 * The SCAPI Shopper Baskets alias over HTTP: camelCase documents, hyphenated sub-paths, siteId from the
 * query, SCAPI error documents; and the basket merge when a guest signs in (lines, coupons and held
 * units move as one serial mutation).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
let other: string;
const ORG = '/checkout/shopper-baskets/v1/organizations/f_ecom_test';
const q = '?siteId=default';
beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-mug`;
  other = `${h.tag}-cup`;
  await seedProducts(h, [
    { sku, price: '12.50', tax_rate: '0.2', stock: 100 },
    { sku: other, price: '3.00', tax_rate: '0.2', stock: 100 },
  ]);
});
afterAll(async () => h?.close());

const reserved = async (s: string) =>
  (await h.app.inject({ method: 'GET', url: `/admin/stock-lists/default/${s}`, headers: h.adminHeaders })).json().reserved as number;

describe('SCAPI basket resource', () => {
  it('creates, adds, changes, and reads a basket in camelCase, with the same totals as OCAPI', async () => {
    const s = new Shopper(h);
    const created = await s.request('POST', `${ORG}/baskets${q}`, {});
    expect(created.statusCode).toBe(200);
    const basket = created.json();
    expect(basket.basketId).toEqual(expect.any(String));
    expect(basket).not.toHaveProperty('_v');
    expect(basket).not.toHaveProperty('_type');
    expect(basket.productItems).toEqual([]);
    const id = basket.basketId as string;

    const added = await s.request('POST', `${ORG}/baskets/${id}/items${q}`, [{ productId: sku, quantity: 2, c_gift: true }]);
    expect(added.statusCode, added.body).toBe(200);
    const item = added.json().productItems[0];
    expect(item).toEqual(
      expect.objectContaining({
        productId: sku,
        quantity: 2,
        basePrice: 12.5,
        price: 25,
        priceAfterItemDiscount: 25,
        priceAfterOrderDiscount: 25,
        taxRate: 0.2,
        c_gift: true,
      }),
    );

    const patched = await s.request('PATCH', `${ORG}/baskets/${id}/items/${item.itemId}${q}`, { quantity: 3 });
    expect(patched.json().productItems[0].quantity).toBe(3);
    expect(patched.json().productTotal).toBe(37.5);

    const scapi = (await s.request('GET', `${ORG}/baskets/${id}${q}`)).json();
    const ocapi = (await s.request('GET', `${OCAPI}/baskets/${id}`)).json();
    for (const [camel, snake] of [
      ['productSubTotal', 'product_sub_total'],
      ['productTotal', 'product_total'],
      ['taxTotal', 'tax_total'],
      ['orderTotal', 'order_total'],
      ['merchandizeTotalTax', 'merchandize_total_tax'],
    ]) {
      expect(scapi[camel!], camel).toBe(ocapi[snake!]);
    }
    expect(scapi.groupedTaxItems).toEqual([{ taxRate: 0.2, taxValue: ocapi.grouped_tax_items[0].tax_value }]);

    const removed = await s.request('DELETE', `${ORG}/baskets/${id}/items/${item.itemId}${q}`);
    expect(removed.json().productItems).toEqual([]);
  });

  it('serves every checkout sub-resource under its hyphenated path', async () => {
    expect(
      (
        await h.app.inject({
          method: 'PUT',
          url: '/admin/sites/default/shipping-methods/scapi-std',
          headers: h.adminHeaders,
          payload: { name: 'Std', price: '5', tax_rate: '0.2' },
        })
      ).statusCode,
    ).toBe(200);
    const s = new Shopper(h);
    const id = (await s.request('POST', `${ORG}/baskets${q}`, {})).json().basketId as string;
    await s.request('POST', `${ORG}/baskets/${id}/items${q}`, [{ productId: sku, quantity: 1 }]);
    const address = { firstName: 'Ada', lastName: 'Lovelace', address1: '1 Main St', city: 'Boston', postalCode: '02110', countryCode: 'US' };
    const customer = await s.request('PUT', `${ORG}/baskets/${id}/customer${q}`, { email: 'ada@example.com', customerNo: 'C1' });
    expect(customer.json().customerInfo).toEqual(expect.objectContaining({ email: 'ada@example.com', customerNo: 'C1' }));
    expect((await s.request('PUT', `${ORG}/baskets/${id}/billing-address${q}`, address)).json().billingAddress).toEqual(
      expect.objectContaining({ firstName: 'Ada', postalCode: '02110' }),
    );
    const shipTo = await s.request('PUT', `${ORG}/baskets/${id}/shipments/me/shipping-address${q}`, address);
    expect(shipTo.json().shipments[0].shippingAddress).toEqual(expect.objectContaining({ countryCode: 'US' }));
    const methods = await s.request('GET', `${ORG}/baskets/${id}/shipments/me/shipping-methods${q}`);
    expect(methods.json().applicableShippingMethods).toContainEqual({ id: 'scapi-std', name: 'Std', price: 5 });
    const chosen = await s.request('PUT', `${ORG}/baskets/${id}/shipments/me/shipping-method${q}`, { id: 'scapi-std' });
    expect(chosen.json().shipments[0].shippingMethod).toEqual({ id: 'scapi-std', name: 'Std', price: 5 });
    const payMethods = await s.request('GET', `${ORG}/baskets/${id}/payment-methods${q}`);
    expect(payMethods.json().applicablePaymentMethods.map((m: { id: string }) => m.id)).toContain('CREDIT_CARD');
    const paid = await s.request('POST', `${ORG}/baskets/${id}/payment-instruments${q}`, {
      paymentMethodId: 'CREDIT_CARD',
      paymentCard: { cardType: 'Visa', number: '4111111111111111', expirationMonth: 1, expirationYear: 2031 },
    });
    expect(paid.statusCode, paid.body).toBe(200);
    const pi = paid.json().paymentInstruments[0];
    expect(pi.paymentCard).toEqual({ cardType: 'Visa', maskedNumber: '************1111', numberLastDigits: '1111', expirationMonth: 1, expirationYear: 2031 });
    const unpaid = await s.request('DELETE', `${ORG}/baskets/${id}/payment-instruments/${pi.paymentInstrumentId}${q}`);
    expect(unpaid.json().paymentInstruments).toEqual([]);
    const updated = await s.request('PATCH', `${ORG}/baskets/${id}${q}`, { sourceCode: 'NEWSLETTER', c_note: 'x' });
    expect(updated.json()).toEqual(expect.objectContaining({ sourceCode: 'NEWSLETTER', c_note: 'x' }));
    expect((await s.request('DELETE', `${ORG}/baskets/${id}${q}`)).statusCode).toBe(204);
  });

  it('answers errors as SCAPI problem documents with the right status', async () => {
    const s = new Shopper(h);
    const missing = await s.request('GET', `${ORG}/baskets/00000000-0000-4000-8000-000000000000${q}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.json()).toEqual({ type: expect.stringMatching(/\/errors\/basket-not-found$/), title: 'Basket Not Found', detail: expect.any(String) });
    const noSite = await s.request('POST', `${ORG}/baskets`, {});
    expect(noSite.statusCode).toBe(400);
    const id = (await s.request('POST', `${ORG}/baskets${q}`, {})).json().basketId as string;
    const bad = await s.request('POST', `${ORG}/baskets/${id}/items${q}`, [{ productId: sku, quantity: 0 }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().title).toBe('Property Constraint Violation');
    const badCard = await s.request('POST', `${ORG}/baskets/${id}/payment-instruments${q}`, {
      paymentMethodId: 'CREDIT_CARD',
      paymentCard: { cardType: 'Visa', number: '12' },
    });
    expect(badCard.statusCode).toBe(400);
    expect(badCard.json().detail).toContain('paymentCard.number');
    // Flash paths follow SCAPI's spelling too.
    const flashes = (await s.request('GET', `${ORG}/baskets/${id}${q}`)).json().flash as { type: string; path: string }[];
    expect(flashes.find((f) => f.type === 'ShippingAddressRequired')?.path).toBe('$.shipments[0].shippingAddress');
    // A key that would map onto __proto__ stays a key: refused as unknown, nothing changes.
    for (const payload of [[{ productId: sku, quantity: 1, _Proto__: 1 }], [{ productId: sku, _Proto__: { quantity: 7 } }]]) {
      const poisoned = await s.request('POST', `${ORG}/baskets/${id}/items${q}`, payload);
      expect(poisoned.statusCode, poisoned.body).toBe(400);
    }
    expect((await s.request('GET', `${ORG}/baskets/${id}${q}`)).json().productItems).toEqual([]);
    // Validation messages keep the values as written (only field paths are respelled).
    const mode = await s.request('POST', `${ORG}/baskets/actions/merge${q}&productItemMergeMode=shuffle`);
    expect(mode.json().detail).toContain('sum_quantities');
    // No body, or an empty one sent as JSON, creates a basket.
    for (const headers of [{}, { 'content-type': 'application/json' }]) {
      const created = await h.app.inject({ method: 'POST', url: `${ORG}/baskets${q}`, headers: { ...s.headers, ...headers } });
      expect(created.statusCode, created.body).toBe(200);
    }
    const unauth = await h.app.inject({ method: 'GET', url: `${ORG}/baskets/${id}${q}` });
    expect(unauth.statusCode).toBe(401);
  });
});

describe('basket merge', () => {
  /** A guest (own token) with a basket holding `n` of each SKU. */
  async function guestWith(items: { productId: string; quantity: number }[]) {
    const guest = new Shopper(h, `guest-${Math.random().toString(36).slice(2)}`);
    const id = (await guest.request('POST', `${ORG}/baskets${q}`, {})).json().basketId as string;
    const r = await guest.request('POST', `${ORG}/baskets/${id}/items${q}`, items);
    expect(r.statusCode, r.body).toBe(200);
    return { guest, id, token: guest.headers.authorization! };
  }

  it("moves the guest's lines and held units into the customer's basket and deletes the guest basket", async () => {
    const before = await reserved(sku);
    const {
      guest,
      id: guestBasket,
      token,
    } = await guestWith([
      { productId: sku, quantity: 2 },
      { productId: other, quantity: 1 },
    ]);
    const customer = new Shopper(h);
    const mine = (await customer.request('POST', `${ORG}/baskets${q}`, {})).json().basketId as string;
    await customer.request('POST', `${ORG}/baskets/${mine}/items${q}`, [{ productId: sku, quantity: 1 }]);
    expect(await reserved(sku)).toBe(before + 3);

    const merged = await customer.request('POST', `${ORG}/baskets/actions/merge${q}`, undefined, { 'x-guest-authorization': token });
    expect(merged.statusCode, merged.body).toBe(200);
    const doc = merged.json();
    expect(doc.basketId).toBe(mine);
    expect(doc.productItems.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity])).toEqual([
      [sku, 3],
      [other, 1],
    ]);
    // Units moved, none added or lost: the customer's basket holds all of them, the guest's none.
    expect(await reserved(sku)).toBe(before + 3);
    const holdings = await sql<{
      basket_id: string;
      sku: string;
      quantity: number;
    }>`select basket_id, sku, quantity from reservations where basket_id = any(${[mine, guestBasket]}::uuid[]) order by sku`.execute(h.res.db);
    expect(holdings.rows.map((r) => [r.basket_id, r.sku, r.quantity])).toEqual(
      [
        [mine, other, 1],
        [mine, sku, 3],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    expect((await guest.request('GET', `${ORG}/baskets/${guestBasket}${q}`)).statusCode).toBe(404);
    // Merging again: the guest has nothing left to merge.
    expect((await customer.request('POST', `${ORG}/baskets/actions/merge${q}`, undefined, { 'x-guest-authorization': token })).statusCode).toBe(404);
  });

  it('creates the destination basket on request, takes the guest from a guest_sub claim, and honours the merge mode', async () => {
    const { guest } = await guestWith([{ productId: sku, quantity: 4 }]);
    const customerId = `cust-${Math.random().toString(36).slice(2)}`;
    const customer = new Shopper(h, customerId);
    customer.headers.authorization = `Bearer ${h.tokens.sign(customerId, 'customer', guest.sub)}`;
    expect((await customer.request('POST', `${ORG}/baskets/actions/merge${q}`)).statusCode).toBe(404);
    const created = await customer.request('POST', `${ORG}/baskets/actions/merge${q}&createDestinationBasket=true`);
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json().productItems.map((i: { quantity: number }) => i.quantity)).toEqual([4]);

    const second = await guestWith([{ productId: sku, quantity: 2 }]);
    const highest = await customer.request('POST', `${ORG}/baskets/actions/merge${q}&productItemMergeMode=highest_quantity`, undefined, {
      'x-guest-authorization': second.token,
    });
    expect(highest.json().productItems.map((i: { quantity: number }) => i.quantity)).toEqual([4]);
  });

  it("carries the guest's coupon over and prices it at once", async () => {
    const code = `${h.tag}-GUEST10`;
    expect(
      (
        await h.app.inject({
          method: 'PUT',
          url: `/admin/promotions/${code}`,
          headers: h.adminHeaders,
          payload: { kind: 'coupon', name: 'Guest 10%', site: 'default', discount: { type: 'percentage', value: '10' } },
        })
      ).statusCode,
    ).toBe(200);
    const { guest, id, token } = await guestWith([{ productId: sku, quantity: 2 }]);
    expect((await guest.request('POST', `${ORG}/baskets/${id}/coupons${q}`, { code })).json().couponItems[0].statusCode).toBe('applied');
    const customer = new Shopper(h);
    const merged = (
      await customer.request('POST', `${ORG}/baskets/actions/merge${q}&createDestinationBasket=true`, undefined, { 'x-guest-authorization': token })
    ).json();
    // 2 × 12.50 = 25.00, 10% off → 22.50, in the merge's own answer.
    expect(merged.couponItems).toEqual([expect.objectContaining({ code, statusCode: 'applied' })]);
    expect(merged.productTotal).toBe(22.5);
  });

  it("is not refused when a guest line's units are gone: the line is merged and flashed", async () => {
    const scarce = `${h.tag}-scarce`;
    await seedProducts(h, [{ sku: scarce, price: '1.00', stock: 2 }]);
    const { id, token } = await guestWith([
      { productId: scarce, quantity: 2 },
      { productId: other, quantity: 1 },
    ]);
    // The guest's hold expires and another shopper takes the units.
    await sql`update reservations set expires_at = now() - interval '1 minute' where basket_id = ${id}::uuid and sku = ${scarce}`.execute(h.res.db);
    const rival = new Shopper(h);
    const rivalBasket = (await rival.request('POST', `${ORG}/baskets${q}`, {})).json().basketId as string;
    expect((await rival.request('POST', `${ORG}/baskets/${rivalBasket}/items${q}`, [{ productId: scarce, quantity: 2 }])).statusCode).toBe(200);

    const customer = new Shopper(h);
    const r = await customer.request('POST', `${ORG}/baskets/actions/merge${q}&createDestinationBasket=true`, undefined, { 'x-guest-authorization': token });
    expect(r.statusCode, r.body).toBe(200);
    const doc = r.json();
    expect(doc.productItems.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity])).toEqual([
      [scarce, 2],
      [other, 1],
    ]);
    expect(doc.flash).toContainEqual(expect.objectContaining({ type: 'ProductItemNotAvailable', path: '$.productItems[0]' }));
    expect(await reserved(scarce)).toBe(2);
  });

  it('refuses a bad guest token (401), the caller as its own guest (400), and an unknown merge mode (400)', async () => {
    const customer = new Shopper(h);
    await customer.request('POST', `${ORG}/baskets${q}`, {});
    expect((await customer.request('POST', `${ORG}/baskets/actions/merge${q}`, undefined, { 'x-guest-authorization': 'Bearer nope' })).statusCode).toBe(401);
    expect(
      (await customer.request('POST', `${ORG}/baskets/actions/merge${q}`, undefined, { 'x-guest-authorization': customer.headers.authorization! })).statusCode,
    ).toBe(400);
    expect((await customer.request('POST', `${ORG}/baskets/actions/merge${q}&productItemMergeMode=shuffle`)).statusCode).toBe(400);
  });

  it('keeps reserved equal to the held units under many concurrent merges and guest adds', async () => {
    const before = await reserved(other);
    const pairs = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const g = await guestWith([{ productId: other, quantity: 1 }]);
        const c = new Shopper(h);
        const dest = (await c.request('POST', `${ORG}/baskets${q}`, {})).json().basketId as string;
        await c.request('POST', `${ORG}/baskets/${dest}/items${q}`, [{ productId: other, quantity: 1 }]);
        return { g, c, dest };
      }),
    );
    // Each guest keeps adding while its basket is merged away: every add lands before (and moves) or after (404).
    const results = await Promise.all(
      pairs.flatMap(({ g, c }) => [
        c.request('POST', `${ORG}/baskets/actions/merge${q}`, undefined, { 'x-guest-authorization': g.token }),
        g.guest.request('POST', `${ORG}/baskets/${g.id}/items${q}`, [{ productId: other, quantity: 1 }]),
      ]),
    );
    expect(results.filter((_, i) => i % 2 === 0).map((r) => r.statusCode)).toEqual(Array(12).fill(200));
    const { rows } = await sql<{ reserved: number; held: number }>`
      select s.reserved, (select coalesce(sum(quantity), 0)::int from reservations r where r.stock_list = 'default' and r.sku = s.sku) as held
      from stocks s where s.stock_list = 'default' and s.sku = ${other}`.execute(h.res.db);
    expect(rows[0]!.reserved).toBe(rows[0]!.held);
    // Every unit a guest got held ended up in its customer's basket (guest adds that lost the race got 404).
    const guestAddsApplied = results.filter((_, i) => i % 2 === 1 && results[i]!.statusCode === 200).length;
    let total = 0;
    for (const { c, dest } of pairs) total += (await c.request('GET', `${ORG}/baskets/${dest}${q}`)).json().productItems[0].quantity as number;
    expect(total).toBe(12 * 2 + guestAddsApplied);
    expect(await reserved(other)).toBe(before + total);
  });
});

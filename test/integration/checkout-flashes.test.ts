/**
 * What still blocks checkout (flashes recomputed on every change) and payment instruments: card data
 * kept masked only, unknown methods refused, a withdrawn method flashed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';
import { requestHash } from '../../src/application/ids.js';

let h: Harness;
let sku: string;
let site: string;
let base: string;
beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-pen`;
  site = `${h.tag}-pay`;
  base = `/s/${site}/dw/shop/v23_2/baskets`;
  await seedProducts(h, [{ sku, price: '10.00', tax_rate: '0.2' }]);
  const put = (url: string, payload: object) => h.app.inject({ method: 'PUT', url, headers: h.adminHeaders, payload });
  expect((await put(`/admin/sites/${site}`, { currency: 'USD', price_list: 'default', stock_list: 'default' })).statusCode).toBe(200);
  expect((await put(`/admin/sites/${site}/shipping-methods/std`, { name: 'Standard', price: '5.00', tax_rate: '0.2' })).statusCode).toBe(200);
  expect((await put(`/admin/sites/${site}/payment-methods/CREDIT_CARD`, { name: 'Credit Card', card_types: ['Visa', 'Master Card'] })).statusCode).toBe(200);
  expect((await put(`/admin/sites/${site}/payment-methods/PAYPAL`, { name: 'PayPal' })).statusCode).toBe(200);
});
afterAll(async () => h?.close());

const types = (doc: { flash?: { type: string }[] }) => (doc.flash ?? []).map((f) => f.type);
const address = { first_name: 'Ada', last_name: 'Lovelace', address1: '1 Main St', city: 'Boston', postal_code: '02110', country_code: 'US' };
const card = { card_type: 'Visa', number: '4111111111111111', holder: 'Ada Lovelace', expiration_month: 12, expiration_year: 2030, security_code: '123' };

describe('checkout flashes', () => {
  it('a fresh basket lists everything checkout needs; each goes away once given', async () => {
    const s = new Shopper(h);
    const id = (await s.request('POST', base, {})).json().basket_id as string;
    let doc = (await s.request('GET', `${base}/${id}`)).json();
    expect(types(doc)).toEqual(['ShippingAddressRequired', 'BillingAddressRequired', 'ShippingMethodRequired', 'PaymentMethodRequired', 'OrderTotalNotSet']);
    expect(doc.flash.find((f: { type: string }) => f.type === 'ShippingAddressRequired').path).toBe('$.shipments[0].shipping_address');

    doc = (await s.request('POST', `${base}/${id}/items`, [{ product_id: sku, quantity: 1 }])).json();
    expect(types(doc)).toContain('OrderTotalNotSet');
    doc = (await s.request('PUT', `${base}/${id}/shipments/me/shipping_address`, address)).json();
    expect(types(doc)).not.toContain('ShippingAddressRequired');
    doc = (await s.request('PUT', `${base}/${id}/billing_address`, address)).json();
    expect(types(doc)).toEqual(['ShippingMethodRequired', 'PaymentMethodRequired', 'OrderTotalNotSet']);
    doc = (await s.request('PUT', `${base}/${id}/shipments/me/shipping_method`, { id: 'std' })).json();
    expect(types(doc)).toEqual(['PaymentMethodRequired']);
    doc = (await s.request('POST', `${base}/${id}/payment_instruments`, { payment_method_id: 'PAYPAL' })).json();
    expect(doc.flash).toBeUndefined();
    expect(doc.order_total).toBe(15);
  });

  it('flashes PaymentMethodNotApplicable when the site withdraws the method', async () => {
    const own = `${h.tag}-withdraw`;
    const ownBase = `/s/${own}/dw/shop/v23_2/baskets`;
    const put = (url: string, payload: object) => h.app.inject({ method: 'PUT', url, headers: h.adminHeaders, payload });
    await put(`/admin/sites/${own}`, { currency: 'USD', price_list: 'default', stock_list: 'default' });
    await put(`/admin/sites/${own}/payment-methods/GIFT`, { name: 'Gift' });
    const s = new Shopper(h);
    const id = (await s.request('POST', ownBase, {})).json().basket_id as string;
    await s.request('POST', `${ownBase}/${id}/items`, [{ product_id: sku, quantity: 1 }]);
    expect((await s.request('POST', `${ownBase}/${id}/payment_instruments`, { payment_method_id: 'GIFT' })).statusCode).toBe(200);
    await put(`/admin/sites/${own}/payment-methods/GIFT`, { name: 'Gift', enabled: false });
    const doc = (await s.request('POST', `${ownBase}/${id}/items`, [{ product_id: sku, quantity: 1 }])).json();
    expect(doc.flash).toContainEqual({ _type: 'flash', type: 'PaymentMethodNotApplicable', message: expect.stringContaining('GIFT'), path: '$.payment_instruments[0].payment_method_id' });
    expect(types(doc)).not.toContain('PaymentMethodRequired');
  });
});

describe('catalogue and site changes flash the baskets they touch', () => {
  it('ShippingMethodNotApplicable once the chosen method is removed, ProductItemWithoutPrice once the price list has no price', async () => {
    const own = `${h.tag}-changes`;
    const ownBase = `/s/${own}/dw/shop/v23_2/baskets`;
    const admin = (method: 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) => h.app.inject({ method, url, headers: h.adminHeaders, ...(payload ? { payload } : {}) });
    expect((await admin('PUT', `/admin/sites/${own}`, { currency: 'USD', price_list: 'default', stock_list: 'default' })).statusCode).toBe(200);
    expect((await admin('PUT', `/admin/sites/${own}/shipping-methods/courier`, { name: 'Courier', price: '9.00', tax_rate: '0.2' })).statusCode).toBe(200);
    const s = new Shopper(h);
    const id = (await s.request('POST', ownBase, {})).json().basket_id as string;
    await s.request('POST', `${ownBase}/${id}/items`, [{ product_id: sku, quantity: 1 }]);
    expect((await s.request('PUT', `${ownBase}/${id}/shipments/me/shipping_method`, { id: 'courier' })).json().shipping_total).toBe(9);

    expect((await admin('DELETE', `/admin/sites/${own}/shipping-methods/courier`)).statusCode).toBe(204);
    expect((await admin('DELETE', `/admin/sites/${own}/shipping-methods/courier`)).statusCode).toBe(404);
    expect((await admin('POST', '/admin/baskets/recalculate', { sites: [own] })).statusCode).toBe(202);
    let doc = await eventually(async () => {
      const d = (await s.request('GET', `${ownBase}/${id}`)).json();
      return types(d).includes('ShippingMethodNotApplicable') ? d : undefined;
    });
    expect(doc.flash).toContainEqual({ _type: 'flash', type: 'ShippingMethodNotApplicable', message: expect.stringContaining('courier'), path: '$.shipments[0].shipping_method' });
    expect(types(doc)).toContain('OrderTotalNotSet');
    expect(doc.shipping_total).toBe(0);

    // The site moves to a price list without this product: the line counts in no total.
    expect((await admin('PUT', `/admin/price-lists/${own}-empty`, { currency: 'USD', prices: [] })).statusCode).toBe(200);
    expect((await admin('PUT', `/admin/sites/${own}`, { currency: 'USD', price_list: `${own}-empty`, stock_list: 'default' })).statusCode).toBe(200);
    expect((await admin('POST', '/admin/baskets/recalculate', { sites: [own] })).statusCode).toBe(202);
    doc = await eventually(async () => {
      const d = (await s.request('GET', `${ownBase}/${id}`)).json();
      return types(d).includes('ProductItemWithoutPrice') ? d : undefined;
    });
    expect(doc.flash).toContainEqual({ _type: 'flash', type: 'ProductItemWithoutPrice', message: expect.stringContaining(sku), path: '$.product_items[0]' });
    expect([doc.product_total, doc.order_total, doc.tax_total]).toEqual([0, 0, 0]);
  });
});

describe('payment instruments', () => {
  it('keeps a card masked: the number and security code are never stored or shown', async () => {
    const s = new Shopper(h);
    const id = (await s.request('POST', base, {})).json().basket_id as string;
    const r = await s.request('POST', `${base}/${id}/payment_instruments`, { payment_method_id: 'CREDIT_CARD', amount: 10, payment_card: card });
    expect(r.statusCode, r.body).toBe(200);
    const [pi] = r.json().payment_instruments;
    expect(pi).toEqual({
      _type: 'order_payment_instrument',
      payment_instrument_id: expect.any(String),
      payment_method_id: 'CREDIT_CARD',
      amount: 10,
      payment_card: { _type: 'payment_card', card_type: 'Visa', holder: 'Ada Lovelace', masked_number: '************1111', number_last_digits: '1111', expiration_month: 12, expiration_year: 2030 },
    });
    const stored = await h.res.db.selectFrom('baskets').select(['checkout', 'snapshot']).where('id', '=', id).executeTakeFirstOrThrow();
    // The stored documents too (the basket's current one is its record's `result`).
    const mutations = await h.res.db.selectFrom('mutations').select(['payload', 'result']).where('basket_id', '=', id).execute();
    const everything = JSON.stringify([stored, mutations]);
    expect(everything).not.toContain('4111111111111111');
    expect(everything).not.toContain('"123"');

    const removed = await s.request('DELETE', `${base}/${id}/payment_instruments/${pi.payment_instrument_id}`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().payment_instruments).toEqual([]);

    // With an Idempotency-Key the request's hash is stored: it is taken over the masked card, so it
    // cannot be searched for the number offline.
    const keyed = await s.request('POST', `${base}/${id}/payment_instruments`, { payment_method_id: 'CREDIT_CARD', payment_card: card }, { 'idempotency-key': `pay-${id}` });
    expect(keyed.statusCode).toBe(200);
    const record = await h.res.db.selectFrom('mutations').select('request_hash').where('basket_id', '=', id).where('idempotency_key', '=', `pay-${id}`).executeTakeFirstOrThrow();
    const rawHash = requestHash('POST', '/baskets/:basket_id/payment_instruments', { params: { site_id: site, basket_id: id }, body: { payment_method_id: 'CREDIT_CARD', payment_card: card } });
    expect(record.request_hash).not.toBe(rawHash);
    const values: unknown[] = [];
    for (const k of await h.res.redis.keys(`${h.tag}:*`)) {
      const type = await h.res.redis.type(k);
      if (type === 'string') values.push(await h.res.redis.get(k));
      if (type === 'hash') values.push(await h.res.redis.hgetall(k));
    }
    const ticket = JSON.stringify(values);
    expect(ticket).not.toContain('4111111111111111');
    expect(ticket).not.toContain(rawHash);

  });

  it('lists the applicable payment methods', async () => {
    const s = new Shopper(h);
    const id = (await s.request('POST', base, {})).json().basket_id as string;
    const r = await s.request('GET', `${base}/${id}/payment_methods`);
    expect(r.statusCode).toBe(200);
    expect(r.json().applicable_payment_methods).toEqual([
      { _type: 'payment_method', id: 'CREDIT_CARD', name: 'Credit Card', cards: [{ _type: 'payment_card_spec', card_type: 'Visa', name: 'Visa' }, { _type: 'payment_card_spec', card_type: 'Master Card', name: 'Master Card' }] },
      { _type: 'payment_method', id: 'PAYPAL', name: 'PayPal' },
    ]);
  });

  it.each([
    ['an unknown method', { payment_method_id: 'BITCOIN' }, 'InvalidPaymentMethodIdException'],
    ['a card type the method does not take', { payment_method_id: 'CREDIT_CARD', payment_card: { ...card, card_type: 'Amex' } }, 'InvalidPaymentMethodIdException'],
    ['a malformed card number', { payment_method_id: 'CREDIT_CARD', payment_card: { ...card, number: '4111-1111' } }, 'PropertyConstraintViolationException'],
    ['an unknown property', { payment_method_id: 'PAYPAL', colour: 'red' }, 'PropertyConstraintViolationException'],
    ['an amount finer than the currency', { payment_method_id: 'PAYPAL', amount: '10.005' }, 'InvalidPaymentAmountException'],
  ])('refuses %s with 400 and changes nothing', async (_what, body, fault) => {
    const s = new Shopper(h);
    const id = (await s.request('POST', base, {})).json().basket_id as string;
    const r = await s.request('POST', `${base}/${id}/payment_instruments`, body);
    expect(r.statusCode).toBe(400);
    expect(r.json().fault.type).toBe(fault);
    const doc = (await s.request('GET', `${base}/${id}`)).json();
    expect(doc.payment_instruments).toEqual([]);
    expect(r.body).not.toContain('4111');
  });

  it('answers 404 for an unknown payment instrument id', async () => {
    const s = new Shopper(h);
    const id = (await s.request('POST', base, {})).json().basket_id as string;
    const r = await s.request('DELETE', `${base}/${id}/payment_instruments/nope`);
    expect(r.statusCode).toBe(404);
    expect(r.json().fault.type).toBe('PaymentInstrumentNotFoundException');
  });
});

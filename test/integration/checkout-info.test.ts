/** OCAPI checkout information on a basket: customer, billing address, the default shipment's address. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const address = { first_name: 'Ada', last_name: 'Lovelace', address1: '12 Analytical St', city: 'London', postal_code: 'N1 9GU', country_code: 'GB', c_door_code: '42' };

describe('checkout information', () => {
  it('stores the customer, the billing address and the shipping address, each a new version', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const c = await s.request('PUT', `${OCAPI}/baskets/${id}/customer`, { email: 'ada@example.com', customer_no: 'C-1' });
    expect(c.statusCode).toBe(200);
    expect(c.json().customer_info).toEqual({ _type: 'customer_info', customer_id: s.sub, email: 'ada@example.com', customer_no: 'C-1' });
    const b = await s.request('PUT', `${OCAPI}/baskets/${id}/billing_address`, address);
    expect(b.json().billing_address).toEqual({ _type: 'order_address', ...address });
    const sh = await s.request('PUT', `${OCAPI}/baskets/${id}/shipments/me/shipping_address`, { ...address, city: 'Paris', country_code: 'FR' });
    expect(sh.headers.etag).toBe('"4"');
    expect(sh.json().shipments[0]).toMatchObject({ shipment_id: 'me', shipping_address: { city: 'Paris', country_code: 'FR' } });
    // Read back through the cache and, with the cache gone, from PostgreSQL.
    await h.res.redis.del(h.res.cache.key(id));
    const doc = (await s.get(id)).json();
    expect(doc.billing_address.city).toBe('London');
    expect(doc.customer_info.email).toBe('ada@example.com');
  });

  it('use_as_billing / use_as_shipping set the other address too; without them it is left alone', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const paris = { ...address, city: 'Paris', country_code: 'FR' };
    let doc = (await s.request('PUT', `${OCAPI}/baskets/${id}/shipments/me/shipping_address?use_as_billing=true`, paris)).json();
    expect([doc.shipments[0].shipping_address.city, doc.billing_address.city]).toEqual(['Paris', 'Paris']);
    doc = (await s.request('PUT', `${OCAPI}/baskets/${id}/billing_address`, address)).json();
    expect([doc.shipments[0].shipping_address.city, doc.billing_address.city]).toEqual(['Paris', 'London']);
    doc = (await s.request('PUT', `${OCAPI}/baskets/${id}/billing_address?use_as_shipping=true`, address)).json();
    expect([doc.shipments[0].shipping_address.city, doc.billing_address.city]).toEqual(['London', 'London']);
  });

  it('merges a partial address with what is there; an incomplete one still blocks checkout', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const flashTypes = (d: { flash?: { type: string }[] }) => (d.flash ?? []).map((f) => f.type);
    // PWA Kit's one-click checkout sends a guest's phone alone first.
    let doc = (await s.request('PUT', `${OCAPI}/baskets/${id}/billing_address`, { phone: '+44 20 7946 0000' })).json();
    expect(doc.billing_address).toEqual({ _type: 'order_address', phone: '+44 20 7946 0000' });
    expect(flashTypes(doc)).toContain('BillingAddressRequired');
    doc = (await s.request('PUT', `${OCAPI}/baskets/${id}/billing_address`, address)).json();
    expect(doc.billing_address).toEqual({ _type: 'order_address', ...address, phone: '+44 20 7946 0000' });
    expect(flashTypes(doc)).not.toContain('BillingAddressRequired');
    // A later partial change keeps the rest.
    doc = (await s.request('PUT', `${OCAPI}/baskets/${id}/billing_address`, { city: 'Cambridge' })).json();
    expect(doc.billing_address).toEqual({ _type: 'order_address', ...address, city: 'Cambridge', phone: '+44 20 7946 0000' });
  });

  it('replaces the customer information as a whole', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.request('PUT', `${OCAPI}/baskets/${id}/customer`, { email: 'a@example.com', customer_no: 'C-2' });
    const r = (await s.request('PUT', `${OCAPI}/baskets/${id}/customer`, { email: 'b@example.com' })).json();
    expect(r.customer_info).toEqual({ _type: 'customer_info', customer_id: s.sub, email: 'b@example.com' });
  });

  it.each([
    ['an invalid email', 'customer', { email: 'not-an-email' }, 400],
    ['an unknown customer property', 'customer', { email: 'a@example.com', vip: true }, 400],
    ['an address with an empty city', 'billing_address', { address1: 'x', city: '', country_code: 'GB' }, 400],
    ['a lower-case country code', 'billing_address', { ...address, country_code: 'gb' }, 400],
    ['an unknown shipment', 'shipments/second/shipping_address', address, 404],
  ] as const)('refuses %s and changes nothing', async (_name, path, body, status) => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const r = await s.request('PUT', `${OCAPI}/baskets/${id}/${path}`, body);
    expect(r.statusCode).toBe(status);
    expect(r.json().fault.type).toEqual(expect.any(String));
    expect((await s.get(id)).headers.etag).toBe('"1"');
  });

  it("is 404 for another customer's basket", async () => {
    const owner = new Shopper(h);
    const id = await owner.createBasket();
    const r = await new Shopper(h).request('PUT', `${OCAPI}/baskets/${id}/billing_address`, address);
    expect(r.statusCode).toBe(404);
  });
});

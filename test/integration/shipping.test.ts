/** Shipping methods: admin feed, choosing one for the default shipment, totals and the applicable list. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
let std: string;
let express: string;
beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-lamp`;
  std = `${h.tag}-std`;
  express = `${h.tag}-express`;
  await seedProducts(h, [{ sku, price: '40.00', tax_rate: '0.2' }]);
  for (const [id, body] of [
    [std, { name: 'Standard', price: '4.99', tax_rate: '0.2', free_over: '100' }],
    [express, { name: 'Express', price: '12.00', tax_rate: '0.2' }],
  ] as const) {
    const r = await h.app.inject({ method: 'PUT', url: `/admin/sites/default/shipping-methods/${id}`, headers: h.adminHeaders, payload: body });
    expect(r.statusCode).toBe(200);
  }
});
afterAll(async () => h?.close());

describe('shipping', () => {
  it('prices the chosen method into the totals, and makes it free over the threshold', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    const r = await s.request('PUT', `${OCAPI}/baskets/${id}/shipments/me/shipping_method`, { id: std });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.shipments[0].shipping_method).toEqual({ _type: 'shipping_method', id: std, name: 'Standard', price: 4.99 });
    // Gross: 40.00 + 4.99 = 44.99; tax 6.666… → 6.67 and 0.8316… → 0.83 = 7.50
    expect(doc.shipping_total).toBe(4.99);
    expect(doc.shipping_total_tax).toBe(0.83);
    expect(doc.tax_total).toBe(7.5);
    expect(doc.order_total).toBe(44.99);
    expect(doc.shipping_items).toHaveLength(1);
    // 3 × 40 = 120 ≥ 100: Standard becomes free.
    const more = (await s.addItems(id, [{ product_id: sku, quantity: 2 }])).json();
    expect(more.shipping_total).toBe(0);
    expect(more.order_total).toBe(120);
  });

  it('re-prices baskets of a site after its shipping method changed, on a site recalculation', async () => {
    // A site of its own, so the site-wide recalculation touches no other test's baskets.
    const site = `${h.tag}-site`;
    const admin = (url: string, payload: object, method: 'PUT' | 'POST' = 'PUT') => h.app.inject({ method, url, headers: h.adminHeaders, payload });
    expect((await admin(`/admin/sites/${site}`, { currency: 'USD', price_list: 'default', stock_list: 'default' })).statusCode).toBe(200);
    expect((await admin(`/admin/sites/${site}/shipping-methods/courier`, { name: 'Courier', price: '12.00', tax_rate: '0.2' })).statusCode).toBe(200);
    const s = new Shopper(h);
    const base = `/s/${site}/dw/shop/v23_2/baskets`;
    const id = (await s.request('POST', base, {})).json().basket_id as string;
    await s.request('POST', `${base}/${id}/items`, [{ product_id: sku, quantity: 1 }]);
    expect((await s.request('PUT', `${base}/${id}/shipments/me/shipping_method`, { id: 'courier' })).json().shipping_total).toBe(12);
    expect((await admin(`/admin/sites/${site}/shipping-methods/courier`, { name: 'Courier', price: '15.00', tax_rate: '0.2' })).statusCode).toBe(200);
    expect((await admin('/admin/baskets/recalculate', { sites: [site] }, 'POST')).statusCode).toBe(202);
    const doc = await eventually<{ shipping_total: number; order_total: number }>(async () => {
      const d = (await s.request('GET', `${base}/${id}`)).json();
      return d.shipping_total === 15 ? d : undefined;
    });
    expect(doc.order_total).toBe(55);
  });

  it('lists the applicable methods with their price for this basket', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 3 }]);
    const r = await s.request('GET', `${OCAPI}/baskets/${id}/shipments/me/shipping_methods`);
    expect(r.statusCode).toBe(200);
    const mine = (r.json().applicable_shipping_methods as { id: string; price: number }[]).filter((m) => m.id === std || m.id === express);
    expect(mine).toEqual([
      { _type: 'shipping_method', id: express, name: 'Express', price: 12 },
      { _type: 'shipping_method', id: std, name: 'Standard', price: 0 },
    ]);
    expect(r.body).toContain('"price":12.00');
  });

  it('refuses an unknown method (400) or shipment (404), changing nothing', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const unknown = await s.request('PUT', `${OCAPI}/baskets/${id}/shipments/me/shipping_method`, { id: 'nope' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().fault.type).toBe('ShippingMethodNotFoundException');
    expect((await s.request('PUT', `${OCAPI}/baskets/${id}/shipments/other/shipping_method`, { id: std })).statusCode).toBe(404);
    expect((await s.get(id)).headers.etag).toBe('"1"');
  });

  it('answers 404 for a method of an unknown site, and 400 for a bad body', async () => {
    expect((await h.app.inject({ method: 'PUT', url: '/admin/sites/nosite/shipping-methods/x', headers: h.adminHeaders, payload: { name: 'X', price: '1', tax_rate: '0.1' } })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'PUT', url: `/admin/sites/default/shipping-methods/${std}`, headers: h.adminHeaders, payload: { name: 'X', price: '-1', tax_rate: '0.1' } })).statusCode).toBe(400);
  });
});

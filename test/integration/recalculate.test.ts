/** Catalogue changes reach baskets: POST /admin/baskets/recalculate re-prices baskets through their lanes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, seedProducts, Shopper, startHarness, type Harness, itemFlashes } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe('POST /admin/baskets/recalculate', () => {
  it('re-prices every active basket holding the SKUs, and only those', async () => {
    const sku = `${h.tag}-mug`;
    const other = `${h.tag}-tea`;
    await seedProducts(h, [{ sku, price: '10.00' }, { sku: other, price: '3.00' }]);
    const s = new Shopper(h);
    const holding = await s.createBasket();
    const notHolding = await s.createBasket();
    const reservedBefore = (await s.addItems(holding, [{ product_id: sku, quantity: 2 }])).json().inventory_reservation_expiry;
    await s.addItems(notHolding, [{ product_id: other, quantity: 1 }]);

    const price = await h.app.inject({ method: 'PUT', url: '/admin/price-lists/default', headers: h.adminHeaders, payload: { currency: 'USD', prices: [{ sku, price: '12.50' }] } });
    expect(price.statusCode).toBe(200);
    // Nothing changes until a recalculation: the basket shows the price it was computed with.
    expect((await s.get(holding)).json().product_total).toBe(20);

    const r = await h.app.inject({ method: 'POST', url: '/admin/baskets/recalculate', headers: h.adminHeaders, payload: { skus: [sku] } });
    expect(r.statusCode).toBe(202);
    expect(r.json().enqueued).toBeGreaterThanOrEqual(1);
    const doc = await eventually<{ product_total: number; inventory_reservation_expiry: string | null }>(async () => {
      const d = await s.get(holding);
      return d.headers.etag === '"3"' ? d.json() : undefined;
    });
    expect(doc.product_total).toBe(25);
    // Not a shopper change: the holding's expiry is not extended.
    expect(doc.inventory_reservation_expiry).toBe(reservedBefore);
    expect((await s.get(notHolding)).headers.etag).toBe('"2"');
  });

  it('flashes a basket whose product went offline, and releases nothing', async () => {
    const sku = `${h.tag}-gone`;
    await seedProducts(h, [{ sku, price: '5.00', stock: 10 }]);
    const s = new Shopper(h);
    const id = await s.createBasket();
    await s.addItems(id, [{ product_id: sku, quantity: 1 }]);
    await h.app.inject({ method: 'PUT', url: '/admin/products', headers: h.adminHeaders, payload: { products: [{ sku, name: sku, tax_rate: '0.2', online: false }] } });
    await h.app.inject({ method: 'POST', url: '/admin/baskets/recalculate', headers: h.adminHeaders, payload: { skus: [sku] } });
    const doc = await eventually(async () => {
      const d = (await s.get(id)).json();
      return itemFlashes(d).length ? d : undefined;
    });
    expect(itemFlashes(doc).map((f) => f.type)).toEqual(['InvalidProductItem']);
    expect(doc.product_total).toBe(0);
  });

  it('refuses an empty SKU list', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/admin/baskets/recalculate', headers: h.adminHeaders, payload: { skus: [] } });
    expect(r.statusCode).toBe(400);
  });
});

/** Agents' manual price adjustments (product and order level), and what customers may not do. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness, itemFlashes } from '../support/harness.js';

let h: Harness;
let a: string;
let b: string;
beforeAll(async () => {
  h = await startHarness();
  a = `${h.tag}-a`;
  b = `${h.tag}-b`;
  await seedProducts(h, [{ sku: a, price: '10.00', tax_rate: '0.2' }, { sku: b, price: '20.00', tax_rate: '0.2' }]);
});
afterAll(async () => h?.close());

const url = (id: string, adj = '') => `${OCAPI}/baskets/${id}/price_adjustments${adj ? `/${adj}` : ''}`;

describe('manual price adjustments', () => {
  it('takes item and order discounts off, spreads the order one over lines, and taxes what is left', async () => {
    const customer = new Shopper(h);
    const agent = new Shopper(h, 'agent-adj', 'agent');
    const id = await customer.createBasket();
    const items = (await customer.addItems(id, [{ product_id: a, quantity: 1 }, { product_id: b, quantity: 1 }])).json().product_items;
    // 10% off the first line: 10.00 → 9.00
    const r1 = await agent.request('POST', url(id), { level: 'product', item_id: items[0].item_id, discount: { type: 'percentage', value: 10 }, reason_code: 'GOODWILL' });
    expect(r1.statusCode).toBe(200);
    const line = r1.json().product_items[0];
    expect(line.price_after_item_discount).toBe(9);
    expect(line.price_adjustments).toEqual([
      expect.objectContaining({ _type: 'price_adjustment', price: -1, manual: true, reason_code: 'GOODWILL', applied_discount: { _type: 'discount', type: 'percentage', percentage: 10 } }),
    ]);
    // 1.00 off the order: subtotal 29.00 → 28.00, spread 9 : 20 → 0.31 and 0.69
    const r2 = (await agent.request('POST', url(id), { level: 'order', discount: { type: 'amount', value: '1.00' } })).json();
    expect(r2.product_sub_total).toBe(29);
    expect(r2.product_total).toBe(28);
    expect(r2.order_price_adjustments[0].price).toBe(-1);
    expect(r2.product_items.map((i: { price_after_order_discount: number }) => i.price_after_order_discount)).toEqual([8.69, 19.31]);
    // Gross tax after discounts: 8.69 → 1.448… → 1.45; 19.31 → 3.218… → 3.22; before discounts 1.67 + 3.33 = 5.00
    expect(r2.tax_total).toBe(4.67);
    expect(r2.merchandize_total_tax).toBe(5);
    expect(r2.adjusted_merchandize_total_tax).toBe(4.67);
  });

  it('holds a line at zero and flashes it when adjustments would take it below', async () => {
    const agent = new Shopper(h, 'agent-zero', 'agent');
    const id = await agent.createBasket();
    const item = (await agent.addItems(id, [{ product_id: a, quantity: 1 }])).json().product_items[0].item_id;
    const doc = (await agent.request('POST', url(id), { level: 'product', item_id: item, discount: { type: 'amount', value: 15 } })).json();
    expect(doc.product_items[0].price_after_item_discount).toBe(0);
    expect(itemFlashes(doc)).toEqual([expect.objectContaining({ type: 'ProductItemAdjustedPriceLessThanZero', path: '$.product_items[0]' })]);
    expect(doc.order_total).toBe(0);
  });

  it('changes and removes an adjustment; a fixed price sets the unit price', async () => {
    const agent = new Shopper(h, 'agent-fix', 'agent');
    const id = await agent.createBasket();
    const item = (await agent.addItems(id, [{ product_id: b, quantity: 2 }])).json().product_items[0].item_id;
    const added = (await agent.request('POST', url(id), { level: 'product', item_id: item, discount: { type: 'fixed_price', value: '15.00' }, c_ticket: 'T-1', c_note: 'x' })).json();
    // 2 × 20.00 at a fixed 15.00 each → 30.00
    expect(added.product_items[0].price_after_item_discount).toBe(30);
    expect(added.product_items[0].price_adjustments[0]).toMatchObject({ c_ticket: 'T-1', c_note: 'x' });
    const adj = added.product_items[0].price_adjustments[0].price_adjustment_id as string;
    const changed = (await agent.request('PATCH', url(id, adj), { discount: { type: 'percentage', value: 50 }, c_note: null })).json();
    expect(changed.product_items[0].price_after_item_discount).toBe(20);
    // Custom properties kept on the adjustment; a null removes one.
    expect(changed.product_items[0].price_adjustments[0].c_ticket).toBe('T-1');
    expect(changed.product_items[0].price_adjustments[0]).not.toHaveProperty('c_note');
    const removed = await agent.request('DELETE', url(id, adj));
    expect(removed.json().product_items[0].price_adjustments).toEqual([]);
    expect((await agent.request('DELETE', url(id, adj))).statusCode).toBe(404);
  });

  it('is forbidden to customers (403) and changes nothing', async () => {
    const customer = new Shopper(h);
    const id = await customer.createBasket();
    const r = await customer.request('POST', url(id), { level: 'order', discount: { type: 'percentage', value: 50 } });
    expect(r.statusCode).toBe(403);
    expect(r.json().fault.type).toBe('AccessWithoutPermissionException');
    expect((await customer.get(id)).headers.etag).toBe('"1"');
  });

  it.each([
    ['a percentage over 100', { level: 'order', discount: { type: 'percentage', value: 120 } }],
    ['a negative amount', { level: 'order', discount: { type: 'amount', value: -1 } }],
    ['a product level without item_id', { level: 'product', discount: { type: 'amount', value: 1 } }],
    ['an unknown discount type', { level: 'order', discount: { type: 'bogo', value: 1 } }],
  ])('refuses %s with 400', async (_name, body) => {
    const agent = new Shopper(h, 'agent-bad', 'agent');
    const id = await agent.createBasket();
    expect((await agent.request('POST', url(id), body)).statusCode).toBe(400);
    expect((await agent.get(id)).headers.etag).toBe('"1"');
  });

  it("drops a line's adjustments with the line", async () => {
    const agent = new Shopper(h, 'agent-drop', 'agent');
    const id = await agent.createBasket();
    const item = (await agent.addItems(id, [{ product_id: a, quantity: 1 }])).json().product_items[0].item_id;
    await agent.request('POST', url(id), { level: 'product', item_id: item, discount: { type: 'amount', value: 1 } });
    await agent.request('DELETE', `${OCAPI}/baskets/${id}/items/${item}`);
    const doc = (await agent.addItems(id, [{ product_id: a, quantity: 1 }])).json();
    expect(doc.product_items[0].price_adjustments).toEqual([]);
    expect(doc.product_total).toBe(10);
  });
});

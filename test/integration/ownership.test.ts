/** A customer reaches only its own baskets: every other basket answers 404 as if absent. Agents reach all. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
beforeAll(async () => {
  h = await startHarness();
  sku = `${h.tag}-mug`;
  await seedProducts(h, [{ sku, price: '12.00' }]);
});
afterAll(async () => h?.close());

describe("another customer's basket", () => {
  it('answers 404 for read, write, delete and mutation status, and changes nothing', async () => {
    const owner = new Shopper(h);
    const intruder = new Shopper(h);
    const id = await owner.createBasket();
    const added = await owner.addItems(id, [{ product_id: sku, quantity: 1 }], { prefer: 'respond-async' });
    const location = added.headers.location as string;
    const item = (await owner.get(id)).json().product_items?.[0]?.item_id ?? 'x';

    const attempts = [
      await intruder.get(id),
      await intruder.addItems(id, [{ product_id: sku, quantity: 1 }]),
      await intruder.setQuantity(id, item, 5),
      await intruder.request('DELETE', `${OCAPI}/baskets/${id}/items/${item}`),
      await intruder.request('DELETE', `${OCAPI}/baskets/${id}`),
    ];
    for (const r of attempts) {
      expect(r.statusCode).toBe(404);
      expect(r.json().fault.type).toBe('BasketNotFoundException');
    }
    expect((await intruder.request('GET', location)).statusCode).toBe(404);
    expect((await owner.request('GET', location)).statusCode).toBe(200);
    const doc = (await owner.get(id)).json();
    expect(doc.product_items[0].quantity).toBe(1);
  });

  it('is the same 404 as a basket that does not exist', async () => {
    const s = new Shopper(h);
    const missing = await s.get('7b0c3a55-0000-4000-8000-000000000000');
    const malformed = await s.get('not-a-uuid');
    expect(missing.statusCode).toBe(404);
    expect(malformed.statusCode).toBe(404);
    expect(missing.json().fault.type).toBe('BasketNotFoundException');
  });

  it('is reachable by an agent, who may change it', async () => {
    const owner = new Shopper(h);
    const agent = new Shopper(h, 'agent-1', 'agent');
    const id = await owner.createBasket();
    expect((await agent.get(id)).statusCode).toBe(200);
    const r = await agent.addItems(id, [{ product_id: sku, quantity: 2 }]);
    expect(r.statusCode).toBe(200);
    expect((await owner.get(id)).json().product_items[0].quantity).toBe(2);
  });

  it('is not reachable through another site', async () => {
    const owner = new Shopper(h);
    const id = await owner.createBasket();
    expect((await owner.request('GET', `/s/other-site/dw/shop/v23_2/baskets/${id}`)).statusCode).toBe(404);
  });
});

describe('identity', () => {
  it('answers 401 without a valid token', async () => {
    const r = await h.app.inject({ method: 'POST', url: `${OCAPI}/baskets`, payload: {} });
    expect(r.statusCode).toBe(401);
    expect(r.json().fault.type).toBe('InvalidAccessTokenException');
    const forged = await h.app.inject({ method: 'POST', url: `${OCAPI}/baskets`, payload: {}, headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(forged.statusCode).toBe(401);
  });

  it('issues guest tokens that own the baskets they create', async () => {
    const g = (await h.app.inject({ method: 'POST', url: '/auth/guest' })).json();
    expect(g).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number), customer_id: expect.stringMatching(/^guest-/) });
    const created = await h.app.inject({ method: 'POST', url: `${OCAPI}/baskets`, payload: {}, headers: { authorization: `Bearer ${g.access_token}` } });
    expect(created.statusCode).toBe(200);
    expect(created.json().customer_info.customer_id).toBe(g.customer_id);
  });

  it('protects the admin feed with ADMIN_TOKEN (Bearer or Basic)', async () => {
    const url = `/admin/stock-lists/default/${sku}`;
    expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url, headers: new Shopper(h).headers })).statusCode).toBe(401);
    const basic = Buffer.from(`admin:${h.config.ADMIN_TOKEN}`).toString('base64');
    expect((await h.app.inject({ method: 'GET', url, headers: { authorization: `Basic ${basic}` } })).statusCode).not.toBe(401);
    const r = await h.app.inject({ method: 'GET', url: '/admin/products', headers: {} });
    expect(r.headers['content-type']).toContain('application/problem+json');
  });
});

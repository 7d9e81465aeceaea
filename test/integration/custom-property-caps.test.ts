/**
 * Custom properties (c_*) are capped per basket and per product line, in count and bytes: the request
 * that would outgrow a cap gets a clear 400 in its dialect and changes nothing; removing still works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
const ORG = '/checkout/shopper-baskets/v1/organizations/f_ecom_test';
beforeAll(async () => {
  h = await startHarness({ MAX_CUSTOM_PROPERTIES: '5', MAX_CUSTOM_PROPERTY_BYTES: '300' });
  sku = `${h.tag}-cap`;
  await seedProducts(h, [{ sku, price: '3.00' }]);
});
afterAll(async () => h?.close());

const props = (from: number, n: number, value = 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c_p${from + i}`, value]));

describe('custom properties on a basket', () => {
  it('stop growing at MAX_CUSTOM_PROPERTIES and MAX_CUSTOM_PROPERTY_BYTES, with a 400 that changes nothing', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const patch = (body: object) => s.request('PATCH', `${OCAPI}/baskets/${id}`, body);
    expect((await patch(props(0, 3))).statusCode).toBe(200);
    expect((await patch(props(3, 2))).statusCode).toBe(200);
    const version = (await s.get(id)).headers.etag;

    // One more key, one request at a time: 200 such PATCHes never grow the document.
    for (let i = 0; i < 20; i++) {
      const r = await patch({ [`c_more${i}`]: 'x' });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().fault).toMatchObject({ type: 'PropertyConstraintViolationException', message: expect.stringMatching(/at most 5 are allowed/) });
    }
    // Too many bytes with the same keys.
    const big = await patch({ c_p0: 'x'.repeat(400) });
    expect(big.statusCode).toBe(400);
    expect(big.json().fault.message).toMatch(/at most 300 are allowed/);
    expect((await s.get(id)).headers.etag).toBe(version);

    // Replacing a value within the bounds and removing keys still work; then there is room again.
    expect((await patch({ c_p0: 'w' })).statusCode).toBe(200);
    expect((await patch({ c_p0: null, c_p1: null })).statusCode).toBe(200);
    expect((await patch({ c_new: 'ok' })).statusCode).toBe(200);

    // SCAPI: the same cap in its own problem document.
    const scapi = await s.request('PATCH', `${ORG}/baskets/${id}?siteId=default`, props(10, 3));
    expect(scapi.statusCode, scapi.body).toBe(400);
    expect(scapi.json()).toMatchObject({ title: expect.any(String), detail: expect.stringMatching(/custom properties/) });
    expect(scapi.headers['content-type']).toMatch(/problem\+json/);
  });
});

describe('custom properties on a product line', () => {
  it('are capped per line, also when a repeated add merges them', async () => {
    const s = new Shopper(h);
    const id = await s.createBasket();
    const tooMany = await s.addItems(id, [{ product_id: sku, quantity: 1, ...props(0, 6) } as never]);
    expect(tooMany.statusCode, tooMany.body).toBe(400);
    expect(tooMany.json().fault.type).toBe('PropertyConstraintViolationException');
    expect((await s.addItems(id, [{ product_id: sku, quantity: 1, ...props(0, 3) } as never])).statusCode).toBe(200);
    const merged = await s.addItems(id, [{ product_id: sku, quantity: 1, ...props(3, 3) } as never]);
    expect(merged.statusCode).toBe(400);
    expect(merged.json().fault.message).toMatch(/Product item .* would hold 6 custom properties/);
    const doc = (await s.get(id)).json();
    expect(doc.product_items[0].quantity).toBe(1);
    expect(doc.product_items[0].c_p3).toBeUndefined();
  });
});

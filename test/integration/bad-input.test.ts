/** Bad input gets a clear 4xx in the dialect's error format and changes nothing (README "Invariants" 6). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCAPI, seedProducts, Shopper, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let sku: string;
let offline: string;
let unpriced: string;
beforeAll(async () => {
  h = await startHarness({ MAX_LINE_QUANTITY: '999', MAX_LINES: '50', BODY_LIMIT_BYTES: '4096' });
  sku = `${h.tag}-lamp`;
  offline = `${h.tag}-offline`;
  unpriced = `${h.tag}-unpriced`;
  await seedProducts(h, [{ sku, price: '30.00' }, { sku: offline, price: '1.00', online: false }]);
  const r = await h.app.inject({ method: 'PUT', url: '/admin/products', headers: h.adminHeaders, payload: { products: [{ sku: unpriced, name: 'x', tax_rate: '0.1' }] } });
  expect(r.statusCode).toBe(200);
});
afterAll(async () => h?.close());

async function basketWithOneLine(s: Shopper) {
  const id = await s.createBasket();
  const item = (await s.addItems(id, [{ product_id: sku, quantity: 2 }])).json().product_items[0].item_id as string;
  return { id, item };
}

const raw = (s: Shopper, url: string, body: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, headers: { ...s.headers, 'content-type': 'application/json', ...headers }, payload: body });

describe('bad writes to a basket', () => {
  const cases: [string, (s: Shopper, id: string, item: string) => Promise<{ statusCode: number; json(): any }>, number, string][] = [
    ['malformed JSON', (s, id) => raw(s, `${OCAPI}/baskets/${id}/items`, '[{"product_id":'), 400, 'MalformedDocumentException'],
    ['an empty JSON body where one is required', (s, id) => raw(s, `${OCAPI}/baskets/${id}/items`, ''), 400, 'PropertyConstraintViolationException'],
    ['prototype poisoning', (s, id) => raw(s, `${OCAPI}/baskets/${id}/items`, '[{"product_id":"x","quantity":1,"__proto__":{"admin":true}}]'), 400, 'MalformedDocumentException'],
    ['a quantity of the wrong type', (s, id) => s.addItems(id, [{ product_id: sku, quantity: '2' as never }]), 400, 'PropertyConstraintViolationException'],
    ['a fractional quantity', (s, id) => s.addItems(id, [{ product_id: sku, quantity: 1.5 }]), 400, 'PropertyConstraintViolationException'],
    ['a zero quantity on add', (s, id) => s.addItems(id, [{ product_id: sku, quantity: 0 }]), 400, 'PropertyConstraintViolationException'],
    ['a quantity over the line limit', (s, id) => s.addItems(id, [{ product_id: sku, quantity: 1000 }]), 400, 'PropertyConstraintViolationException'],
    ['a sum over the line limit', (s, id) => s.addItems(id, [{ product_id: sku, quantity: 998 }]), 400, 'InvalidProductItemQuantityException'],
    ['an empty item list', (s, id) => s.addItems(id, []), 400, 'PropertyConstraintViolationException'],
    ['a body that is not an array', (s, id) => s.request('POST', `${OCAPI}/baskets/${id}/items`, { product_id: sku, quantity: 1 }), 400, 'PropertyConstraintViolationException'],
    ['an unknown property', (s, id) => s.addItems(id, [{ product_id: sku, quantity: 1, colour: 'red' } as never]), 400, 'PropertyConstraintViolationException'],
    ['an unknown product', (s, id) => s.addItems(id, [{ product_id: `${h.tag}-nope`, quantity: 1 }]), 400, 'ProductNotFoundException'],
    ['an offline product', (s, id) => s.addItems(id, [{ product_id: offline, quantity: 1 }]), 400, 'ProductNotFoundException'],
    ['a product without a price', (s, id) => s.addItems(id, [{ product_id: unpriced, quantity: 1 }]), 400, 'ProductPriceNotDefinedException'],
    ['one bad item among good ones', (s, id) => s.addItems(id, [{ product_id: sku, quantity: 1 }, { product_id: `${h.tag}-nope`, quantity: 1 }]), 400, 'ProductNotFoundException'],
    ['an oversize body', (s, id) => raw(s, `${OCAPI}/baskets/${id}/items`, JSON.stringify([{ product_id: sku, quantity: 1, c_note: 'x'.repeat(5000) }])), 413, 'RequestEntityTooLargeException'],
    ['a non-JSON content type', (s, id) => h.app.inject({ method: 'POST', url: `${OCAPI}/baskets/${id}/items`, headers: { ...s.headers, 'content-type': 'text/plain' }, payload: 'hi' }), 415, 'UnsupportedMediaTypeException'],
    ['a NUL character in a custom property', (s, id) => s.addItems(id, [{ product_id: sku, quantity: 1, c_note: 'a\u0000b' } as never]), 400, 'PropertyConstraintViolationException'],
    ['a NUL character in a product id', (s, id) => s.addItems(id, [{ product_id: 'x\u0000y', quantity: 1 }]), 400, 'PropertyConstraintViolationException'],
    ['an unknown item id', (s, id) => s.setQuantity(id, 'nope', 3), 404, 'ProductItemNotFoundException'],
    ['a negative quantity change', (s, id, item) => s.setQuantity(id, item, -1), 400, 'PropertyConstraintViolationException'],
    ['an over-long Idempotency-Key', (s, id) => s.addItems(id, [{ product_id: sku, quantity: 1 }], { 'idempotency-key': 'k'.repeat(256) }), 400, 'PropertyConstraintViolationException'],
  ];

  it.each(cases)('rejects %s and leaves the basket unchanged', async (_name, send, status, fault) => {
    const s = new Shopper(h);
    const { id, item } = await basketWithOneLine(s);
    const before = await s.get(id);
    const r = await send(s, id, item);
    expect(r.statusCode).toBe(status);
    expect(r.json()).toMatchObject({ _v: '23.2', fault: { type: fault, message: expect.any(String) } });
    const after = await s.get(id);
    expect(after.headers.etag).toBe(before.headers.etag);
    expect(after.body).toBe(before.body);
  });

  it('refuses a 51st product line', async () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ sku: `${h.tag}-p${i}`, price: '1.00' }));
    await seedProducts(h, many);
    const s = new Shopper(h);
    const id = await s.createBasket();
    const fifty = await s.addItems(id, many.slice(0, 50).map((p) => ({ product_id: p.sku, quantity: 1 })));
    expect(fifty.statusCode).toBe(200);
    const r = await s.addItems(id, [{ product_id: many[50]!.sku, quantity: 1 }]);
    expect(r.statusCode).toBe(400);
    expect(r.json().fault.type).toBe('ProductItemQuotaExceededException');
    expect((await s.get(id)).json().product_items).toHaveLength(50);
  });
});

describe('a body-less write sent with Content-Type: application/json', () => {
  it('creates a basket with no body at all, or an empty JSON one', async () => {
    const s = new Shopper(h);
    for (const headers of [{}, { 'content-type': 'application/json' }]) {
      const r = await h.app.inject({ method: 'POST', url: `${OCAPI}/baskets`, headers: { ...s.headers, ...headers } });
      expect(r.statusCode, r.body).toBe(200);
    }
  });

  it('refuses a body nested deeper than any document needs with 400, not a crash', async () => {
    const s = new Shopper(h);
    // 100 levels: far past what any document needs, well within the body limit.
    const deep = `{"c_x":${'['.repeat(100)}${']'.repeat(100)}}`;
    const r = await raw(s, `${OCAPI}/baskets`, deep);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().fault.type).toBe('PropertyConstraintViolationException');
  });

  it('is taken as having no body (as many HTTP clients send that header on every request)', async () => {
    const s = new Shopper(h);
    const { id, item } = await basketWithOneLine(s);
    const r = await h.app.inject({ method: 'DELETE', url: `${OCAPI}/baskets/${id}/items/${item}`, headers: { ...s.headers, 'content-type': 'application/json' } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().product_items).toEqual([]);
  });
});

describe('bad admin input', () => {
  it('answers problem+json and stores nothing', async () => {
    const bad = [
      { url: '/admin/products', payload: { products: [{ sku: 'a b', name: 'x', tax_rate: '0.1' }] } },
      { url: '/admin/products', payload: { products: [{ sku: `${h.tag}-t`, name: 'x', tax_rate: 'abc' }] } },
      { url: '/admin/price-lists/default', payload: { currency: 'usd', prices: [] } },
      { url: '/admin/price-lists/default', payload: { currency: 'USD', prices: [{ sku, price: '-1' }] } },
      { url: '/admin/stock-lists/default', payload: { stocks: [{ sku, quantity: -5 }] } },
      { url: '/admin/sites/x', payload: { currency: 'USD', price_list: 'default', stock_list: 'default', taxation: 'flat' } },
      { url: '/admin/products', payload: { products: [{ sku: `${h.tag}-nul`, name: 'a\u0000b', tax_rate: '0.1' }] } },
    ];
    for (const b of bad) {
      const r = await h.app.inject({ method: 'PUT', url: b.url, headers: h.adminHeaders, payload: b.payload });
      expect(r.statusCode, b.url).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json()).toMatchObject({ status: 400, code: 'invalid_request', detail: expect.any(String) });
    }
    const s = new Shopper(h);
    const id = await s.createBasket();
    expect((await s.addItems(id, [{ product_id: sku, quantity: 1 }])).json().product_items[0].base_price).toBe(30);
  });

  it('refuses prices finer than the currency (USD 12.345, JPY 100.5) and stores none of the list', async () => {
    for (const [currency, price] of [['USD', '12.345'], ['JPY', '100.5']]) {
      const code = `${h.tag}-fine-${currency}`;
      const r = await h.app.inject({ method: 'PUT', url: `/admin/price-lists/${code}`, headers: h.adminHeaders, payload: { currency, prices: [{ sku, price: '1' }, { sku: offline, price }] } });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().detail).toContain(offline);
      const stored = await h.res.db.selectFrom('prices').select('sku').where('price_list', '=', code).execute();
      expect(stored).toEqual([]);
    }
    const ok = await h.app.inject({ method: 'PUT', url: `/admin/price-lists/${h.tag}-kwd`, headers: h.adminHeaders, payload: { currency: 'KWD', prices: [{ sku, price: '1.250' }] } });
    expect(ok.statusCode).toBe(200);
  });

  it("keeps a price list's currency, and a site's currency that of its price list", async () => {
    const code = `${h.tag}-eur`;
    const put = (url: string, payload: object) => h.app.inject({ method: 'PUT', url, headers: h.adminHeaders, payload });
    expect((await put(`/admin/price-lists/${code}`, { currency: 'EUR', prices: [{ sku, price: '12.35' }] })).statusCode).toBe(200);
    const change = await put(`/admin/price-lists/${code}`, { currency: 'JPY', prices: [] });
    expect(change.statusCode).toBe(409);
    const site = await put(`/admin/sites/${h.tag}-jpy`, { currency: 'JPY', price_list: code, stock_list: 'default' });
    expect(site.statusCode).toBe(400);
    expect(site.json().detail).toContain('EUR');
    expect((await put(`/admin/sites/${h.tag}-eur`, { currency: 'EUR', price_list: code, stock_list: 'default' })).statusCode).toBe(200);
  });

  it('refuses a list naming the same SKU twice', async () => {
    const r = await h.app.inject({
      method: 'PUT',
      url: '/admin/price-lists/default',
      headers: h.adminHeaders,
      payload: { currency: 'USD', prices: [{ sku, price: '1' }, { sku, price: '2' }] },
    });
    expect(r.statusCode).toBe(400);
  });
});

describe("moving a site to another stock list while its baskets hold inventory", () => {
  it('is refused with 409 until they have released it', async () => {
    // A site of its own (never `default`, which every other test file uses), with a basket holding units.
    const site = `${h.tag}-moving`;
    const put = (stockList: string) => h.app.inject({ method: 'PUT', url: `/admin/sites/${site}`, headers: h.adminHeaders, payload: { currency: 'USD', price_list: 'default', stock_list: stockList } });
    expect((await put('default')).statusCode).toBe(200);
    const s = new Shopper(h);
    const base = `/s/${site}/dw/shop/v23_2/baskets`;
    const id = (await s.request('POST', base, {})).json().basket_id as string;
    expect((await s.request('POST', `${base}/${id}/items`, [{ product_id: sku, quantity: 1 }])).statusCode).toBe(200);
    const r = await put(`${h.tag}-other`);
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'conflict', status: 409 });
    expect((await put('default')).statusCode).toBe(200);
    // Once the basket released its units, the site may move.
    expect((await s.request('DELETE', `${base}/${id}`)).statusCode).toBe(204);
    expect((await put(`${h.tag}-other`)).statusCode).toBe(200);
  });
});

describe('creating a basket', () => {
  it('answers 404 for an unknown site and 400 for unknown properties', async () => {
    const s = new Shopper(h);
    const r = await s.request('POST', '/s/no-such-site/dw/shop/v23_2/baskets', {});
    expect(r.statusCode).toBe(404);
    expect(r.json().fault.type).toBe('SiteNotFoundException');
    const u = await s.request('POST', `${OCAPI}/baskets`, { shipping: 'fast' });
    expect(u.statusCode).toBe(400);
    const c = await s.request('POST', `${OCAPI}/baskets`, { c_channel: 'app' });
    expect(c.statusCode).toBe(200);
    expect(c.json().c_channel).toBe('app');
  });
});

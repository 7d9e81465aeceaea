/**
 * The Akinon basket dialect over HTTP: the seed's document shape field by field, guest
 * sessions and bearer identities, every endpoint, codes, line attributes, upsell and unavailable lines,
 * DRF-style errors, and agreement with the OCAPI document of the same basket. The harness runs the
 * dialect on a site of its own (AKINON_SITE), so its coupons touch no other test's baskets.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from '../support/harness.js';

const BASKET = '/baskets/basket/';
const ITEMS = '/baskets/basket_items/';
const SITE = `ak-${randomUUID().slice(0, 8)}`;

let h: Harness;
/** The site's price list and stock list, as Akinon's `segment` names them (their integer pks). */
let SEGMENT: { pk: null; price_list: number; stock_list: number };
beforeAll(async () => {
  h = await startHarness({ AKINON_SITE: SITE });
  const r = await admin('PUT', `/admin/sites/${SITE}`, { currency: 'USD', price_list: 'default', stock_list: 'default' });
  expect(r.statusCode, r.body).toBe(200);
  const priceList = await h.res.db.selectFrom('price_lists').select('pk').where('code', '=', 'default').executeTakeFirstOrThrow();
  const stockList = await h.res.db.selectFrom('stock_lists').select('pk').where('code', '=', 'default').executeTakeFirstOrThrow();
  SEGMENT = { pk: null, price_list: priceList.pk, stock_list: stockList.pk };
});
afterAll(async () => h?.close());

async function admin(method: 'PUT' | 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse> {
  return h.app.inject({ method, url, headers: h.adminHeaders, ...(payload ? { payload } : {}) });
}

interface ProductSpec {
  price: string;
  retail_price?: string;
  tax_rate?: string;
  stock?: number;
  image?: string | null;
  attributes?: Record<string, unknown>;
  name?: string;
}

let products = 0;
/** A product of this file's own (name, price, stock): returns its SKU and Akinon pk. */
async function product(spec: ProductSpec): Promise<{ sku: string; pk: number; name: string }> {
  const sku = `${h.tag}-p${++products}`;
  const name = spec.name ?? `Product ${products}`;
  const p = await admin('PUT', '/admin/products', {
    products: [{ sku, name, tax_rate: spec.tax_rate ?? '0.2', image: spec.image ?? null, attributes: spec.attributes ?? {} }],
  });
  expect(p.statusCode, p.body).toBe(200);
  const pk = p.json().products[0].pk as number;
  expect(
    (
      await admin('PUT', '/admin/price-lists/default', {
        currency: 'USD',
        prices: [{ sku, price: spec.price, ...(spec.retail_price ? { retail_price: spec.retail_price } : {}) }],
      })
    ).statusCode,
  ).toBe(200);
  expect((await admin('PUT', '/admin/stock-lists/default', { stocks: [{ sku, quantity: spec.stock ?? 1000 }] })).statusCode).toBe(200);
  return { sku, pk, name };
}

let codes = 0;
/** A coupon (or campaign) on this file's site. */
async function promotion(body: Record<string, unknown>): Promise<string> {
  const code = `${h.tag}-C${++codes}`;
  const r = await admin('PUT', `/admin/promotions/${code}`, { kind: 'coupon', site: SITE, ...body });
  expect(r.statusCode, r.body).toBe(200);
  return code;
}

async function stockOf(sku: string): Promise<{ on_hand: number; reserved: number; available: number }> {
  return (await admin('GET', `/admin/stock-lists/default/${sku}`)).json();
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An Akinon client: a guest with a cookie jar, or a bearer-token customer. */
class Client {
  cookie: string | null = null;
  readonly sub: string;
  constructor(
    readonly bearer: boolean = false,
    readonly role: 'customer' | 'agent' = 'customer',
  ) {
    this.sub = `cust-${randomUUID()}`;
  }

  async request(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const r = await h.app.inject({
      method,
      url,
      headers: {
        ...(this.bearer ? { authorization: `Bearer ${h.tokens.sign(this.sub, this.role)}` } : {}),
        ...(this.cookie ? { cookie: `osessionid=${this.cookie}` } : {}),
        ...headers,
      },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    const set = r.headers['set-cookie'];
    const m = typeof set === 'string' ? /^osessionid=([^;]+)/.exec(set) : null;
    if (m) this.cookie = m[1]!;
    return r;
  }

  async basket(): Promise<Basket> {
    const r = await this.request('GET', BASKET);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().basket;
  }

  /** A write that must succeed: the new basket. */
  async ok(method: Method, payload?: unknown, url = BASKET, headers: Record<string, string> = {}): Promise<Basket> {
    const r = await this.request(method, url, payload, headers);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().basket;
  }
}

interface Badge {
  description: string;
  discount: string;
}
interface Item {
  id: number;
  quantity: number;
  unit_price: string | null;
  price: string | null;
  retail_price: string | null;
  total_amount: string | null;
  discount_amount: string;
  tax_rate: string;
  attributes: Record<string, unknown>;
  offer_badges: Badge[];
  product: { pk: number; sku: string; stock: number; in_stock: boolean };
  stock: number;
  reason?: string;
  [k: string]: unknown;
}
interface Basket {
  basketitem_set: Item[];
  total_amount: string;
  total_quantity: number;
  unavailable_basket_products: Item[];
  upsell_details: { message: string; params: { required: number; partial: number; remaining: number; partial_percentage: number } }[];
  upsell_messages: { basket_item: number; product: number; old_price: string; new_price: string; message: string }[];
  discounts: Badge[];
  total_discount_amount: string;
  total_product_amount: string;
  voucher_code: string | null;
  pk: number;
  created_date: string;
  modified_date: string;
  segment: { pk: null; stock_list: number; price_list: number };
}

const MONEY = /^\d+\.\d{2}$/;
const cents = (s: string) => Math.round(Number(s) * 100);
const sumCents = (xs: string[]) => xs.reduce((n, x) => n + cents(x), 0);

const BASKET_KEYS = [
  'basketitem_set',
  'total_amount',
  'total_quantity',
  'unavailable_basket_products',
  'upsell_details',
  'upsell_messages',
  'discounts',
  'total_discount_amount',
  'total_product_amount',
  'voucher_code',
  'pk',
  'created_date',
  'modified_date',
  'segment',
];
const ITEM_KEYS = [
  'quantity',
  'product',
  'unit_price',
  'currency_type',
  'currency_type_label',
  'tax_rate',
  'total_amount',
  'shipping_discount',
  'attributes',
  'id',
  'attributes_kwargs',
  'image',
  'parent',
  'offer_badges',
  'price',
  'retail_price',
  'stock',
  'discount_amount',
];
const PRODUCT_KEYS = [
  'pk',
  'name',
  'sku',
  'base_code',
  'attributes',
  'attribute_set',
  'attributes_kwargs',
  'extra_attributes',
  'productimage_set',
  'price',
  'in_stock',
  'currency_type',
  'retail_price',
  'unit_type',
  'absolute_url',
  'productvideo_set',
  'product_type',
  'price_type',
  'form_schema',
  'is_ready_to_basket',
  'stock',
  'data_source',
  'basket_offers',
  'created_date',
  'modified_date',
  'quantity',
];

/** The invariants every document keeps: money strings, and the discounts adding up at every level. */
function checkConsistent(b: Basket): void {
  expect(Object.keys(b).sort()).toEqual([...BASKET_KEYS].sort());
  for (const m of [b.total_amount, b.total_discount_amount, b.total_product_amount]) expect(m).toMatch(MONEY);
  expect(b.segment).toEqual(SEGMENT);
  expect(Number.isInteger(b.pk)).toBe(true);
  expect(new Date(b.created_date).toISOString()).toBe(b.created_date);
  expect(new Date(b.modified_date).toISOString()).toBe(b.modified_date);
  for (const i of b.basketitem_set) {
    expect(Object.keys(i).sort()).toEqual([...ITEM_KEYS].sort());
    expect(Object.keys(i.product).sort()).toEqual([...PRODUCT_KEYS].sort());
    expect(Number.isSafeInteger(i.id)).toBe(true);
    for (const m of [i.unit_price!, i.price!, i.retail_price!, i.total_amount!, i.discount_amount]) expect(m).toMatch(MONEY);
    expect(i.tax_rate).toMatch(/^\d+\.\d{2}$/);
    expect(cents(i.total_amount!)).toBe(cents(i.unit_price!) * i.quantity);
    expect(sumCents(i.offer_badges.map((x) => x.discount))).toBe(cents(i.discount_amount));
  }
  expect(sumCents(b.basketitem_set.map((i) => i.total_amount!))).toBe(cents(b.total_product_amount));
  expect(sumCents(b.basketitem_set.map((i) => i.discount_amount))).toBe(cents(b.total_discount_amount));
  expect(sumCents(b.discounts.map((d) => d.discount))).toBe(cents(b.total_discount_amount));
  expect(cents(b.total_product_amount) - cents(b.total_discount_amount)).toBe(cents(b.total_amount));
  expect(b.total_quantity).toBe(b.basketitem_set.reduce((n, i) => n + i.quantity, 0));
}

async function basketIdOfPk(pk: number): Promise<string> {
  const row = await h.res.db.selectFrom('baskets').select('id').where('pk', '=', pk).executeTakeFirstOrThrow();
  return row.id;
}

async function recalculate(sku: string): Promise<void> {
  const r = await admin('POST', '/admin/baskets/recalculate', { skus: [sku] });
  expect(r.statusCode, r.body).toBe(202);
}

describe('identity and the active basket', () => {
  it("a guest's first GET sets osessionid and creates nothing; with the cookie, GET creates its basket and finds it again", async () => {
    const g = new Client();
    const first = await g.request('GET', BASKET);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    const set = first.headers['set-cookie'] as string;
    expect(set).toMatch(/^osessionid=[0-9a-f]{32}_\d+_[0-9a-f]{24}; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/);
    expect(first.json().basket).toEqual({
      basketitem_set: [],
      total_amount: '0.00',
      total_quantity: 0,
      unavailable_basket_products: [],
      upsell_details: [],
      upsell_messages: [],
      discounts: [],
      total_discount_amount: '0.00',
      total_product_amount: '0.00',
      voucher_code: null,
      pk: null,
      created_date: null,
      modified_date: null,
      segment: SEGMENT,
    });
    // Cookie-less looks (crawlers, health checks) make no baskets.
    const lookers = [g, new Client(), new Client(), new Client()];
    for (const c of lookers.slice(1)) await c.request('GET', BASKET);
    const owners = lookers.map((c) => `session:${c.cookie!.split('_')[0]}`);
    expect(await h.res.db.selectFrom('baskets').select('id').where('owner_id', 'in', owners).execute()).toEqual([]);

    const created = await g.request('GET', BASKET);
    expect(created.headers['set-cookie']).toBeUndefined();
    const b = created.json().basket as Basket;
    checkConsistent(b);
    expect(b).toMatchObject({ basketitem_set: [], total_amount: '0.00', total_quantity: 0, voucher_code: null });
    expect(created.headers.etag).toBe('"1"');

    const again = await g.request('GET', BASKET);
    expect(again.json().basket.pk).toBe(b.pk);
    // Without the trailing slash too.
    expect((await g.request('GET', '/baskets/basket')).json().basket.pk).toBe(b.pk);
    // If-None-Match on the current version: 304.
    expect((await g.request('GET', BASKET, undefined, { 'if-none-match': '"1"' })).statusCode).toBe(304);

    const other = new Client();
    expect((await other.basket()).pk).not.toBe(b.pk);
    const customer = new Client(true);
    const c = await customer.request('GET', BASKET);
    expect(c.headers['set-cookie']).toBeUndefined();
    expect(c.json().basket.pk).not.toBe(b.pk);
    expect(c.json().basket.pk).not.toBe((await other.basket()).pk);
    expect((await customer.basket()).pk).toBe(c.json().basket.pk);
  });

  it('a cookie it did not mint is replaced by a fresh session', async () => {
    const g = new Client();
    await g.basket();
    const minted = g.cookie!;
    for (const forged of ['garbage', `${minted.slice(0, 39)}${minted.endsWith('A') ? 'B' : 'A'}`, 'x'.repeat(40)]) {
      const f = new Client();
      f.cookie = forged;
      const r = await f.request('GET', BASKET);
      expect(r.statusCode).toBe(200);
      expect(r.headers['set-cookie']).toMatch(/^osessionid=/);
      expect(f.cookie).not.toBe(forged);
    }
  });

  it('a bad bearer token is 401 {"detail"}', async () => {
    const r = await h.app.inject({ method: 'GET', url: BASKET, headers: { authorization: 'Bearer not-a-token' } });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({ detail: 'Invalid token.' });
    expect(r.headers['set-cookie']).toBeUndefined();
    // Identity comes first: a bad token with a bad body is still 401.
    const w = await h.app.inject({ method: 'POST', url: BASKET, headers: { authorization: 'Bearer not-a-token' }, payload: { product: 'x' } });
    expect(w.statusCode).toBe(401);
    expect(w.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('concurrent first requests of one caller create one basket', async () => {
    const c = new Client(true);
    const answers = await Promise.all(Array.from({ length: 6 }, () => c.request('GET', BASKET)));
    const pks = new Set(answers.map((r) => r.json().basket.pk));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(6).fill(200));
    expect(pks.size).toBe(1);
    const rows = await h.res.db.selectFrom('baskets').select('id').where('owner_id', '=', c.sub).execute();
    expect(rows).toHaveLength(1);
  });

  it('a write with no basket yet creates it first', async () => {
    const p = await product({ price: '3.00' });
    const g = new Client();
    const b = await g.ok('POST', { product: p.pk, quantity: 2 });
    expect(g.cookie).toBeTruthy();
    expect(b.basketitem_set.map((i) => i.quantity)).toEqual([2]);
    expect((await g.basket()).pk).toBe(b.pk);
  });

  it('a basket deleted through OCAPI is replaced by a new active one', async () => {
    const c = new Client(true);
    const first = await c.basket();
    const id = await basketIdOfPk(first.pk);
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/s/${SITE}/dw/shop/v23_2/baskets/${id}`,
      headers: { authorization: `Bearer ${h.tokens.sign(c.sub)}` },
    });
    expect(del.statusCode, del.body).toBe(204);
    const second = await c.basket();
    expect(second.pk).not.toBe(first.pk);
    expect((await c.basket()).pk).toBe(second.pk);
  });
});

describe('items', () => {
  it('POST adds a product; the document matches the seed shape field by field; quantities add up', async () => {
    const p = await product({
      price: '12.50',
      retail_price: '20.00',
      tax_rate: '0.18',
      image: 'https://cdn.example/p.jpg',
      attributes: { color: 'red', base_code: 'BC-1' },
      name: 'Gitar Ünü',
    });
    const g = new Client();
    let r = await g.request('POST', BASKET, { product: p.pk, quantity: 2 });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers.etag).toBe('"2"');
    let b = r.json().basket as Basket;
    checkConsistent(b);
    expect(b.basketitem_set).toHaveLength(1);
    const item = b.basketitem_set[0]!;
    expect(item).toEqual({
      quantity: 2,
      product: {
        pk: p.pk,
        name: 'Gitar Ünü',
        sku: p.sku,
        base_code: 'BC-1',
        attributes: { color: 'red', base_code: 'BC-1' },
        attribute_set: null,
        attributes_kwargs: {},
        extra_attributes: {},
        productimage_set: [
          { pk: p.pk, status: 'active', image: 'https://cdn.example/p.jpg', order: 1, created_date: expect.any(String), specialimage_set: [] },
        ],
        price: '12.50',
        in_stock: true,
        currency_type: 'usd',
        retail_price: '20.00',
        unit_type: 'qty',
        absolute_url: `/${p.sku.toLowerCase()}-bc-1-gitar-unu/`,
        productvideo_set: [],
        product_type: '0',
        price_type: 'default',
        form_schema: null,
        is_ready_to_basket: true,
        stock: 1000,
        data_source: null,
        basket_offers: [],
        created_date: expect.any(String),
        modified_date: expect.any(String),
        quantity: '2',
      },
      unit_price: '12.50',
      currency_type: 'usd',
      currency_type_label: 'USD',
      tax_rate: '18.00',
      total_amount: '25.00',
      shipping_discount: null,
      attributes: {},
      id: expect.any(Number),
      attributes_kwargs: {},
      image: 'https://cdn.example/p.jpg',
      parent: null,
      offer_badges: [],
      price: '12.50',
      retail_price: '20.00',
      stock: 1000,
      discount_amount: '0.00',
    });
    expect(b).toMatchObject({ total_amount: '25.00', total_product_amount: '25.00', total_discount_amount: '0.00', total_quantity: 2, discounts: [] });
    expect((await stockOf(p.sku)).reserved).toBe(2);

    // The same product with the same options adds up on its line; with other options it is another item.
    b = await g.ok('POST', { product: p.pk, quantity: 1, attributes: {} });
    expect(b.basketitem_set.map((i) => [i.id, i.quantity])).toEqual([[item.id, 3]]);
    b = await g.ok('POST', { product: p.pk, quantity: 2, attributes: { gift: true } });
    checkConsistent(b);
    expect(b.basketitem_set).toHaveLength(2);
    expect(b.basketitem_set[0]).toMatchObject({ id: item.id, quantity: 3, attributes: {} });
    expect(b.basketitem_set[1]).toMatchObject({ quantity: 2, total_amount: '25.00', attributes: { gift: true } });
    expect(b.total_amount).toBe('62.50');
    // Digit strings are integers too (as DRF takes them); without options the product's first item adds up.
    b = await g.ok('POST', { product: String(p.pk), quantity: '1' });
    expect(b.basketitem_set[0]!.quantity).toBe(4);
    r = await g.request('GET', BASKET);
    expect(r.json().basket).toEqual(b);
    expect((await stockOf(p.sku)).reserved).toBe(6);
  });

  it('PUT and PATCH set a quantity; 0 removes the line; 0 for a product not in the basket changes nothing', async () => {
    const a = await product({ price: '10.00' });
    const c = await product({ price: '1.99', tax_rate: '0.08' });
    const g = new Client(true);
    await g.ok('POST', { product: a.pk, quantity: 4 });
    let b = await g.ok('PUT', { product: c.pk, quantity: 3 });
    checkConsistent(b);
    expect(b.basketitem_set.map((i) => [i.product.pk, i.quantity, i.tax_rate])).toEqual([
      [a.pk, 4, '20.00'],
      [c.pk, 3, '8.00'],
    ]);
    expect(b.total_amount).toBe('45.97');
    b = await g.ok('PATCH', { product: a.pk, quantity: 1 });
    expect(b.basketitem_set.map((i) => i.quantity)).toEqual([1, 3]);
    expect((await stockOf(a.sku)).reserved).toBe(1);
    b = await g.ok('PUT', { product: a.pk, quantity: 0 });
    expect(b.basketitem_set.map((i) => i.product.pk)).toEqual([c.pk]);
    expect((await stockOf(a.sku)).reserved).toBe(0);
    const version = (await g.request('GET', BASKET)).headers.etag;
    const noop = await g.request('PUT', '/baskets/basket', { product: a.pk, quantity: 0 });
    expect(noop.statusCode, noop.body).toBe(200);
    expect(noop.json().basket).toEqual(b);
    expect((await g.request('GET', BASKET)).headers.etag).toBe(version);
    b = await g.ok('PATCH', { product: c.pk, quantity: 0 });
    expect(b.basketitem_set).toEqual([]);
    expect(b.total_amount).toBe('0.00');
  });

  it('DELETE empties the basket, answers it, and releases the held units', async () => {
    const a = await product({ price: '5.00', stock: 10 });
    const c = await product({ price: '7.00', stock: 10 });
    const g = new Client();
    await g.ok('POST', { product: a.pk, quantity: 3 });
    const full = await g.ok('POST', { product: c.pk, quantity: 2 });
    expect((await stockOf(a.sku)).reserved).toBe(3);
    expect((await stockOf(c.sku)).reserved).toBe(2);
    const r = await g.request('DELETE', BASKET);
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json().basket as Basket;
    checkConsistent(b);
    expect(b).toMatchObject({ pk: full.pk, basketitem_set: [], total_amount: '0.00', total_quantity: 0, total_product_amount: '0.00' });
    expect(await stockOf(a.sku)).toMatchObject({ on_hand: 10, reserved: 0, available: 10 });
    expect(await stockOf(c.sku)).toMatchObject({ on_hand: 10, reserved: 0, available: 10 });
    // The same basket stays active.
    expect((await g.basket()).pk).toBe(full.pk);
  });

  it('adding beyond the stock is 400 {"quantity"} and changes nothing', async () => {
    const p = await product({ price: '2.00', stock: 5 });
    const g = new Client();
    const before = await g.ok('POST', { product: p.pk, quantity: 4 });
    const version = (await g.request('GET', BASKET)).headers.etag;
    const r = await g.request('POST', BASKET, { product: p.pk, quantity: 2 });
    expect(r.statusCode).toBe(400);
    expect(Object.keys(r.json())).toEqual(['quantity']);
    expect(r.json().quantity).toEqual([expect.stringContaining(p.sku)]);
    const after = await g.request('GET', BASKET);
    expect(after.headers.etag).toBe(version);
    expect(after.json().basket).toEqual(before);
    expect((await stockOf(p.sku)).reserved).toBe(4);
    // Beyond the per-line limit: also {"quantity"}.
    const limit = await g.request('POST', BASKET, { product: p.pk, quantity: h.config.MAX_LINE_QUANTITY + 1 });
    expect(limit.statusCode).toBe(400);
    expect(limit.json()).toEqual({ quantity: [`Ensure this value is less than or equal to ${h.config.MAX_LINE_QUANTITY}.`] });
  });
});

describe('errors', () => {
  it('an unknown product pk is 400 {"product"}; an offline product too', async () => {
    const g = new Client();
    const r = await g.request('POST', BASKET, { product: 2_000_000_000, quantity: 1 });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ product: ['Invalid pk "2000000000" - object does not exist.'] });
    const off = await product({ price: '1.00' });
    await admin('PUT', '/admin/products', { products: [{ sku: off.sku, name: off.name, tax_rate: '0.2', online: false }] });
    const o = await g.request('PUT', BASKET, { product: off.pk, quantity: 1 });
    expect(o.statusCode).toBe(400);
    expect(Object.keys(o.json())).toEqual(['product']);
  });

  it('malformed bodies are 400 with field lists', async () => {
    const g = new Client();
    const cases: [Method, unknown, unknown][] = [
      ['POST', { product: 'abc', quantity: -1 }, { product: ['A valid integer is required.'], quantity: ['Ensure this value is greater than or equal to 1.'] }],
      ['POST', { product: 1.5, quantity: null }, { product: ['A valid integer is required.'], quantity: ['This field may not be null.'] }],
      ['POST', { quantity: 1 }, { product: ['This field is required.'] }],
      ['POST', undefined, { product: ['This field is required.'], quantity: ['This field is required.'] }],
      ['POST', [{ product: 1, quantity: 1 }], { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }],
      ['POST', { product: 1, quantity: 1, attributes: 'x' }, { attributes: ['Expected a dictionary of items but got type "string".'] }],
      ['PUT', { product: 1 }, { quantity: ['This field is required.'] }],
      ['PUT', { product: 1, quantity: -1 }, { quantity: ['Ensure this value is greater than or equal to 0.'] }],
      ['PATCH', { product: 1 }, { quantity: ['This field is required.'] }],
      ['PATCH', {}, { non_field_errors: ['Send product and quantity, or voucher_code, remove_voucher_code or external_offer_code.'] }],
      ['PATCH', { product: 1, quantity: 1, voucher_code: 'X' }, { non_field_errors: ['Send either product and quantity or offer codes, not both.'] }],
      ['PATCH', { voucher_code: '' }, { voucher_code: ['This field may not be blank.'] }],
      ['PATCH', { voucher_code: 'A', remove_voucher_code: true }, { voucher_code: ['Cannot be combined with remove_voucher_code.'] }],
      ['PATCH', { remove_voucher_code: 'yes' }, { remove_voucher_code: ['Must be a valid boolean.'] }],
    ];
    for (const [method, payload, expected] of cases) {
      const r = await g.request(method, BASKET, payload);
      expect(r.statusCode, `${method} ${JSON.stringify(payload)}: ${r.body}`).toBe(400);
      expect(r.json(), `${method} ${JSON.stringify(payload)}`).toEqual(expected);
    }
    const bad = await g.request('POST', BASKET, '{"product": ', { 'content-type': 'application/json' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ detail: expect.stringContaining('JSON parse error') });
    const items = await g.request('PATCH', ITEMS, { is_all: true });
    expect(items.statusCode).toBe(400);
    expect(items.json()).toEqual({ id: ['This field is required.'] });
    // Nothing of that started a session or made a basket: the guest is still cookie-less.
    expect(g.cookie).toBeNull();
    expect((await g.request('GET', BASKET)).json().basket.pk).toBeNull();
  });

  it('unknown paths are 404 {"detail": "Not found."}', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/baskets/nope/' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ detail: 'Not found.' });
  });
});

describe('writes through the lane', () => {
  it('honours Idempotency-Key (repeat applies nothing; another body is 422) and Prefer: respond-async', async () => {
    const p = await product({ price: '4.00' });
    const g = new Client();
    const key = { 'idempotency-key': `k-${randomUUID()}` };
    const first = await g.ok('POST', { product: p.pk, quantity: 1 }, BASKET, key);
    const repeat = await g.ok('POST', { product: p.pk, quantity: 1 }, BASKET, key);
    expect(repeat).toEqual(first);
    expect((await g.basket()).basketitem_set[0]!.quantity).toBe(1);
    const conflict = await g.request('POST', BASKET, { product: p.pk, quantity: 2 }, key);
    expect(conflict.statusCode).toBe(422);
    expect(conflict.json()).toEqual({ detail: expect.any(String) });

    const later = await g.request('POST', BASKET, { product: p.pk, quantity: 2 }, { prefer: 'respond-async' });
    expect(later.statusCode).toBe(202);
    expect(later.headers.location).toMatch(/^\/mutations\//);
    await eventually(async () => ((await g.basket()).basketitem_set[0]!.quantity === 3 ? true : undefined));
    // The guest polls its mutation with its session cookie; another session does not see it.
    const status = await g.request('GET', later.headers.location as string);
    expect(status.statusCode, status.body).toBe(200);
    // A non-Bearer Authorization header is ignored there as on the basket routes: the cookie still names the guest.
    expect((await g.request('GET', later.headers.location as string, undefined, { authorization: 'Basic Zm9vOmJhcg==' })).statusCode).toBe(200);
    expect(status.json()).toMatchObject({ status: 'applied', version: expect.any(Number) });
    const stranger = new Client();
    await stranger.request('GET', BASKET);
    expect((await stranger.request('GET', later.headers.location as string)).statusCode).toBe(404);
  });
});

describe('voucher and external offer codes', () => {
  it('voucher_code applies a coupon: discounts, offer badges and totals; an invalid one is 400 and changes nothing; remove_voucher_code removes it', async () => {
    const a = await product({ price: '10.00' });
    const c = await product({ price: '3.33', tax_rate: '0.1' });
    const coupon = await promotion({ name: 'Ten percent', discount: { type: 'percentage', value: '10' } });
    const g = new Client();
    await g.ok('POST', { product: a.pk, quantity: 1 });
    await g.ok('POST', { product: c.pk, quantity: 3 });
    let b = await g.ok('PATCH', { voucher_code: coupon });
    checkConsistent(b);
    // 19.99 × 10% = 2.00 (1.999 rounded), spread 10.00 : 9.99 → 1.00 and 1.00.
    expect(b).toMatchObject({
      voucher_code: coupon,
      total_product_amount: '19.99',
      total_discount_amount: '2.00',
      total_amount: '17.99',
      discounts: [{ description: 'Ten percent', discount: '2.00' }],
    });
    expect(b.basketitem_set.map((i) => [i.discount_amount, i.offer_badges])).toEqual([
      ['1.00', [{ description: 'Ten percent', discount: '1.00' }]],
      ['1.00', [{ description: 'Ten percent', discount: '1.00' }]],
    ]);

    const version = (await g.request('GET', BASKET)).headers.etag;
    const disabled = await promotion({ name: 'Switched off', discount: { type: 'amount', value: '5.00' }, enabled: false });
    const expired = await promotion({ name: 'Over', discount: { type: 'amount', value: '5.00' }, ends_at: '2020-01-01T00:00:00Z' });
    for (const bad of ['NO-SUCH-CODE', disabled, expired]) {
      const r = await g.request('PATCH', BASKET, { voucher_code: bad });
      expect(r.statusCode).toBe(400);
      expect(Object.keys(r.json())).toEqual(['voucher_code']);
      expect(r.json().voucher_code).toEqual([expect.stringContaining(bad)]);
    }
    const after = await g.request('GET', BASKET);
    expect(after.headers.etag).toBe(version);
    expect(after.json().basket).toEqual(b);

    b = await g.ok('PATCH', { remove_voucher_code: true });
    checkConsistent(b);
    expect(b).toMatchObject({ voucher_code: null, discounts: [], total_discount_amount: '0.00', total_amount: '19.99' });
    expect(b.basketitem_set.every((i) => i.offer_badges.length === 0)).toBe(true);

    // A valid code whose conditions do not hold yet (below its minimum) is refused, as instant
    // verification means; once the basket qualifies it is accepted.
    const later = await promotion({ name: 'Big spender', discount: { type: 'amount', value: '5.00' }, min_amount: '25.00' });
    const early = await g.request('PATCH', BASKET, { voucher_code: later });
    expect(early.statusCode).toBe(400);
    expect(early.json()).toEqual({ voucher_code: [expect.stringContaining('does not qualify')] });
    expect((await g.basket()).voucher_code).toBeNull();
    await g.ok('POST', { product: a.pk, quantity: 1 });
    b = await g.ok('PATCH', { voucher_code: later });
    expect(b).toMatchObject({ voucher_code: later, total_discount_amount: '5.00', total_amount: '24.99' });
    b = await g.ok('PATCH', { remove_voucher_code: true });
  });

  it('external_offer_code is kept without verification and its promotion applies; remove_voucher_code clears it unless sent again', async () => {
    const p = await product({ price: '40.00' });
    const offer = await promotion({ name: 'Partner offer', discount: { type: 'amount', value: '5.00' }, min_amount: '50.00' });
    const g = new Client(true);
    // Not applicable yet (nothing in the basket): kept anyway.
    let b = await g.ok('PATCH', { external_offer_code: offer });
    expect(b.discounts).toEqual([]);
    const stored = async () =>
      (await h.res.db.selectFrom('baskets').select('external_offer_code').where('pk', '=', b.pk).executeTakeFirstOrThrow()).external_offer_code;
    expect(await stored()).toBe(offer);
    b = await g.ok('POST', { product: p.pk, quantity: 1 });
    expect(b.discounts).toEqual([]);
    b = await g.ok('POST', { product: p.pk, quantity: 1 });
    checkConsistent(b);
    expect(b).toMatchObject({
      voucher_code: null,
      total_product_amount: '80.00',
      total_discount_amount: '5.00',
      total_amount: '75.00',
      discounts: [{ description: 'Partner offer', discount: '5.00' }],
    });

    const coupon = await promotion({ name: 'Five percent', discount: { type: 'percentage', value: '5' } });
    b = await g.ok('PATCH', { voucher_code: coupon });
    checkConsistent(b);
    expect(b.voucher_code).toBe(coupon);
    expect(b.discounts.map((d) => d.description).sort()).toEqual(['Five percent', 'Partner offer']);

    // remove_voucher_code with external_offer_code: the voucher goes, the external code stays.
    b = await g.ok('PATCH', { remove_voucher_code: true, external_offer_code: offer });
    expect(b.voucher_code).toBeNull();
    expect(b.discounts).toEqual([{ description: 'Partner offer', discount: '5.00' }]);
    expect(await stored()).toBe(offer);
    // remove_voucher_code alone: the external code goes too.
    b = await g.ok('PATCH', { remove_voucher_code: true });
    expect(b.discounts).toEqual([]);
    expect(b.total_amount).toBe('80.00');
    expect(await stored()).toBeNull();
  });
});

describe('basket_items', () => {
  it('PATCH sets the whole line\'s attributes (is_all true) or splits one unit off (is_all false); an unknown id is 400 {"id"}', async () => {
    const p = await product({ price: '6.00' });
    const g = new Client();
    const b0 = await g.ok('POST', { product: p.pk, quantity: 3 });
    const id = b0.basketitem_set[0]!.id;

    let r = await g.request('PATCH', ITEMS, { id, is_all: true, attributes: { engraving: 'A' } });
    expect(r.statusCode, r.body).toBe(200);
    const whole = r.json() as Item;
    expect(Object.keys(whole).sort()).toEqual([...ITEM_KEYS].sort());
    expect(whole).toMatchObject({ id, quantity: 3, attributes: { engraving: 'A' }, total_amount: '18.00' });
    let b = await g.basket();
    expect(b.basketitem_set.map((i) => [i.id, i.quantity, i.attributes])).toEqual([[id, 3, { engraving: 'A' }]]);

    r = await g.request('PATCH', '/baskets/basket_items', { id, is_all: false, attributes: { engraving: 'B' } });
    expect(r.statusCode, r.body).toBe(200);
    const split = r.json() as Item;
    expect(split.id).not.toBe(id);
    expect(split).toMatchObject({ quantity: 1, attributes: { engraving: 'B' }, total_amount: '6.00', product: { pk: p.pk } });
    b = await g.basket();
    checkConsistent(b);
    expect(b.basketitem_set.map((i) => [i.id, i.quantity, i.attributes])).toEqual([
      [id, 2, { engraving: 'A' }],
      [split.id, 1, { engraving: 'B' }],
    ]);
    expect(b.total_amount).toBe('18.00');
    // Both lines hold their units: the product's stock counts them once each.
    expect((await stockOf(p.sku)).reserved).toBe(3);
    expect(b.basketitem_set.map((i) => i.stock)).toEqual([1000, 1000]);

    const version = (await g.request('GET', BASKET)).headers.etag;
    r = await g.request('PATCH', ITEMS, { id: 12345, is_all: true, attributes: {} });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ id: ['Basket item "12345" is not in the basket.'] });
    // Another shopper's item id is not in this basket either.
    const other = new Client();
    expect((await other.request('PATCH', ITEMS, { id, is_all: true })).statusCode).toBe(400);
    expect((await g.request('GET', BASKET)).headers.etag).toBe(version);
  });
});

describe('catalogue changes', () => {
  it('upsell_messages lists a line whose price rose since it was added, until the shopper changes that line', async () => {
    const p = await product({ price: '10.00' });
    const q = await product({ price: '2.00' });
    const g = new Client();
    await g.ok('POST', { product: q.pk, quantity: 1 });
    const added = await g.ok('POST', { product: p.pk, quantity: 2 });
    const pItem = added.basketitem_set.find((i) => i.product.pk === p.pk)!;
    expect((await admin('PUT', '/admin/price-lists/default', { currency: 'USD', prices: [{ sku: p.sku, price: '12.00' }] })).statusCode).toBe(200);
    await recalculate(p.sku);
    const b = await eventually(async () => {
      const x = await g.basket();
      return x.upsell_messages.length > 0 ? x : undefined;
    });
    checkConsistent(b);
    expect(b.upsell_messages).toEqual([
      { basket_item: pItem.id, product: p.pk, old_price: '10.00', new_price: '12.00', message: expect.stringContaining('12.00') },
    ]);
    expect(b.total_amount).toBe('26.00');
    // Changing another line leaves it; changing this one clears it.
    expect((await g.ok('PUT', { product: q.pk, quantity: 2 })).upsell_messages).toHaveLength(1);
    const after = await g.ok('PUT', { product: p.pk, quantity: 3 });
    expect(after.upsell_messages).toEqual([]);
    expect(after.total_amount).toBe('40.00');
  });

  it('unavailable_basket_products lists a line whose product went offline; totals leave it out', async () => {
    const gone = await product({ price: '9.00', name: 'Soon gone' });
    const stays = await product({ price: '1.00' });
    const g = new Client();
    await g.ok('POST', { product: gone.pk, quantity: 2 });
    const before = await g.ok('POST', { product: stays.pk, quantity: 1 });
    const goneId = before.basketitem_set.find((i) => i.product.pk === gone.pk)!.id;
    await admin('PUT', '/admin/products', { products: [{ sku: gone.sku, name: gone.name, tax_rate: '0.2', online: false }] });
    await recalculate(gone.sku);
    const b = await eventually(async () => {
      const x = await g.basket();
      return x.unavailable_basket_products.length > 0 ? x : undefined;
    });
    checkConsistent(b);
    expect(b.basketitem_set.map((i) => i.product.pk)).toEqual([stays.pk]);
    expect(b.unavailable_basket_products).toHaveLength(1);
    expect(b.unavailable_basket_products[0]).toMatchObject({
      id: goneId,
      quantity: 2,
      reason: 'product_unavailable',
      product: { pk: gone.pk, sku: gone.sku, in_stock: false, is_ready_to_basket: false },
      offer_badges: [],
      discount_amount: '0.00',
    });
    expect(b).toMatchObject({ total_amount: '1.00', total_product_amount: '1.00', total_quantity: 1 });
  });
});

describe('agreement with OCAPI', () => {
  it("the same basket read through OCAPI has Akinon's totals, per line and per promotion", async () => {
    const a = await product({ price: '19.99' });
    const c = await product({ price: '0.35', tax_rate: '0.08' });
    const d = await product({ price: '7.77', tax_rate: '0.1' });
    // A product-level campaign (on A only, so no other test's basket sees it) and two order-level codes:
    // each order-level amount is spread over three lines, and the badges must still add up both ways.
    await promotion({ kind: 'campaign', name: 'A: 1.10 off each', skus: [a.sku], discount: { type: 'amount', value: '1.10' } });
    const coupon = await promotion({ name: 'Seven percent', discount: { type: 'percentage', value: '7' } });
    const offer = await promotion({ name: 'Three off', discount: { type: 'amount', value: '3.01' } });
    const g = new Client(true);
    await g.ok('POST', { product: a.pk, quantity: 3 });
    await g.ok('POST', { product: c.pk, quantity: 7 });
    await g.ok('POST', { product: d.pk, quantity: 1 });
    await g.ok('PATCH', { voucher_code: coupon });
    const b = await g.ok('PATCH', { external_offer_code: offer });
    checkConsistent(b);
    expect(b.discounts.map((x) => x.description).sort()).toEqual(['A: 1.10 off each', 'Seven percent', 'Three off']);
    expect(b.basketitem_set.every((i) => i.offer_badges.length >= 2)).toBe(true);

    const id = await basketIdOfPk(b.pk);
    const o = await h.app.inject({
      method: 'GET',
      url: `/s/${SITE}/dw/shop/v23_2/baskets/${id}`,
      headers: { authorization: `Bearer ${h.tokens.sign(g.sub)}` },
    });
    expect(o.statusCode, o.body).toBe(200);
    const doc = o.json();
    const toCents = (n: number) => Math.round(n * 100);
    expect(cents(b.total_amount)).toBe(toCents(doc.product_total));
    expect(cents(b.total_product_amount)).toBe(toCents(doc.product_items.reduce((n: number, i: { price: number }) => n + i.price, 0)));
    const items = new Map(b.basketitem_set.map((i) => [i.product.sku, i]));
    for (const pi of doc.product_items as { product_id: string; price: number; price_after_order_discount: number; quantity: number }[]) {
      const item = items.get(pi.product_id)!;
      expect(item.quantity).toBe(pi.quantity);
      expect(cents(item.total_amount!) - cents(item.discount_amount)).toBe(toCents(pi.price_after_order_discount));
    }
    // Each order-level promotion's badges add up to what OCAPI says it took off.
    for (const adj of doc.order_price_adjustments as { item_text: string; price: number }[]) {
      expect(cents(b.discounts.find((x) => x.description === adj.item_text)!.discount)).toBe(-toCents(adj.price));
      expect(sumCents(b.basketitem_set.flatMap((i) => i.offer_badges.filter((x) => x.description === adj.item_text).map((x) => x.discount)))).toBe(
        -toCents(adj.price),
      );
    }
    // Reading the basket again (rendered from the cache or PostgreSQL) gives the same document.
    expect(await g.basket()).toEqual(b);
  });
});

describe('OpenAPI', () => {
  it('documents the Akinon routes under the Akinon tag', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const [path, methods] of [
      ['/baskets/basket/', ['get', 'post', 'put', 'patch', 'delete']],
      ['/baskets/basket_items/', ['patch']],
    ] as const) {
      for (const m of methods) {
        expect(doc.paths[path]?.[m]?.tags, `${m} ${path}`).toEqual(['Akinon']);
        expect(doc.paths[path][m].summary).toBeTruthy();
      }
    }
    expect(doc.paths['/baskets/basket']).toBeUndefined();
  });
});

/**
 * Project Zero Next (@akinon/next) against the Akinon dialect: its endpoint calls exactly as its client
 * and its Next.js proxy build them (project-zero.ts), every answer holding the required keys of its own
 * types; and the rest of what its storefront relies on: basket_offers, upsell_details and segment with
 * real data, sub_items / inquiry refused, a cookie-less guest's refused write creating nothing, no
 * error logged for removing what is not there, the voucher rule, 405s, and the session's lifetime and
 * rotation. The harness runs the dialect on a site of its own.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { SessionIds } from '../../src/api/akinon/identity.js';
import { BASKET_KEYS, ITEM_KEYS, PRODUCT_KEYS, proxied, pz, type BrowserCall } from './project-zero.js';

const SITE = `pz-${randomUUID().slice(0, 8)}`;
const COMMERCE_URL = 'http://127.0.0.1:3000';
const TTL = 3600;
const ROTATE = 600;
/** Log lines at level error (50) or above. */
const errors: string[] = [];

let h: Harness;
let segment: { pk: null; price_list: number; stock_list: number };
beforeAll(async () => {
  h = await startHarness(
    { AKINON_SITE: SITE, LOG_LEVEL: 'warn', AKINON_SESSION_TTL_SECONDS: String(TTL), AKINON_SESSION_ROTATE_SECONDS: String(ROTATE) },
    {
      logs: {
        write(line: string) {
          if ((JSON.parse(line) as { level: number }).level >= 50) errors.push(line);
        },
      },
    },
  );
  const r = await admin('PUT', `/admin/sites/${SITE}`, { currency: 'USD', price_list: 'default', stock_list: 'default' });
  expect(r.statusCode, r.body).toBe(200);
  const priceList = await h.res.db.selectFrom('price_lists').select('pk').where('code', '=', 'default').executeTakeFirstOrThrow();
  const stockList = await h.res.db.selectFrom('stock_lists').select('pk').where('code', '=', 'default').executeTakeFirstOrThrow();
  segment = { pk: null, price_list: priceList.pk, stock_list: stockList.pk };
});
afterAll(async () => h?.close());

async function admin(method: 'PUT' | 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse> {
  return h.app.inject({ method, url, headers: h.adminHeaders, ...(payload ? { payload } : {}) });
}

let products = 0;
async function product(price: string, stock = 100): Promise<{ sku: string; pk: number }> {
  const sku = `${h.tag}-p${++products}`;
  const p = await admin('PUT', '/admin/products', { products: [{ sku, name: `Product ${products}`, tax_rate: '0.18' }] });
  expect(p.statusCode, p.body).toBe(200);
  expect((await admin('PUT', '/admin/price-lists/default', { currency: 'USD', prices: [{ sku, price }] })).statusCode).toBe(200);
  expect((await admin('PUT', '/admin/stock-lists/default', { stocks: [{ sku, quantity: stock }] })).statusCode).toBe(200);
  return { sku, pk: p.json().products[0].pk as number };
}

let codes = 0;
async function promotion(body: Record<string, unknown>): Promise<{ code: string; pk: number }> {
  const code = `${h.tag}-C${++codes}`;
  const r = await admin('PUT', `/admin/promotions/${code}`, { kind: 'coupon', site: SITE, ...body });
  expect(r.statusCode, r.body).toBe(200);
  const row = await h.res.db.selectFrom('promotions').select('pk').where('code', '=', code).executeTakeFirstOrThrow();
  return { code, pk: row.pk };
}

async function basketsOnSite(): Promise<number> {
  const row = await h.res.db
    .selectFrom('baskets')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('site_id', '=', SITE)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A browser running a Project Zero storefront: its cookie jar, and its calls through the proxy. */
class Storefront {
  readonly cookies = new Map<string, string>([
    ['csrftoken', 'pz-csrf'],
    ['pz-locale', 'en'],
    ['pz-currency', 'usd'],
  ]);

  get session(): string | undefined {
    return this.cookies.get('osessionid');
  }

  /** One endpoint call: what the proxy sends, and what it answers the browser (any 2xx as 200, Set-Cookie passed on). */
  async call(c: BrowserCall): Promise<{ status: number; body: any; setCookie: string | undefined; raw: LightMyRequestResponse }> {
    const browserHeaders = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      // api/client.ts prepareHeaders: the locale's apiValue and the currency cookie, and the CSRF token.
      'accept-language': 'en-us',
      'x-currency': this.cookies.get('pz-currency') ?? 'undefined',
      'x-csrftoken': this.cookies.get('csrftoken')!,
      'user-agent': 'Mozilla/5.0 (PZ test)',
      host: 'storefront.example',
      origin: 'https://storefront.example',
      referer: 'https://storefront.example/basket',
    };
    const req = proxied(c, browserHeaders, COMMERCE_URL);
    const r = await h.app.inject({
      method: req.method as 'GET',
      url: req.url,
      headers: req.headers,
      ...(req.payload !== undefined ? { payload: req.payload } : {}),
    });
    const setCookie = r.headers['set-cookie'] as string | undefined;
    const m = setCookie ? /^osessionid=([^;]+)/.exec(setCookie) : null;
    if (m) this.cookies.set('osessionid', m[1]!);
    const body = r.body.length ? r.json() : null;
    return {
      status: /^20./.test(String(r.statusCode)) ? 200 : r.statusCode,
      body: c.keeps === 'basket' && body?.basket ? body.basket : body,
      setCookie,
      raw: r,
    };
  }

  async ok(c: BrowserCall): Promise<any> {
    const r = await this.call(c);
    expect(r.status, `${c.endpoint}: ${r.raw.body}`).toBe(200);
    expect(r.raw.headers['content-type']).toMatch(/^application\/json/);
    return r.body;
  }
}

/** Every key @akinon/next's Basket, BasketItem and Product require, in a real answer. */
function holdsPzKeys(basket: Record<string, any>): void {
  expect(Object.keys(basket)).toEqual(expect.arrayContaining(Object.keys(BASKET_KEYS)));
  for (const item of basket.basketitem_set as Record<string, any>[]) {
    expect(Object.keys(item)).toEqual(expect.arrayContaining(Object.keys(ITEM_KEYS)));
    expect(Object.keys(item.product)).toEqual(expect.arrayContaining(Object.keys(PRODUCT_KEYS)));
  }
}

describe("Project Zero Next's client, unchanged", () => {
  it('getBasket, addProduct, updateQuantity, applyVoucherCode, removeVoucherCode, clearBasket: as its code sends them', async () => {
    const p = await product('20.00');
    const voucher = await promotion({ name: 'Ten off', discount: { type: 'amount', value: '10.00' } });
    const s = new Storefront();

    // The proxy's request: trailing slash, JSON content type, its own headers beside the browser's.
    const sent = proxied(pz.clearBasket(), { cookie: 'a=b', host: 'x', 'content-type': 'text/plain' }, COMMERCE_URL);
    expect(sent).toEqual({
      method: 'DELETE',
      url: '/baskets/basket/',
      headers: { cookie: 'a=b', 'X-Requested-With': 'XMLHttpRequest', Referer: COMMERCE_URL, Accept: 'application/json', 'Content-Type': 'application/json' },
      payload: '{}',
    });

    let b = await s.ok(pz.getBasket());
    holdsPzKeys(b);
    expect(b).toMatchObject({ pk: null, basketitem_set: [], segment });
    expect(s.session).toBeDefined();

    const added = await s.ok(pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }));
    holdsPzKeys(added.basket);
    expect(added.basket).toMatchObject({ total_quantity: 1, total_amount: '20.00', segment });
    expect(added.basket.basketitem_set[0].product).toMatchObject({ pk: p.pk, sku: p.sku, quantity: '1', basket_offers: [] });
    expect(added.basket.basketitem_set[0].currency_type_label).toBe('USD');
    // The session id stays in its HttpOnly cookie: it is not copied into the body for scripts to read.
    expect(added.osessionid).toBeUndefined();

    const set = await s.ok(pz.updateQuantity({ product: p.pk, quantity: 3, attributes: {} }));
    holdsPzKeys(set.basket);
    expect(set.basket).toMatchObject({ total_quantity: 3, total_amount: '60.00', pk: added.basket.pk });

    b = await s.ok(pz.applyVoucherCode({ voucher_code: voucher.code }));
    holdsPzKeys(b);
    expect(b).toMatchObject({
      voucher_code: voucher.code,
      total_discount_amount: '10.00',
      total_amount: '50.00',
      discounts: [{ description: 'Ten off', discount: '10.00' }],
    });

    b = await s.ok(pz.removeVoucherCode());
    expect(b).toMatchObject({ voucher_code: null, total_amount: '60.00' });

    b = await s.ok(pz.clearBasket());
    holdsPzKeys(b);
    expect(b).toMatchObject({ basketitem_set: [], total_quantity: 0, pk: added.basket.pk });
    expect((await s.ok(pz.getBasket())).pk).toBe(added.basket.pk);
    expect(errors).toEqual([]);
  });
});

describe('the fields its types require carry real data', () => {
  it("basket_offers lists the site's running campaigns for a product; upsell_details how far a campaign's minimum is", async () => {
    const p = await product('20.00');
    const other = await product('5.00');
    const onP = await promotion({ kind: 'campaign', name: 'P week', discount: { type: 'percentage', value: '10' }, skus: [p.sku] });
    const big = await promotion({ kind: 'campaign', name: 'Big basket', discount: { type: 'amount', value: '15.00' }, min_amount: '100.00' });
    await promotion({ kind: 'coupon', name: 'Secret code', discount: { type: 'amount', value: '1.00' }, skus: [p.sku] });
    await promotion({ kind: 'campaign', name: 'Over', enabled: false, discount: { type: 'amount', value: '1.00' }, skus: [p.sku] });
    const s = new Storefront();
    const b = (await s.ok(pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }))).basket;
    await s.ok(pz.addProduct({ product: other.pk, quantity: 1, attributes: {} }));
    const after = await s.ok(pz.getBasket());
    const offersOf = (x: any, pk: number) => x.basketitem_set.find((i: any) => i.product.pk === pk).product.basket_offers;
    // Only running campaigns, never a coupon (its code is not advertised): the order-level one too.
    // In the order promotions apply (priority, then code).
    expect(offersOf(b, p.pk)).toEqual([
      { pk: onP.pk, label: 'P week', kwargs: { show_benefit_products: false }, listing_kwargs: {} },
      { pk: big.pk, label: 'Big basket', kwargs: { show_benefit_products: false }, listing_kwargs: {} },
    ]);
    expect(offersOf(after, other.pk)).toEqual([{ pk: big.pk, label: 'Big basket', kwargs: { show_benefit_products: false }, listing_kwargs: {} }]);
    // 20.00 + 5.00 before discounts, of 100.00: JSON numbers, written from the decimal text.
    expect(after.upsell_details).toEqual([
      { message: 'Add 75.00 USD more to get Big basket.', params: { required: 100, partial: 25, remaining: 75, partial_percentage: 25 } },
    ]);
    expect((await s.call(pz.getBasket())).raw.body).toContain('"params":{"required":100.00,"partial":25.00,"remaining":75.00,"partial_percentage":25.00}');
    expect(after.segment).toEqual(segment);
  });
});

describe('input it does not carry out is refused, never dropped', () => {
  it('sub_items and inquiry with content are 400 on that field and change nothing; absent, null or empty they pass', async () => {
    const p = await product('3.00');
    const s = new Storefront();
    const before = await s.ok(pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }));
    const cases: [BrowserCall, string][] = [
      [
        { ...pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }), body: { product: p.pk, quantity: 1, sub_items: [{ product: p.pk, quantity: 1 }] } },
        'sub_items',
      ],
      [{ ...pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }), body: { product: p.pk, quantity: 1, inquiry: { reason: 'exchange' } } }, 'inquiry'],
      [{ ...pz.updateQuantity({ product: p.pk, quantity: 2, attributes: {} }), body: { product: p.pk, quantity: 2, inquiry: { order_item: 1 } } }, 'inquiry'],
      [{ ...pz.updateQuantity({ product: p.pk, quantity: 2, attributes: {} }), body: { product: p.pk, quantity: 2, sub_items: { 1: 2 } } }, 'sub_items'],
      [{ ...pz.removeVoucherCode(), body: { product: p.pk, quantity: 2, sub_items: [1] } }, 'sub_items'],
    ];
    for (const [call, field] of cases) {
      const r = await s.call(call);
      expect(r.status, r.raw.body).toBe(400);
      expect(r.body).toEqual({ [field]: [expect.stringContaining('not supported')] });
    }
    expect((await s.ok(pz.getBasket())).modified_date).toBe(before.basket.modified_date);
    const empty = await s.ok({
      ...pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }),
      body: { product: p.pk, quantity: 1, sub_items: [], inquiry: null },
    });
    expect(empty.basket.total_quantity).toBe(2);
  });
});

describe('a cookie-less guest whose write is refused', () => {
  it('gets its 400, and no basket, no session cookie, no held unit', async () => {
    const p = await product('4.00', 2);
    const baskets = await basketsOnSite();
    const refused: [BrowserCall, string][] = [
      [pz.addProduct({ product: p.pk, quantity: 3, attributes: {} }), 'quantity'],
      [pz.applyVoucherCode({ voucher_code: 'NO-SUCH-CODE' }), 'voucher_code'],
      [
        {
          endpoint: 'basket_items',
          method: 'PATCH',
          url: '/api/client/baskets/basket_items/?options=%7B%22contentType%22%3A%22application%2Fjson%22%7D',
          body: { id: 12345, is_all: true },
          keeps: 'whole',
        },
        'id',
      ],
    ];
    for (const [call, field] of refused) {
      const s = new Storefront();
      const r = await s.call(call);
      expect(r.status, r.raw.body).toBe(400);
      expect(Object.keys(r.body)).toEqual([field]);
      expect(r.setCookie).toBeUndefined();
      expect(s.session).toBeUndefined();
    }
    expect(await basketsOnSite()).toBe(baskets);
    expect((await admin('GET', `/admin/stock-lists/default/${p.sku}`)).json()).toMatchObject({ reserved: 0 });

    // The same for a guest that only looked so far (Project Zero loads the basket first): its session
    // stands, and its refused write creates no basket.
    const looker = new Storefront();
    expect((await looker.ok(pz.getBasket())).pk).toBeNull();
    expect(looker.session).toBeDefined();
    for (const [call, field] of refused) {
      const r = await looker.call(call);
      expect(r.status, r.raw.body).toBe(400);
      expect(Object.keys(r.body)).toEqual([field]);
    }
    expect(await basketsOnSite()).toBe(baskets);

    // Accepted, the same first write creates the basket with its first change, and starts the session.
    const s = new Storefront();
    const ok = await s.ok(pz.addProduct({ product: p.pk, quantity: 2, attributes: {} }));
    expect(ok.basket.total_quantity).toBe(2);
    expect(s.session).toBeDefined();
    expect(await basketsOnSite()).toBe(baskets + 1);
    expect((await admin('GET', `/admin/stock-lists/default/${p.sku}`)).json()).toMatchObject({ reserved: 2 });
  });
});

describe('removing a product that is not in the basket', () => {
  it('answers the basket as it stands (200) and logs no error, with or without a basket', async () => {
    const p = await product('1.00');
    const q = await product('2.00');
    const withBasket = new Storefront();
    const before = await withBasket.ok(pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }));
    errors.length = 0;
    const looked = new Storefront();
    await looked.ok(pz.getBasket());
    for (const s of [withBasket, new Storefront(), looked]) {
      const patch = await s.call({ ...pz.removeVoucherCode(), body: { product: q.pk, quantity: 0 } });
      expect(patch.status, patch.raw.body).toBe(200);
      const put = await s.call(pz.updateQuantity({ product: q.pk, quantity: 0, attributes: {} }));
      expect(put.status, put.raw.body).toBe(200);
    }
    expect((await withBasket.ok(pz.getBasket())).modified_date).toBe(before.basket.modified_date);
    // Give any late error (a promise settling after the reply) time to be logged.
    await new Promise((r) => setTimeout(r, 200));
    expect(errors).toEqual([]);
  });
});

describe('voucher_code: instant verification', () => {
  it('refuses a valid code whose conditions do not hold yet, consistently (sync and async), and takes it once they do', async () => {
    const p = await product('10.00');
    const q = await product('10.00');
    const min = await promotion({ name: 'Over 30', discount: { type: 'amount', value: '5.00' }, min_amount: '30.00' });
    const onQ = await promotion({ name: 'Q only', discount: { type: 'percentage', value: '50' }, skus: [q.sku] });
    const freeShipping = await promotion({ name: 'Free shipping', discount: { type: 'free_shipping', value: '0' } });
    const s = new Storefront();
    await s.ok(pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }));
    for (const code of [min.code, onQ.code]) {
      const r = await s.call(pz.applyVoucherCode({ voucher_code: code }));
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ voucher_code: [expect.stringContaining('does not qualify')] });
    }
    // The asynchronous path reaches the same verdict: the mutation is rejected.
    const asyncReq = proxied(pz.applyVoucherCode({ voucher_code: min.code }), { cookie: `osessionid=${s.session}` }, COMMERCE_URL);
    const accepted = await h.app.inject({
      method: 'PATCH',
      url: asyncReq.url,
      headers: { ...asyncReq.headers, prefer: 'respond-async' },
      payload: asyncReq.payload!,
    });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const status = await eventually(async () => {
      const m = await h.app.inject({ method: 'GET', url: accepted.headers.location as string, headers: { cookie: `osessionid=${s.session}` } });
      return m.json().status === 'queued' ? undefined : m.json();
    });
    expect(status).toMatchObject({ status: 'rejected', error: { code: 'coupon_not_applicable' } });
    expect((await s.ok(pz.getBasket())).voucher_code).toBeNull();
    // A code whose conditions hold but that takes nothing off yet (free shipping: no method chosen) is taken.
    expect((await s.ok(pz.applyVoucherCode({ voucher_code: freeShipping.code }))).voucher_code).toBe(freeShipping.code);
    // Once the basket qualifies, the others are taken too.
    await s.ok(pz.addProduct({ product: q.pk, quantity: 2, attributes: {} }));
    expect(await s.ok(pz.applyVoucherCode({ voucher_code: min.code }))).toMatchObject({ voucher_code: min.code, total_discount_amount: '5.00' });
    expect(await s.ok(pz.applyVoucherCode({ voucher_code: onQ.code }))).toMatchObject({ voucher_code: onQ.code, total_discount_amount: '10.00' });
  });
});

describe('unsupported methods', () => {
  it("are 405 with DRF's detail and an Allow header, and start no session", async () => {
    const cases: [string, string, string][] = [
      ['GET', '/baskets/basket_items/', 'PATCH'],
      ['POST', '/baskets/basket_items/', 'PATCH'],
      ['PUT', '/baskets/basket_items', 'PATCH'],
      ['DELETE', '/baskets/basket_items/', 'PATCH'],
      ['TRACE', '/baskets/basket/', 'GET, HEAD, POST, PUT, PATCH, DELETE'],
      ['TRACE', '/baskets/basket', 'GET, HEAD, POST, PUT, PATCH, DELETE'],
    ];
    for (const [method, url, allow] of cases) {
      const r = await h.app.inject({ method: method as 'GET', url });
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(405);
      expect(r.json()).toEqual({ detail: `Method "${method}" not allowed.` });
      expect(r.headers.allow).toBe(allow);
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    // A bad token is still 401 first, as in DRF (authentication runs before the method check).
    const r = await h.app.inject({ method: 'GET', url: '/baskets/basket_items/', headers: { authorization: 'Bearer nope' } });
    expect(r.statusCode).toBe(401);
  });
});

describe('osessionid lifetime and rotation', () => {
  /** A cookie for session `id` as the service would have issued it `ago` seconds back. */
  const issuedAgo = (id: string, ago: number) =>
    new SessionIds(h.config.JWT_SECRET, { ttlSeconds: TTL, rotateSeconds: ROTATE, now: () => Date.now() - ago * 1000 }).cookieValue(id);
  const idOf = (cookie: string) => /^([0-9a-f]{32}|[A-Za-z0-9_-]{40})_\d+_[0-9a-f]{24}$/.exec(cookie)![1]!;

  it('a cookie past the rotation interval is re-issued for the same session and basket; one past its lifetime names no session', async () => {
    const p = await product('1.00');
    const s = new Storefront();
    const b = (await s.ok(pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }))).basket;
    const first = s.session!;
    expect(first).toMatch(/^\w+$/);
    const id = idOf(first);

    // Fresh: used again, not re-issued.
    const again = await s.call(pz.getBasket());
    expect(again.setCookie).toBeUndefined();

    // Older than the rotation interval: the same basket, and a new cookie value for the same session.
    s.cookies.set('osessionid', issuedAgo(id, ROTATE + 5));
    const rotated = await s.call(pz.getBasket());
    expect(rotated.body.pk).toBe(b.pk);
    expect(rotated.setCookie).toMatch(new RegExp(`^osessionid=${id}_\\d+_[0-9a-f]{24}; Path=/; Max-Age=${TTL}; HttpOnly; SameSite=Lax$`));
    expect(s.session).not.toBe(issuedAgo(id, ROTATE + 5));
    expect((await s.call(pz.getBasket())).setCookie).toBeUndefined();
    expect((await s.ok(pz.getBasket())).pk).toBe(b.pk);

    // Older than its lifetime: no session; a new one starts (with its first success) and finds no basket.
    const old = new Storefront();
    old.cookies.set('osessionid', issuedAgo(id, TTL + 5));
    const expired = await old.call(pz.getBasket());
    expect(expired.body.pk).toBeNull();
    expect(idOf(old.session!)).not.toBe(id);

    // Tampered with (the issue time moved forward): no session either.
    const forged = first.replace(/_(\d+)_/, (_, t: string) => `_${Number(t) + 1000}_`);
    const f = new Storefront();
    f.cookies.set('osessionid', forged);
    expect((await f.call(pz.getBasket())).body.pk).toBeNull();
  });

  it('a cookie of the former format (no issue time) keeps its session and basket and is re-issued with one', async () => {
    // The former format: 18 random bytes and a 12-byte HMAC of them, base64url.
    const key = createHmac('sha256', h.config.JWT_SECRET).update('akinon-osessionid').digest();
    const random = randomBytes(18).toString('base64url');
    const legacy = random + createHmac('sha256', key).update(random).digest().subarray(0, 12).toString('base64url');
    const p = await product('1.00');
    const s = new Storefront();
    s.cookies.set('osessionid', legacy);
    const added = await s.call(pz.addProduct({ product: p.pk, quantity: 1, attributes: {} }));
    expect(added.status).toBe(200);
    const owner = await h.res.db.selectFrom('baskets').select('owner_id').where('pk', '=', added.body.basket.pk).executeTakeFirstOrThrow();
    expect(owner.owner_id).toBe(`session:${legacy}`);
    expect(idOf(s.session!)).toBe(legacy);
    expect((await s.ok(pz.getBasket())).pk).toBe(added.body.basket.pk);
  });
});
